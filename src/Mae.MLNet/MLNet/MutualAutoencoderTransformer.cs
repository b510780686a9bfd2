using Mae.Export;
using Mae.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Mae;

/// <summary>
/// The fitted Mutual Autoencoder step of an ML.NET pipeline: adds the posterior mean E_q[z|x] of the input column as a
/// <c>Vector&lt;Single, d&gt;</c> column with slot names z0 … z(d−1) and, when asked for at training time, the posterior
/// log-variance, typed and named the same way.
/// </summary>
/// <remarks>
/// <para>
/// Scoring runs the exported ONNX graph (the encoder, and for a table the imputation and the score) in ONNX Runtime:
/// <see cref="Transform"/> runs rows in batches, and <see cref="GetRowToRowMapper"/> (used by <c>PredictionEngine</c>) and the
/// saved pipeline one row at a time; the two agree to float rounding (other kernels; within 1e-5 in the tests). Outputs are deterministic.
/// </para>
/// <para>
/// Saving (<c>mlContext.Model.Save</c>) writes ML.NET's own ONNX transformer with the encoder embedded in the zip, so
/// the saved pipeline loads and runs in an app that references Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// Microsoft.ML.OnnxRuntime but not Mae. The loaded step is ML.NET's <c>OnnxTransformer</c>; the training report and the
/// decoder stay with this object (export them with <see cref="ExportDecoderToOnnx(string)"/>).
/// </para>
/// <para>
/// Scoring is thread-safe: cursors and prediction engines on several threads may share one transformer. A
/// <c>PredictionEngine</c> disposes its transformer when it is disposed unless it was created with
/// <c>PredictionEngineOptions.OwnsTransformer = false</c>; use that when engines come and go (the PredictionEnginePool pattern).
/// </para>
/// <para>Holds native memory (the libtorch networks and an ONNX Runtime session): dispose it when done.</para>
/// </remarks>
public sealed class MutualAutoencoderTransformer : ITransformer, IDisposable
{
    private readonly MutualAutoencoderModel model;
    private readonly InputColumn? input;        // the single-column step
    private readonly TableInput? table;         // the multi-column step
    private readonly IRowSource rows;
    private readonly BatchedScorer scorer;      // the one-row chain (Save, row-to-row mapping) and Transform's batches
    private bool disposed;

    /// <summary>The suffix of the imputed columns between the ONNX step and their copies under the columns' own names.</summary>
    private const string ImputedSuffix = ".mae_imputed";

    internal MutualAutoencoderTransformer(TransformsCatalog catalog, MutualAutoencoderModel model, InputColumn input,
        string outputColumnName, string? logVarianceColumnName, IDataView trainingData)
    {
        this.model = model;
        this.input = input;
        rows = input;
        OutputColumnName = outputColumnName;
        LogVarianceColumnName = logVarianceColumnName;

        byte[] Encoder(OnnxTensorLayout layout, IReadOnlyList<string>? slotNames)
        {
            using var stream = new MemoryStream();
            model.WriteEncoder(stream, input.Name, outputColumnName, logVarianceColumnName, input.Kind == InputColumnKind.Key, layout, slotNames);
            return stream.ToArray();
        }

        string[] outputs = logVarianceColumnName is null ? [outputColumnName] : [outputColumnName, logVarianceColumnName];
        // ML.NET's ONNX transformer scores one row at a time and is what Save writes. One row per run types the code
        // columns Vector<Single, d> (a batched output would be Vector<Single, 1, d>), and the slot names in the graph
        // reach the columns, also after loading without Mae. Transform runs the batch-layout twin.
        var rowEncoder = Encoder(OnnxTensorLayout.SingleRow, CodeColumns.SlotNames(model.LatentDimension));
        scorer = new BatchedScorer(Encoder(OnnxTensorLayout.Batch, slotNames: null), [input.Name], outputs,
            catalog.ApplyOnnxModel(outputs, [input.Name], new MemoryStream(rowEncoder)).Fit(trainingData));
    }

