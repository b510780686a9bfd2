using Mae.Export;
using Mae.Modeling;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae;

/// <summary>A trained Mutual Autoencoder: its encoder, decoder and training report.</summary>
/// <remarks>Holds native libtorch memory: dispose it when done. Encoding and decoding are deterministic and may be called from one thread at a time.</remarks>
public sealed class MutualAutoencoderModel : IDisposable
{
    private readonly Lock gate = new();
    private readonly MutualAutoencoderOptions options;
    private bool disposed;

    internal MutualAutoencoderModel(MutualAutoencoderNetworks networks, MutualAutoencoderOptions options, int featureCount, MutualAutoencoderTrainingReport report)
    {
        Networks = networks;
        this.options = options;
        FeatureCount = featureCount;
        Report = report;
        networks.eval();
    }

    /// <summary>Values per input row (1 for the categorical decoder: the class index).</summary>
    public int FeatureCount { get; }

    /// <summary>Dimension d of the latent code.</summary>
    public int LatentDimension => options.LatentDimension;

    /// <summary>The decoder family.</summary>
    public DecoderFamily Decoder => options.Decoder;

    /// <summary>Number of classes K of a categorical decoder; 0 for the other families.</summary>
    public int NumberOfClasses => options.Decoder == DecoderFamily.Categorical ? options.NumberOfClasses : 0;

    /// <summary>The training diagnostics, per epoch and final.</summary>
    public MutualAutoencoderTrainingReport Report { get; }

    internal MutualAutoencoderNetworks Networks { get; }

    /// <summary>The posterior means E_q[z|x] of rows stored one after another; returns [rows × d] values, row-major.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="rows"/> is not a positive multiple of <see cref="FeatureCount"/>, or a value breaks the decoder family's rule.</exception>
    public float[] Encode(ReadOnlySpan<float> rows)
    {
        int count = RowCount(rows, FeatureCount, nameof(rows));
        var mean = new float[count * LatentDimension];
        Encode(rows, mean, default);
        return mean;
    }

