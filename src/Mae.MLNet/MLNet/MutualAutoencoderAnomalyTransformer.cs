using System.Globalization;
using Mae.Export;
using Mae.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae;

/// <summary>
/// The fitted Mutual Autoencoder anomaly detector: adds <c>Score</c> (Single; an estimate of −log p(x) in nats over the row's observed
/// cells, higher is more unusual) and <c>PredictedLabel</c> (Boolean; the score above <see cref="Threshold"/>), ML.NET's anomaly
/// columns, which <c>mlContext.AnomalyDetection.Evaluate</c> reads.
/// </summary>
/// <remarks>
/// <para>
/// Scoring runs the table model's ONNX graph (encoder, decoder at the posterior mean, each column's log-likelihood of its observed cells,
/// the KL term and the threshold) in ML.NET's ONNX transformer, one row per run.
/// </para>
/// <para>
/// Saving writes only ML.NET's own ONNX transformer and a column drop, so the saved pipeline loads and scores in an app without Mae.
/// <b>After such a reload <c>Score</c> is a <c>Vector&lt;Single, 1&gt;</c> and <c>PredictedLabel</c> a <c>Vector&lt;Boolean, 1&gt;</c></b>
/// holding the same values: ML.NET 5.0.1's ONNX transformer types every output as a vector (it cannot read a rank-0 output: its scalar
/// getter calls <c>NamedOnnxValue.AsEnumerable</c> on a tensor), and no public ML.NET transform turns a one-slot vector into a scalar.
/// This step converts them in memory. Read the reloaded columns as <c>[VectorType(1)] float[]</c> and <c>bool[]</c>; ML.NET's anomaly
/// evaluator needs the Single, so evaluate with the step in memory.
/// </para>
/// <para>Holds native memory (the libtorch networks and an ONNX Runtime session): dispose it when done.</para>
/// </remarks>
public sealed class MutualAutoencoderAnomalyTransformer : ITransformer, IDisposable
{
    private readonly MutualAutoencoderModel model;
    private readonly TableInput table;
    private readonly IDataView schemaSource;
    private readonly BatchedScorer scoring;  // the graph's score, one row at a time and in batches; the label is compared here, with the threshold of the view's creation
    private readonly Lock gate = new();
    private volatile float threshold;
    private bool disposed;

    internal MutualAutoencoderAnomalyTransformer(MutualAutoencoderModel model, TableInput table, string scoreColumnName, string predictedLabelColumnName,
        float threshold, DataViewSchema trainingSchema)
    {
        this.model = model;
        this.table = table;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        schemaSource = EmptyView(trainingSchema);
        scoring = new BatchedScorer(Graph(OnnxTensorLayout.Batch, threshold: null), table.ColumnNames, GraphOutputs(threshold: null), BuildChain(threshold: null));
        this.threshold = threshold;
    }

    /// <summary>The names of the columns the model reads.</summary>
    public IReadOnlyList<string> FeatureColumnNames => table.ColumnNames;

    /// <summary>The name of the score column, <c>Score</c>.</summary>
    public string ScoreColumnName { get; }

    /// <summary>The name of the predicted-label column, <c>PredictedLabel</c>.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>The training diagnostics, per epoch and final.</summary>
    public MutualAutoencoderTrainingReport Report => model.Report;

    /// <summary>The trained model (for tests and for <see cref="MutualAutoencoderModel.ScoreAnomalies"/> with other estimators).</summary>
    internal MutualAutoencoderModel Model => model;

    /// <summary>
    /// Gets or sets the score above which <c>PredictedLabel</c> is true. Training sets it from <see cref="MutualAutoencoderAnomalyEstimator.Options.Contamination"/>.
    /// A view returned by <see cref="Transform"/> or a mapper returned by <see cref="GetRowToRowMapper"/> keeps the threshold it was
    /// created with, for every cursor it opens; Save writes the current one. Must be finite.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite.</exception>
    public float Threshold
    {
        get => threshold;
        set
        {
            if (!float.IsFinite(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, string.Create(CultureInfo.InvariantCulture, $"The threshold must be finite; got {value}."));
            threshold = value;
        }
    }

    /// <summary>Always <c>true</c>: each row is scored on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema with <c>Score</c> (Single) and <c>PredictedLabel</c> (Boolean) added.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature column is missing or does not have the type the model was trained on.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        table.CheckScoring(inputSchema);
        return Scalars(Chain.GetOutputSchema(inputSchema)).Schema;
    }

