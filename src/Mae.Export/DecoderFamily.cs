namespace Mae.Export;

/// <summary>
/// The likelihood family of a decoder, which decides the decoder's output heads and the
/// outputs of the exported decoder model.
/// </summary>
public enum DecoderFamily
{
    /// <summary>
    /// Independent Gaussians per feature. Heads: mean and log-variance.
    /// Outputs <c>mean</c> and <c>log_variance</c>, both [batch, F].
    /// </summary>
    Gaussian,

    /// <summary>
    /// Independent Bernoulli variables per feature. Head: logits.
    /// Outputs <c>logits</c> and <c>probabilities</c> (the sigmoid of the logits), both [batch, F].
    /// </summary>
    Bernoulli,

    /// <summary>
    /// One categorical variable over K classes. Head: logits.
    /// Outputs <c>logits</c> and <c>probabilities</c> (the softmax of the logits over the classes), both [batch, K].
    /// </summary>
    Categorical,
}