    /// <summary>Writes posterior means, and log-variances when <paramref name="logVariance"/> is not empty, for rows stored one after another.</summary>
    /// <param name="rows">Input rows, [rows × <see cref="FeatureCount"/>].</param>
    /// <param name="mean">Receives [rows × d] means.</param>
    /// <param name="logVariance">Receives [rows × d] log-variances, or is empty.</param>
    public void Encode(ReadOnlySpan<float> rows, Span<float> mean, Span<float> logVariance)
    {
        int count = RowCount(rows, FeatureCount, nameof(rows));
        int width = count * LatentDimension;
        CheckDestination(mean, width, nameof(mean));
        if (!logVariance.IsEmpty)
            CheckDestination(logVariance, width, nameof(logVariance));
        Networks.Decoder.ThrowIfInvalid(rows, FeatureCount, row => $"Row {row}", nameof(rows));
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var input = tensor(rows.ToArray(), [count, FeatureCount]);
            var halves = Networks.Encoder.forward(Networks.Decoder.ToNetworkInput(input)).chunk(2, 1);
            halves[0].data<float>().CopyTo(mean[..width]);
            if (!logVariance.IsEmpty)
                halves[1].data<float>().CopyTo(logVariance[..width]);
        }
    }

    /// <summary>
    /// A copy of rows of a table (stored one after another, NaN for a missing cell) whose missing cells hold the model's prediction.
    /// Observed cells are copied unchanged. With <paramref name="posteriorDraws"/> = 0 (the rule of the ML.NET step and the ONNX graph)
    /// each column's <see cref="Modeling.Columns.ColumnBlock.Predict"/> of p(x|z) at the posterior mean of z; with K &gt; 0 each column's
    /// <see cref="Modeling.Columns.ColumnBlock.Summary"/> averaged over K codes z = μ + σ·ε_k (ε_k drawn once from the training seed and
    /// shared by every row), then decided: the posterior predictive's mean of a real or count cell and mode of a categorical or
    /// binary one, and for a positive cell exp of its averaged log-scale mean. The README compares the rules on seven public
    /// tables: the averaged one did no better than the posterior mean. With <paramref name="importanceWeighted"/>, the same K codes per row are averaged with
    /// the self-normalised importance weights
    /// w_k ∝ p(x_obs|z_k) p(z_k) / q(z_k|x_obs), which estimate the model's own predictive p(x_mis|x_obs) rather than the
    /// encoder's approximation of it (Mattei and Frellsen's MIWAE rule).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was not trained on a table.</exception>
    internal float[] Impute(ReadOnlySpan<float> rows, int posteriorDraws = 0, bool importanceWeighted = false)
    {
        if (Networks.Decoder is not Modeling.Columns.TabularDecoder table)
            throw new InvalidOperationException("Only a model trained on a table of columns imputes missing cells.");
        ArgumentOutOfRangeException.ThrowIfNegative(posteriorDraws);
        int count = RowCount(rows, FeatureCount, nameof(rows));
        table.ThrowIfInvalid(rows, FeatureCount, row => $"Row {row}", nameof(rows));
        var result = rows.ToArray();
        var predicted = WithSeededDraws(rows, count, (input, generator) =>
        {
            using var _ = no_grad();
            var halves = Networks.Encoder.forward(table.ToNetworkInput(input)).chunk(2, 1);
            if (posteriorDraws == 0)
                return table.Predict(table.Condition(halves[0])).data<float>().ToArray();
            var codes = GaussianMath.CodesOfDraws(halves[0], halves[1], ImputationNoise(generator, posteriorDraws));   // draw k of row n at k·N + n
            var conditions = table.Condition(codes);
            if (!importanceWeighted)
                return table.PredictAveraged(conditions, posteriorDraws).data<float>().ToArray();
            var parameters = cat([halves[0], halves[1]], 1).repeat(posteriorDraws, 1);
            var weights = Training.Diagnostics.ImportanceLogWeights(table, input.repeat(posteriorDraws, 1), codes, parameters, conditions)
                .view(posteriorDraws, -1).softmax(0).to_type(ScalarType.Float32);
            return table.PredictWeighted(conditions, weights).data<float>().ToArray();
        });
        for (int i = 0; i < result.Length; i++)
        {
            if (float.IsNaN(result[i]))
                result[i] = predicted[i];
        }
        return result;
    }

    /// <summary>
    /// Measures how much the code says about <paramref name="rows"/> (stored one after another): I_q with its cap ln N and its
    /// leave-one-out upper estimate, the rate and KL(q(z) ‖ p(z)), from one draw z ~ q(z|x) per row. Pass rows that did not train
    /// the model. Draws come from a generator seeded with the training seed, so the same rows give the same figures on every call.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two rows, a length that is not a multiple of <see cref="FeatureCount"/>, or a value that breaks the decoder family's rule.</exception>
    public InformationEvaluation EvaluateInformation(ReadOnlySpan<float> rows) => EvaluateInformation(rows, 1);

    /// <summary>
    /// As <see cref="EvaluateInformation(ReadOnlySpan{float})"/>, with each figure averaged over <paramref name="draws"/> draws
    /// z ~ q(z|x) per row. On a few hundred rows one draw leaves I_q a tenth of a nat or more of noise; 16 draws cut it by four.
    /// The draws do not lift the cap ln N, nor the bias that comes with it (see <see cref="InformationEvaluation"/>).
    /// </summary>
    /// <param name="rows">The rows, stored one after another; pass rows that did not train the model.</param>
    /// <param name="draws">Draws per row, from 1 to <see cref="MaximumInformationDraws"/>. The cost grows as draws · N² · latent dimension.</param>
    /// <exception cref="ArgumentException">Fewer than two rows, a length that is not a multiple of <see cref="FeatureCount"/>, or a value that breaks the decoder family's rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="draws"/> is below 1 or above <see cref="MaximumInformationDraws"/>.</exception>
    public InformationEvaluation EvaluateInformation(ReadOnlySpan<float> rows, int draws)
    {
        CheckInformationDraws(draws);
        int count = RowCount(rows, FeatureCount, nameof(rows));
        if (count < 2)
            throw new ArgumentException($"The information estimate needs at least 2 rows; got {count}.", nameof(rows));
        Networks.Decoder.ThrowIfInvalid(rows, FeatureCount, row => $"Row {row}", nameof(rows));
        return WithSeededDraws(rows, count, (input, generator) => Diagnostics.Encoded(Networks, input, generator, draws));
    }

    /// <summary>The most draws per row that <see cref="EvaluateInformation(ReadOnlySpan{float}, int)"/> takes: past a few dozen they change nothing but the cost.</summary>
    public const int MaximumInformationDraws = 1024;

    internal static void CheckInformationDraws(int draws)
    {
        if (draws is < 1 or > MaximumInformationDraws)
            throw new ArgumentOutOfRangeException(nameof(draws), draws, $"The draws per row must lie between 1 and {MaximumInformationDraws}; got {draws}.");
    }

    /// <summary>
    /// Estimates the mean log-likelihood log p(x) of <paramref name="rows"/> (stored one after another), in nats per row, by
    /// importance sampling with the encoder as proposal: logsumexp over <paramref name="samples"/> draws z_k ~ q(z|x) of
    /// log p(x|z_k) + log p(z_k) − log q(z_k|x), minus log K. It is at least the ELBO in expectation and approaches log p(x)
    /// as K grows, so it compares models with different decoders, where the ELBO cannot. Draws come from a generator seeded
    /// with the training seed, so the same rows give the same figure on every call. Costs K decoder passes per row.
    /// </summary>
    /// <param name="rows">The rows; pass rows that did not train the model to judge it.</param>
    /// <param name="samples">K, the draws per row. Must be positive; 100 is a common choice, 1 gives a one-sample ELBO.</param>
    /// <exception cref="ArgumentException">No rows, a length that is not a multiple of <see cref="FeatureCount"/>, or a value that breaks the decoder family's rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is not positive.</exception>
    public double EstimateLogLikelihood(ReadOnlySpan<float> rows, int samples = 100)
    {
        if (samples <= 0)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"The number of importance samples must be positive; got {samples}.");
        int count = RowCount(rows, FeatureCount, nameof(rows));
        if (count < 1)
            throw new ArgumentException("The log-likelihood estimate needs at least one row; got none.", nameof(rows));
        Networks.Decoder.ThrowIfInvalid(rows, FeatureCount, row => $"Row {row}", nameof(rows));
        return WithSeededDraws(rows, count, (input, generator) => Diagnostics.ImportanceSampledLogLikelihood(Networks, input, samples, generator));
    }

    /// <summary>
    /// Per-row anomaly scores of <paramref name="rows"/> (stored one after another): estimates of −log p(x) in nats over each row's
    /// observed cells, higher for more unusual rows. A table's row with missing cells scores from its observed cells only, so its
    /// score is not comparable with a complete row's (fewer cells give smaller scores). The draws of
    /// <see cref="AnomalyScoreEstimator.PosteriorDraws"/> and <see cref="AnomalyScoreEstimator.ImportanceSampled"/> are K standard
    /// normal vectors drawn once from a generator seeded with the training seed and shared by every row, so a row's score is the same
    /// whichever rows are scored with it. Works for every decoder family and for tables.
    /// </summary>
    /// <param name="rows">The rows, [rows × <see cref="FeatureCount"/>]; for a table, NaN is a missing cell.</param>
    /// <param name="estimator">How −log p(x) is estimated; <see cref="AnomalyScoreEstimator.PosteriorMean"/> (the default) needs no draws.</param>
    /// <param name="samples">K, the draws per row of the estimators with draws. Must be positive.</param>
    /// <exception cref="ArgumentException">A length that is not a positive multiple of <see cref="FeatureCount"/>, or a value that breaks the decoder's rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is not positive.</exception>
    public float[] ScoreAnomalies(ReadOnlySpan<float> rows, AnomalyScoreEstimator estimator = AnomalyScoreEstimator.PosteriorMean, int samples = 16)
    {
        if (samples <= 0)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"The number of draws per row must be positive; got {samples}.");
        if (!Enum.IsDefined(estimator))
            throw new ArgumentOutOfRangeException(nameof(estimator), estimator, $"Unknown anomaly score estimator {estimator}; expected one of {string.Join(", ", Enum.GetNames<AnomalyScoreEstimator>())}.");
        int count = RowCount(rows, FeatureCount, nameof(rows));
        Networks.Decoder.ThrowIfInvalid(rows, FeatureCount, row => $"Row {row}", nameof(rows));
        return WithSeededDraws(rows, count, (input, generator) =>
        {
            using var noise = randn([samples, LatentDimension], generator: generator);
            using var scores = AnomalyScoring.Scores(Networks, input, estimator, noise);
            return scores.to_type(ScalarType.Float32).data<float>().ToArray();
        });
    }

    /// <summary>
    /// Runs a diagnostic on <paramref name="count"/> checked rows under the model's lock, with a generator seeded by the training
    /// seed, so that the same rows give the same figures on every call.
    /// </summary>
    private T WithSeededDraws<T>(ReadOnlySpan<float> rows, int count, Func<Tensor, Generator, T> diagnostic)
    {
        var input = rows.ToArray();
        return WithSeededGenerator(generator => diagnostic(tensor(input, [count, FeatureCount]), generator));
    }

    /// <summary>Runs <paramref name="draw"/> under the model's lock, in a dispose scope, with a generator seeded by the training seed.</summary>
    private T WithSeededGenerator<T>(Func<Generator, T> draw)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var scope = NewDisposeScope();
            using var generator = new Generator((ulong)Report.Seed);
            return draw(generator);
        }
    }

    /// <summary>The decoder's distribution parameters p(x|z) for latent codes stored one after another ([rows × d]).</summary>
    /// <exception cref="NotSupportedException">The decoder is autoregressive: its distribution depends on x as well as on z, so it has no parameters per code.</exception>
    public DecoderOutput Decode(ReadOnlySpan<float> latent)
    {
        int count = RowCount(latent, LatentDimension, nameof(latent));
        for (int i = 0; i < latent.Length; i++)
        {
            if (!float.IsFinite(latent[i]))
                throw new ArgumentException($"Latent row {i / LatentDimension}, dimension {i % LatentDimension}: the value {latent[i]} must be finite.", nameof(latent));
        }
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            return Networks.Decoder.Parameters(tensor(latent.ToArray(), [count, LatentDimension]));
        }
    }

    /// <summary>
    /// Writes the encoder as an ONNX model (IR 8, opset 13) that ONNX Runtime runs without Mae or TorchSharp: input
    /// <c>features</c> float [batch, <see cref="FeatureCount"/>], output <c>mean</c> float [batch, d] and, when asked,
    /// <c>log_variance</c>. A categorical model's one-hot encoding is inside the graph. The training report's figures are in the model's metadata.
    /// A model trained on a table (the multi-column ML.NET verb) instead has one input per column, named after it, in the column's
    /// element type (float or double with NaN for missing, uint32 key with 0 for missing, bool), and besides the code, for each column
    /// that can be missing, <c>{column}.imputed</c>: the column with its missing cells predicted (see <c>ImputeMissingValues</c>), and
    /// <c>anomaly_score</c>, float [batch, 1]: <see cref="ScoreAnomalies"/> with <see cref="AnomalyScoreEstimator.PosteriorMean"/>.
    /// </summary>
    /// <param name="path">The file to write; an existing file is replaced, and a failed write leaves none behind.</param>
    /// <param name="includeLogVariance">Also output the posterior log-variance.</param>
    public void ExportEncoderToOnnx(string path, bool includeLogVariance = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (IsTable)
        {
            OnnxExporter.WriteTable(DescribeTable(), path, PublicTableOptions(includeLogVariance));
            return;
        }
        OnnxExporter.WriteEncoder(DescribeEncoder(), path, OnnxConversion.ExportOptions(Report, includeLogVariance));
    }

    /// <summary>Writes the encoder as an ONNX model to a stream; see <see cref="ExportEncoderToOnnx(string, bool)"/>.</summary>
    public void ExportEncoderToOnnx(Stream stream, bool includeLogVariance = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (IsTable)
        {
            OnnxExporter.WriteTable(DescribeTable(), stream, PublicTableOptions(includeLogVariance));
            return;
        }
        OnnxExporter.WriteEncoder(DescribeEncoder(), stream, OnnxConversion.ExportOptions(Report, includeLogVariance));
    }

    /// <summary>
    /// Writes the decoder as an ONNX model: input <c>latent</c> float [batch, d]; outputs <c>mean</c> and <c>log_variance</c>
    /// (Gaussian) or <c>logits</c> and <c>probabilities</c> (categorical, Bernoulli), so that apps can generate or reconstruct.
    /// </summary>
    /// <param name="path">The file to write; an existing file is replaced, and a failed write leaves none behind.</param>
    /// <exception cref="NotSupportedException">The decoder is autoregressive, which has no ONNX decoder export (the message says why); the encoder exports for every family.</exception>
    public void ExportDecoderToOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        OnnxExporter.WriteDecoder(DescribeDecoder(), path, OnnxConversion.ExportOptions(Report, includeLogVariance: false));
    }

    /// <summary>Writes the decoder as an ONNX model to a stream; see <see cref="ExportDecoderToOnnx(string)"/>.</summary>
    public void ExportDecoderToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        OnnxExporter.WriteDecoder(DescribeDecoder(), stream, OnnxConversion.ExportOptions(Report, includeLogVariance: false));
    }

    /// <summary>
    /// Writes the encoder with the tensor names an ML.NET host binds to columns, in the given layout and with the given
    /// slot names (or none); a categorical model with <paramref name="keyInput"/> reads ML.NET key values (uint32)
    /// instead of float class indices.
    /// </summary>
    internal void WriteEncoder(Stream stream, string inputName, string meanName, string? logVarianceName, bool keyInput,
        OnnxTensorLayout layout, IReadOnlyList<string>? slotNames)
    {
        var exportOptions = OnnxConversion.ExportOptions(Report, includeLogVariance: logVarianceName is not null);
        exportOptions.EncoderInputName = inputName;
        exportOptions.EncoderMeanName = meanName;
        if (logVarianceName is not null)
            exportOptions.EncoderLogVarianceName = logVarianceName;
        exportOptions.TensorLayout = layout;
        exportOptions.EncoderSlotNames = slotNames;
        OnnxExporter.WriteEncoder(DescribeEncoder(keyInput), stream, exportOptions);
    }

    /// <summary>Whether the model was trained on a table of columns (one input per column, missing cells modelled).</summary>
    internal bool IsTable => options.Table is not null;

    /// <summary>The suffix of a table model's imputed outputs in the public ONNX export.</summary>
    internal const string ImputedSuffix = ".imputed";

    /// <summary>
    /// Writes a table model's graph: one input per column, named after it, the code outputs, and (when <paramref name="imputedSuffix"/>
    /// is set) each column that can be missing with its missing cells predicted, as <c>{column}{suffix}</c>; and with
    /// <paramref name="score"/>, the anomaly score (<see cref="AnomalyScoreEstimator.PosteriorMean"/>) and, when it names a label,
    /// whether the score exceeds its threshold.
    /// </summary>
    internal void WriteTable(Stream stream, string meanName, string? logVarianceName, OnnxTensorLayout layout, IReadOnlyList<string>? slotNames, string? imputedSuffix,
        AnomalyOutputs? score = null, int imputationDraws = 0)
    {
        var exportOptions = OnnxConversion.ExportOptions(Report, includeLogVariance: logVarianceName is not null);
        exportOptions.EncoderMeanName = meanName;
        if (logVarianceName is not null)
            exportOptions.EncoderLogVarianceName = logVarianceName;
        exportOptions.TensorLayout = layout;
        exportOptions.EncoderSlotNames = slotNames;
        exportOptions.ImputedColumnSuffix = imputedSuffix;
        if (imputationDraws > 0)
            exportOptions.ImputationNoise = ImputationNoise(imputationDraws);
        if (score is AnomalyOutputs outputs)
        {
            exportOptions.AnomalyScoreName = outputs.ScoreName;
            exportOptions.PredictedLabelName = outputs.PredictedLabelName;
            exportOptions.AnomalyThreshold = outputs.Threshold;
        }
        OnnxExporter.WriteTable(DescribeTable(), stream, exportOptions);
    }

    /// <summary>
    /// The K standard normal draws [K, d] of <see cref="Impute"/>'s rules over K codes: the first draw of a generator seeded with the
    /// training seed, so that the ONNX graph and the model impute with the same codes.
    /// </summary>
    internal float[] ImputationNoise(int draws)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(draws);
        return WithSeededGenerator(generator => ImputationNoise(generator, draws).data<float>().ToArray());
    }

    /// <summary>The K draws ε [K, d] of the imputation rules over K codes: the first draw of the seeded <paramref name="generator"/>.</summary>
    private Tensor ImputationNoise(Generator generator, int draws) => randn([draws, LatentDimension], generator: generator);

    /// <summary>The names of a table graph's anomaly outputs, and the threshold of its predicted label (when it has one).</summary>
    internal readonly record struct AnomalyOutputs(string ScoreName, string? PredictedLabelName, float Threshold);

    /// <summary>The options of a table model's public export: the training figures, imputed outputs named <c>{column}.imputed</c>, and the anomaly score.</summary>
    private OnnxExportOptions PublicTableOptions(bool includeLogVariance)
    {
        var exportOptions = OnnxConversion.ExportOptions(Report, includeLogVariance);
        exportOptions.ImputedColumnSuffix = ImputedSuffix;
        exportOptions.AnomalyScoreName = OnnxTensorNames.AnomalyScore;
        return exportOptions;
    }

    private TableDescription DescribeTable()
    {
        var table = options.Table ?? throw new InvalidOperationException("Only a model trained on a table of columns has a table export.");
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return OnnxConversion.Table(Networks, options.Activation, table.Columns.Select(c => c.InputType).ToArray());
        }
    }

    private EncoderDescription DescribeEncoder(bool keyInput = false)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return OnnxConversion.Encoder(Networks, options.Activation, keyInput);
        }
    }

    private DecoderDescription DescribeDecoder()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return OnnxConversion.Decoder(Networks);
        }
    }

    /// <summary>Releases the networks' native memory.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            Networks.Dispose();
        }
    }

    private static int RowCount(ReadOnlySpan<float> values, int width, string name)
    {
        if (values.Length == 0 || values.Length % width != 0)
            throw new ArgumentException($"Expected a positive whole number of rows of {width} values; got {values.Length} values.", name);
        return values.Length / width;
    }

    private static void CheckDestination(Span<float> destination, int required, string name)
    {
        if (destination.Length < required)
            throw new ArgumentException($"The destination holds {destination.Length} values; {required} are needed.", name);
    }
}