    /// <summary>
    /// The multi-column step: ML.NET's ONNX transformer runs the table graph (one input per column, missing cells masked inside
    /// it) and, with <paramref name="impute"/>, ML.NET's own transforms put each imputed column under its column's name: a key
    /// column goes back to its key type through MapValueToKey over the values 1..K, the others are copied; the temporary
    /// columns are dropped. The chain is what Save writes and what <see cref="GetRowToRowMapper"/> runs; <see cref="Transform"/> runs
    /// the graph's batch-layout twin in its place, followed by the rest of the chain.
    /// </summary>
    internal MutualAutoencoderTransformer(TransformsCatalog catalog, MutualAutoencoderModel model, TableInput table,
        string outputColumnName, string? logVarianceColumnName, bool impute, string? scoreColumnName, IDataView trainingData, int imputationDraws = 0)
    {
        this.model = model;
        this.table = table;
        rows = table;
        OutputColumnName = outputColumnName;
        LogVarianceColumnName = logVarianceColumnName;
        ImputesMissingValues = impute;
        ScoreColumnName = scoreColumnName;

        byte[] Graph(OnnxTensorLayout layout, IReadOnlyList<string>? slotNames)
        {
            using var stream = new MemoryStream();
            model.WriteTable(stream, outputColumnName, logVarianceColumnName, layout, slotNames, impute ? ImputedSuffix : null,
                scoreColumnName is null ? null : new MutualAutoencoderModel.AnomalyOutputs(scoreColumnName, null, 0), impute ? imputationDraws : 0);
            return stream.ToArray();
        }
        var imputed = impute ? table.Columns.Where(c => c.CanBeMissing).ToArray() : [];
        string[] outputs = [outputColumnName, .. logVarianceColumnName is null ? Array.Empty<string>() : [logVarianceColumnName],
            .. imputed.Select(c => c.Name + ImputedSuffix), .. scoreColumnName is null ? Array.Empty<string>() : [scoreColumnName]];
        IEstimator<ITransformer> chain = catalog.ApplyOnnxModel(outputs, [.. table.ColumnNames], new MemoryStream(Graph(OnnxTensorLayout.SingleRow, CodeColumns.SlotNames(model.LatentDimension))));
        if (imputed.Length > 0)
        {
            var keyData = new MLContext(seed: 0);
            foreach (var column in imputed)
            {
                chain = column.Storage == ColumnStorage.Key
                    ? chain.Append(catalog.Conversion.MapValueToKey(column.Name, column.Name + ImputedSuffix,
                        keyData: keyData.Data.LoadFromEnumerable(Enumerable.Range(1, column.KeyCount).Select(k => new KeyValueRow { Key = (uint)k }))))
                    : chain.Append(catalog.CopyColumns(column.Name, column.Name + ImputedSuffix));
            }
            chain = chain.Append(catalog.DropColumns([.. imputed.Select(c => c.Name + ImputedSuffix)]));
        }
        scorer = new BatchedScorer(Graph(OnnxTensorLayout.Batch, slotNames: null), table.ColumnNames, outputs, chain.Fit(trainingData));
    }

    private sealed class KeyValueRow
    {
        public uint Key { get; set; }
    }

    /// <summary>The trained networks (for tests that compare scoring with the libtorch forward pass).</summary>
    internal MutualAutoencoderModel Model => model;

    /// <summary>Whether the step replaces its input columns' missing cells by the model's predictions (the multi-column step's <c>ImputeMissingValues</c>).</summary>
    public bool ImputesMissingValues { get; }

    /// <summary>The name of the input column; for the multi-column step, the first of <see cref="InputColumnNames"/>.</summary>
    public string InputColumnName => rows.ColumnNames[0];

    /// <summary>The names of the input columns: one for the single-column step, every column of the table for the multi-column step.</summary>
    public IReadOnlyList<string> InputColumnNames => rows.ColumnNames;

    /// <summary>The name of the output column that holds the posterior mean.</summary>
    public string OutputColumnName { get; }

    /// <summary>The name of the multi-column step's anomaly score column (a <c>Vector&lt;Single, 1&gt;</c>), or <c>null</c> when there is none.</summary>
    public string? ScoreColumnName { get; }

    /// <summary>The name of the output column that holds the posterior log-variance, or <c>null</c> when there is none.</summary>
    public string? LogVarianceColumnName { get; }

    /// <summary>Dimension d of the latent code: the size of the output vectors.</summary>
    public int LatentDimension => model.LatentDimension;

    /// <summary>The training diagnostics, per epoch and final: ELBO, rate, information bound Î_p against the target, and more.</summary>
    public MutualAutoencoderTrainingReport Report => model.Report;

