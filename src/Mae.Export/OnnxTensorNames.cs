namespace Mae.Export;

/// <summary>
/// Names of the inputs and outputs of the exported ONNX models. They are part of the exported
/// model's contract: consumers such as ML.NET's ONNX transformer bind columns by these names.
/// </summary>
/// <remarks>
/// The shapes given are those of the default layout, <see cref="OnnxTensorLayout.Batch"/>. With
/// <see cref="OnnxTensorLayout.SingleRow"/> an input [batch, w] is [1, w] and an output [batch, w] is [w].
/// </remarks>
public static class OnnxTensorNames
{
    /// <summary>
    /// The encoder's input: raw features, float [batch, F]; or [batch, 1] for one-hot input, holding a float class
    /// index (<see cref="InputPreprocessingKind.OneHot"/>) or a uint32 ML.NET key (<see cref="InputPreprocessingKind.KeyOneHot"/>).
    /// </summary>
    public const string Features = "features";

    /// <summary>The decoder's input: a latent vector, float [batch, d].</summary>
    public const string Latent = "latent";

    /// <summary>
    /// Gaussian mean: the encoder's posterior mean [batch, d], or a Gaussian decoder's mean [batch, F].
    /// </summary>
    public const string Mean = "mean";

    /// <summary>
    /// Gaussian log-variance (natural logarithm): the encoder's posterior log-variance [batch, d]
    /// (only when <see cref="OnnxExportOptions.IncludeLogVariance"/> is set), or a Gaussian decoder's [batch, F].
    /// </summary>
    public const string LogVariance = "log_variance";

    /// <summary>Logits of a Bernoulli [batch, F] or categorical [batch, K] decoder.</summary>
    public const string Logits = "logits";

    /// <summary>
    /// Probabilities of a Bernoulli decoder (sigmoid of the logits, [batch, F]) or of a categorical
    /// decoder (softmax of the logits over the classes, [batch, K]).
    /// </summary>
    public const string Probabilities = "probabilities";

    /// <summary>
    /// A table model's anomaly score, float [batch, 1]: the negative ELBO at the posterior mean in nats over the row's observed
    /// cells (see <see cref="OnnxExportOptions.AnomalyScoreName"/>). The name a table model's public export gives it.
    /// </summary>
    public const string AnomalyScore = "anomaly_score";
}
