namespace Mae.Export;

/// <summary>Options for <see cref="OnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// Gets the caller's metadata, written to the model's <c>metadata_props</c> (readable through ONNX Runtime's
    /// <c>ModelMetadata.CustomMetadataMap</c>). Keys must be non-empty and values non-null. Format numbers with
    /// <see cref="System.Globalization.CultureInfo.InvariantCulture"/>. A key listed in <see cref="OnnxMetadataKeys"/>
    /// is also written by the exporter and may be given here only with the same value. Keys are compared ordinally.
    /// </summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the version of the model, written to <c>model_version</c>. Must not be negative. Defaults to 1.
    /// </summary>
    public long ModelVersion { get; set; } = OnnxExporter.Defaults.ModelVersion;

    /// <summary>
    /// Gets or sets whether an exported encoder also outputs <see cref="OnnxTensorNames.LogVariance"/>, the posterior
    /// log-variance. Defaults to <see langword="false"/> (the encoder outputs only <see cref="OnnxTensorNames.Mean"/>).
    /// Ignored for decoders: a Gaussian decoder always outputs both its mean and its log-variance.
    /// </summary>
    public bool IncludeLogVariance { get; set; } = OnnxExporter.Defaults.IncludeLogVariance;

    /// <summary>
    /// Gets or sets the name of an exported encoder's input tensor. Defaults to <see cref="OnnxTensorNames.Features"/>.
    /// Hosts that bind tensors to columns by name (such as ML.NET's ONNX transformer) set it to the column's name.
    /// </summary>
    public string EncoderInputName { get; set; } = OnnxTensorNames.Features;

    /// <summary>Gets or sets the name of an exported encoder's mean output. Defaults to <see cref="OnnxTensorNames.Mean"/>.</summary>
    public string EncoderMeanName { get; set; } = OnnxTensorNames.Mean;

    /// <summary>Gets or sets the name of an exported encoder's log-variance output. Defaults to <see cref="OnnxTensorNames.LogVariance"/>.</summary>
    public string EncoderLogVarianceName { get; set; } = OnnxTensorNames.LogVariance;

    /// <summary>
    /// Gets or sets the shapes of the model's input and outputs: a batch of rows ([batch, width] in and out, the
    /// default) or one row per run ([1, width] in, [width] out). See <see cref="OnnxTensorLayout"/>.
    /// </summary>
    public OnnxTensorLayout TensorLayout { get; set; } = OnnxExporter.Defaults.TensorLayout;

    /// <summary>
    /// Gets or sets names for the d dimensions of an exported encoder's outputs, or <see langword="null"/> (the default)
    /// to record none. Must hold exactly d names, none of them null. Ignored for decoders.
    /// </summary>
    /// <remarks>
    /// The names are recorded for ML.NET's ONNX transformer, which gives an output column <c>C</c> the slot names held
    /// by the <c>keys_strings</c> attribute of the graph node named <c>mlnet.C.SlotNames</c>. The exporter writes one
    /// such node for the mean and one for the log-variance output (when included), as ML.NET's own ONNX converter
    /// does: an <c>ai.onnx.ml</c> <c>LabelEncoder</c> over a constant string, whose result nothing reads. A model with
    /// names therefore also imports the <c>ai.onnx.ml</c> operator set (version 2); its inputs and outputs are unchanged.
    /// </remarks>
    public IReadOnlyList<string>? EncoderSlotNames { get; set; }

    /// <summary>
    /// Gets or sets the suffix of a table model's imputed outputs, or <see langword="null"/> (the default) for none. When set,
    /// <see cref="OnnxExporter.WriteTable(TableDescription, Stream, OnnxExportOptions)"/> outputs, for every column that can be
    /// missing, <c>{column}{suffix}</c>: the column's values, in its own element type, with each missing cell replaced by the
    /// model's prediction. Must not be empty. Ignored for encoders and decoders.
    /// </summary>
    public string? ImputedColumnSuffix { get; set; }

    /// <summary>
    /// Gets or sets the fixed standard normal draws ε_k, K rows of the latent dimension one after another, with which a table model's
    /// imputed columns weigh codes by importance; empty (the default) predicts at the posterior mean. When set, each row's codes are
    /// z_k = μ + σ·ε_k (the same draws for every row), each weighted by p(x_obs|z_k)·p(z_k)/q(z_k|x_obs) normalised over k, and each
    /// missing cell gets the decision on its column's weighted summary (mean, rate, or class or outcome probabilities): the
    /// model's own predictive given the observed cells rather than the encoder's approximation. It costs K decoder passes a row.
    /// Ignored without <see cref="ImputedColumnSuffix"/>; its length must be a multiple of the latent dimension, its values finite.
    /// </summary>
    public ReadOnlyMemory<float> ImputationNoise { get; set; }

    /// <summary>
    /// Gets or sets the name of a table model's anomaly score output, or <see langword="null"/> (the default) for none. When set,
    /// <see cref="OnnxExporter.WriteTable(TableDescription, Stream, OnnxExportOptions)"/> outputs float [batch, 1] ([1] for one row):
    /// the plug-in negative ELBO with the code at its posterior mean, −log p(x | z = μ) + KL(q(z|x) ‖ p(z)), in nats over each row's
    /// observed cells (higher is more unusual), and +∞ for a row with an observed value that breaks its column's rule (an infinite
    /// value, a value ≤ 0 in a positive column, a negative or fractional count, a binary value other than 0 and 1, a key above the
    /// count) or with no observed cell, so that such a row is flagged. Must not be empty. Ignored for encoders and decoders.
    /// </summary>
    public string? AnomalyScoreName { get; set; }

    /// <summary>
    /// Gets or sets the name of a table model's predicted-label output, or <see langword="null"/> (the default) for none. When set,
    /// with <see cref="AnomalyScoreName"/> and <see cref="AnomalyThreshold"/>, the table model also outputs bool [batch, 1] ([1] for
    /// one row): whether the score exceeds the threshold. Must not be empty. Ignored for encoders and decoders.
    /// </summary>
    public string? PredictedLabelName { get; set; }

    /// <summary>
    /// Gets or sets the score above which <see cref="PredictedLabelName"/> is true. Must be finite when <see cref="PredictedLabelName"/>
    /// is set; ignored otherwise.
    /// </summary>
    public float AnomalyThreshold { get; set; }
}