    /// <summary>Always <c>true</c>: the transformer maps each row on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The schema of <see cref="Transform"/>'s output: the input columns, then the code columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or does not have the type the model was trained on.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckScoring(inputSchema);
        return Scorer.GetOutputSchema(inputSchema);
    }

    /// <summary>
    /// Adds the code columns to <paramref name="input"/>. Lazy: rows are encoded, in batches, as a cursor reads them. A cursor
    /// reads the input twice, in step (once ahead, for the batches), so <paramref name="input"/> must give the same rows
    /// each time it is read, as loaders, in-memory and cached views do; upstream transforms of the input column run twice.
    /// A cursor that reads the codes compares the row ids of the two reads and throws <see cref="InvalidOperationException"/>
    /// when they differ (cache such an input with <c>mlContext.Data.Cache</c>). The view shuffles when the input can. Do not
    /// use the view after disposing the transformer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or does not have the type the model was trained on.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckScoring(input.Schema);
        ObjectDisposedException.ThrowIf(disposed, this);
        return scorer.Transform(input);
    }

    /// <summary>A mapper that encodes one row at a time (what <c>PredictionEngine</c> uses).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or does not have the type the model was trained on.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckScoring(inputSchema);
        return Scorer.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Saves the step as ML.NET's ONNX transformer with the encoder embedded, loadable without Mae.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)Scorer).Save(ctx);

    /// <summary>
    /// Measures how much the code says about the rows of <paramref name="data"/>: I_q with its cap ln N and its leave-one-out upper
    /// estimate, the rate and KL(q(z) ‖ p(z)), from the first <paramref name="maximumRows"/> rows (all of them when fewer), one draw
    /// z ~ q(z|x) a row. Pass rows that did not train the step, such as a test set, to see what the output column holds;
    /// <see cref="Report"/> gives the same figures on the rows training held out.
    /// </summary>
    /// <exception cref="ArgumentException">The input column is missing or of another type, a value breaks the decoder family's rule, or there are fewer than two rows.</exception>
    public InformationEvaluation EvaluateInformation(IDataView data, int maximumRows = 16_384) => EvaluateInformation(data, maximumRows, 1);

    /// <summary>
    /// As <see cref="EvaluateInformation(IDataView, int)"/>, with each figure averaged over <paramref name="draws"/> draws from the
    /// encoder per row (see <see cref="MutualAutoencoderModel.EvaluateInformation(ReadOnlySpan{float}, int)"/>): steadier figures on
    /// a test set of a few hundred rows. The cost grows as draws · N² · latent dimension.
    /// </summary>
    /// <exception cref="ArgumentException">The input column is missing or of another type, a value breaks the decoder family's rule, or there are fewer than two rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumRows"/> is below 2, or <paramref name="draws"/> below 1 or above <see cref="MutualAutoencoderModel.MaximumInformationDraws"/>.</exception>
    public InformationEvaluation EvaluateInformation(IDataView data, int maximumRows, int draws)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumRows, 2);
        MutualAutoencoderModel.CheckInformationDraws(draws);
        ObjectDisposedException.ThrowIf(disposed, this);
        CheckScoring(data.Schema);
        var source = new DataViewTrainingData(data, rows, bufferRows: 1, CancellationToken.None);
        int count = (int)Math.Min(maximumRows, source.RowCount);
        var (values, _) = source.ReadRows(count, _ => true);
        return model.EvaluateInformation(values, draws);
    }

    /// <summary>
    /// Estimates the mean log-likelihood log p(x), in nats per row, of the first <paramref name="maximumRows"/> rows of
    /// <paramref name="data"/> (all of them when fewer) by importance sampling with <paramref name="samples"/> draws from the encoder;
    /// see <see cref="MutualAutoencoderModel.EstimateLogLikelihood(ReadOnlySpan{float}, int)"/>. Unlike the ELBO it compares steps with
    /// different decoders. Pass rows that did not train the step, such as a test set. The same rows give the same figure on every call.
    /// </summary>
    /// <exception cref="ArgumentException">The input column is missing or of another type, a value breaks the decoder family's rule, or there are no rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> or <paramref name="maximumRows"/> is not positive.</exception>
    public double EstimateLogLikelihood(IDataView data, int samples = 100, int maximumRows = 16_384)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumRows);
        ObjectDisposedException.ThrowIf(disposed, this);
        CheckScoring(data.Schema);
        var source = new DataViewTrainingData(data, rows, bufferRows: 1, CancellationToken.None);
        int count = (int)Math.Min(maximumRows, source.RowCount);
        var (values, _) = source.ReadRows(count, _ => true);
        return model.EstimateLogLikelihood(values, samples);
    }

    /// <summary>
    /// Writes the encoder as an ONNX model with the generic tensor names of <see cref="MutualAutoencoderModel.ExportEncoderToOnnx(string, bool)"/>
    /// (input <c>features</c>, output <c>mean</c>), for apps that run ONNX Runtime without ML.NET.
    /// </summary>
    public void ExportEncoderToOnnx(string path, bool includeLogVariance = false) => model.ExportEncoderToOnnx(path, includeLogVariance);

    /// <summary>Writes the encoder as an ONNX model to a stream; see <see cref="ExportEncoderToOnnx(string, bool)"/>.</summary>
    public void ExportEncoderToOnnx(Stream stream, bool includeLogVariance = false) => model.ExportEncoderToOnnx(stream, includeLogVariance);

    /// <summary>Writes the decoder p(x|z) as an ONNX model; see <see cref="MutualAutoencoderModel.ExportDecoderToOnnx(string)"/>.</summary>
    public void ExportDecoderToOnnx(string path) => model.ExportDecoderToOnnx(path);

    /// <summary>Writes the decoder p(x|z) as an ONNX model to a stream.</summary>
    public void ExportDecoderToOnnx(Stream stream) => model.ExportDecoderToOnnx(stream);

    /// <summary>Releases the networks and the ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        scorer.Dispose();
        model.Dispose();
    }

    private void CheckScoring(DataViewSchema schema)
    {
        if (table is not null)
            table.CheckScoring(schema);
        else
            input!.CheckScoring(schema);
    }

    private ITransformer Scorer
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return scorer.Chain;
        }
    }
}
