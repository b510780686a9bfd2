namespace Mae;

// Shared by training (Mae.MLNet) and export (Mae.Export), so it is defined once, in the assembly both reference.
/// <summary>The family of the decoder distribution p(x|z).</summary>
public enum DecoderFamily
{
    /// <summary>
    /// Independent normal per feature, with mean and log-variance predicted from z.
    /// The exported decoder outputs <c>mean</c> and <c>log_variance</c>, both [batch, F].
    /// </summary>
    Gaussian,

    /// <summary>
    /// A categorical distribution over K classes; each data row is one class index in [0, K).
    /// The exported decoder outputs <c>logits</c> and <c>probabilities</c> (softmax over the classes), both [batch, K].
    /// </summary>
    Categorical,

    /// <summary>
    /// Independent Bernoulli per feature; features must lie in [0, 1] (for example pixel intensities).
    /// The exported decoder outputs <c>logits</c> and <c>probabilities</c> (sigmoid of the logits), both [batch, F].
    /// </summary>
    Bernoulli,
}