    /// <summary>
    /// Adds <c>Score</c> and <c>PredictedLabel</c> to <paramref name="input"/>. Lazy: rows are scored, in batches, as a cursor reads them. A
    /// cursor reads the input twice, in step (once ahead, for the batches), so <paramref name="input"/> must give the same rows each time it
    /// is read, as loaders, in-memory and cached views do; a cursor throws <see cref="InvalidOperationException"/> when the two reads give a
    /// row another id or other feature values (cache such an input with <c>mlContext.Data.Cache</c>). In memory the score comes from the
    /// graph run in batches, after saving from one run per row: the two agree to float rounding, so a row whose score lies within that of
    /// the threshold may get another label. Do not use the view after disposing the transformer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature column is missing or does not have the type the model was trained on.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        table.CheckScoring(input.Schema);
        ObjectDisposedException.ThrowIf(disposed, this);
        var scored = scoring.Transform(input);
        return Scalars(scored.Schema).Wrap(scored);
    }

    /// <summary>A mapper that scores one row at a time (what <c>PredictionEngine</c> uses).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        table.CheckScoring(inputSchema);
        var mapper = Chain.GetRowToRowMapper(inputSchema);
        return Scalars(mapper.OutputSchema).Wrap(mapper);
    }

    /// <summary>Saves the step as ML.NET's ONNX transformer (the graph compares the score with the current threshold) and a column drop, loadable without Mae.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var saved = BuildChain(threshold);
        try
        {
            ((ICanSaveModel)saved).Save(ctx);
        }
        finally
        {
            (saved as IDisposable)?.Dispose();
        }
    }

    /// <summary>Releases the networks and the ONNX Runtime session.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            scoring.Dispose();
            model.Dispose();
        }
    }

    private ITransformer Chain
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return scoring.Chain;
        }
    }

    /// <summary>The score as a Single and the label from the current threshold, over the scoring chain's output.</summary>
    private ScalarColumns Scalars(DataViewSchema scored) =>
        new(scored, ScoreColumnName, (PredictedLabelColumnName, threshold));

    /// <summary>
    /// ML.NET's ONNX transformer over the table graph with the score and, for Save, the predicted label at <paramref name="threshold"/>;
    /// then a drop of the code.
    /// </summary>
    private ITransformer BuildChain(float? threshold)
    {
        var catalog = new MLContext(0).Transforms;
        return catalog.ApplyOnnxModel(GraphOutputs(threshold), [.. table.ColumnNames], new MemoryStream(Graph(OnnxTensorLayout.SingleRow, threshold)))
            .Append(catalog.DropColumns(MutualAutoencoderAnomalyEstimator.CodeColumnName))
            .Fit(schemaSource);
    }

    /// <summary>The graph's outputs, in order: the code, the score and, given a threshold, the predicted label.</summary>
    private string[] GraphOutputs(float? threshold) => threshold is null
        ? [MutualAutoencoderAnomalyEstimator.CodeColumnName, ScoreColumnName]
        : [MutualAutoencoderAnomalyEstimator.CodeColumnName, ScoreColumnName, PredictedLabelColumnName];

    /// <summary>The table graph with the code, the score and, given a threshold, the predicted label, in <paramref name="layout"/>.</summary>
    private byte[] Graph(OnnxTensorLayout layout, float? threshold)
    {
        using var stream = new MemoryStream();
        model.WriteTable(stream, MutualAutoencoderAnomalyEstimator.CodeColumnName, null, layout, slotNames: null, imputedSuffix: null,
            new MutualAutoencoderModel.AnomalyOutputs(ScoreColumnName, threshold is null ? null : PredictedLabelColumnName, threshold ?? 0));
        return stream.ToArray();
    }

    /// <summary>A view with no rows and the given schema, which fitting ML.NET's schema-only steps needs.</summary>
    private static IDataView EmptyView(DataViewSchema schema) => new NoRows(schema);

    private sealed class NoRows(DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => false;

        public DataViewSchema Schema => schema;

        public long? GetRowCount() => 0;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new NoRowCursor(schema);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new NoRowCursor(schema)];
    }

    private sealed class NoRowCursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override ValueGetter<DataViewRowId> GetIdGetter() => throw new InvalidOperationException("A view with no rows has no row ids.");

        public override bool IsColumnActive(DataViewSchema.Column column) => false;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => throw new InvalidOperationException("A view with no rows has no values.");
    }
}
