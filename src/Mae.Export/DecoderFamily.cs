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

    /// <summary>
    /// Autoregressive over ordered groups of features, Bernoulli within each group: p(x|z) = Π_t p(x_t | x_&lt;t, z), with a GRU over
    /// the groups conditioned on z. Features must lie in [0, 1]. Needs a group size that divides the features. Such a decoder can
    /// model the data without the code, the case a VAE collapses in and the Mutual Autoencoder holds its target. It has no
    /// decoder export; the encoder exports as for every family.
    /// </summary>
    AutoregressiveBernoulli,

    /// <summary>
    /// Autoregressive over ordered groups of features, independent normals within each group given the GRU state (real data).
    /// Needs a group size that divides the features. It has no decoder export; the encoder exports as for every family.
    /// </summary>
    AutoregressiveGaussian,
}
