using System.Globalization;
using Mae.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae;

/// <summary>
/// Trains a Mutual Autoencoder on one column of an <see cref="IDataView"/> and produces a
/// <see cref="MutualAutoencoderTransformer"/> that adds the latent code as a feature column.
/// Create it with <c>mlContext.Transforms.MutualAutoencode(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Input: a known-size vector of Single, a Single, or (for <see cref="DecoderFamily.Categorical"/>) a Key&lt;UInt32&gt;
/// or a Single class index. Output: the posterior mean E_q[z|x], a <c>Vector&lt;Single, d&gt;</c> of
/// d = <see cref="MutualAutoencoderOptions.LatentDimension"/> values with slot names z0 … z(d−1); optionally the posterior
/// log-variance, of the same type and slot names, in <see cref="Options.LogVarianceColumnName"/>.
/// </para>
/// <para>
/// <see cref="Fit"/> streams the rows through a cursor, once to count them (when the view does not know its row count)
/// and once per epoch, shuffling with a buffer of <see cref="Options.ShuffleBufferSize"/> rows; memory does not grow with
/// the number of rows. Every value is checked: NaN, infinity, a missing key, or a value outside the decoder family's
/// range stops training with an <see cref="ArgumentException"/> naming the column and the row.
/// </para>
/// <para>
/// Training uses libtorch on the CPU; its threads and random state are process-wide, so fit one model at a time.
/// <see cref="Options.CancellationToken"/> stops training before the next step with <see cref="OperationCanceledException"/>.
/// (<c>MLContext.CancelExecution</c> is internal to ML.NET 5, and the flag it sets cannot be read by other components.)
/// </para>
/// </remarks>
public sealed class MutualAutoencoderEstimator : IEstimator<MutualAutoencoderTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly Options options;

    internal MutualAutoencoderEstimator(TransformsCatalog catalog, string outputColumnName, string? inputColumnName, Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentNullException.ThrowIfNull(options);
        inputColumnName ??= outputColumnName;
        if (inputColumnName == outputColumnName)
        {
            throw new ArgumentException(
                $"The output column name must differ from the input column name ('{inputColumnName}'): the ONNX encoder that scores and persists the step names its input and outputs after the columns.",
                nameof(outputColumnName));
        }
        if (options.LogVarianceColumnName is string logVariance && (logVariance == inputColumnName || logVariance == outputColumnName))
        {
            throw new ArgumentException(
                $"{nameof(Options)}.{nameof(Options.LogVarianceColumnName)} ('{logVariance}') must differ from the input and output column names.", nameof(options));
        }
        if (options.ScoreColumnName is string score)
        {
            throw new ArgumentException(
                $"{nameof(Options)}.{nameof(Options.ScoreColumnName)} is '{score}', but the single-column step has no anomaly score in its ONNX export; use the multi-column step, which takes one column too: MutualAutoencode(\"{outputColumnName}\", new[] {{ \"{inputColumnName}\" }}, options).",
                nameof(options));
        }
        if (options.EncoderCellDropout > 0)
            throw MutualAutoencoderTrainer.SingleColumnCellDropout(options.EncoderCellDropout, $"use the multi-column step, which takes one column too: MutualAutoencode(\"{outputColumnName}\", new[] {{ \"{inputColumnName}\" }}, options)");
        options.Validate(classCountFromData: true);
        this.catalog = catalog;
        this.options = (Options)options.Clone();
        OutputColumnName = outputColumnName;
        inputColumnNames = [inputColumnName];
    }

    /// <summary>The multi-column step: a table of <paramref name="inputColumnNames"/>, one likelihood per column, missing cells modelled.</summary>
    internal MutualAutoencoderEstimator(TransformsCatalog catalog, string outputColumnName, IReadOnlyList<string> inputColumnNames, Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentNullException.ThrowIfNull(inputColumnNames);
        ArgumentNullException.ThrowIfNull(options);
        var names = inputColumnNames.ToArray();
        TableInput.CheckNames(names, (IReadOnlyDictionary<string, ColumnKind>)options.ColumnKinds, outputColumnName);
        // Each extra output column needs its own name: not an input's, the code's, or an earlier extra column's.
        var taken = new List<string>(names) { outputColumnName };
        foreach (var (option, name) in new[] { (nameof(Options.LogVarianceColumnName), options.LogVarianceColumnName), (nameof(Options.ScoreColumnName), options.ScoreColumnName) })
        {
            if (name is null)
                continue;
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"{nameof(Options)}.{option} is '{name}'; give a column name, or null for no such column.", nameof(options));
            if (taken.Contains(name))
            {
                throw new ArgumentException(
                    $"{nameof(Options)}.{option} ('{name}') must differ from the input and output column names.", nameof(options));
            }
            taken.Add(name);
        }
        if (options.Decoder != MutualAutoencoderOptions.Defaults.Decoder)
        {
            throw new ArgumentException(
                $"{nameof(Options)}.{nameof(Options.Decoder)} is {options.Decoder}, but the multi-column step gives each column the likelihood of its kind (its type, or {nameof(Options)}.{nameof(Options.ColumnKinds)}); leave {nameof(Options.Decoder)} at its default.", nameof(options));
        }
        options.Validate(classCountFromData: true);
        this.catalog = catalog;
        this.options = (Options)options.Clone();
        OutputColumnName = outputColumnName;
        this.inputColumnNames = names;
        isTable = true;
    }

    private readonly string[] inputColumnNames;
    private readonly bool isTable;

    /// <summary>The name of the column that receives the posterior mean.</summary>
    public string OutputColumnName { get; }

    /// <summary>The name of the column the model learns from; for the multi-column step, the first of <see cref="InputColumnNames"/>.</summary>
    public string InputColumnName => inputColumnNames[0];

    /// <summary>The names of the columns the model learns from: one for the single-column step, every column of the table for the multi-column step.</summary>
    public IReadOnlyList<string> InputColumnNames => inputColumnNames;

    private IReadOnlyDictionary<string, ColumnKind> Kinds => (IReadOnlyDictionary<string, ColumnKind>)options.ColumnKinds;

    /// <summary>The checked copy of the options that <see cref="Fit"/> trains with.</summary>
    internal Options TrainingOptions => options;

    /// <summary>
    /// The output schema, from the input schema alone: checks that the input column exists and has a type the decoder
    /// family reads, and adds the code columns (<c>Vector&lt;Single, d&gt;</c> with slot names z0 … z(d−1)).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has another type; the message names the column and both types.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (isTable)
        {
            TableInput.Check(inputSchema, inputColumnNames, Kinds);
            var output = CodeColumns.Add(catalog, inputSchema, OutputColumnName, options.LogVarianceColumnName, options.LatentDimension);
            if (options.ScoreColumnName is string score)
                output = CodeColumns.AddVector(catalog, output, score, new VectorDataViewType(NumberDataViewType.Single, 1));
            if (options.ImputeMissingValues)
            {
                // An imputed column keeps its name and item type; a scalar becomes a one-slot vector (see Options.ImputeMissingValues).
                foreach (var column in inputSchema.Where(c => inputColumnNames.Contains(c.Name) && TableInput.CanBeMissing(c.ItemType, c.IsKey, c.Kind != SchemaShape.Column.VectorKind.Scalar)))
                {
                    var item = column.IsKey ? new KeyDataViewType(typeof(uint), 2) : (PrimitiveDataViewType)column.ItemType;
                    output = column.Kind == SchemaShape.Column.VectorKind.Scalar
                        ? CodeColumns.AddVector(catalog, output, column.Name, new VectorDataViewType(item, 1))
                        : output;
                }
            }
            return output;
        }
        bool isKey = InputColumn.Check(inputSchema, InputColumnName, options.Decoder);
        CheckClassCount(isKey);
        return CodeColumns.Add(catalog, inputSchema, OutputColumnName, options.LogVarianceColumnName, options.LatentDimension);
    }

    /// <summary>Trains the model on the input column of <paramref name="input"/>.</summary>
    /// <returns>The transformer; it holds native memory, so dispose it when done.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has another type.</exception>
    /// <exception cref="ArgumentException">The data is empty, or a value is NaN, infinite, a missing key, or outside the decoder family's range (the message names the column and the row).</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled through <see cref="Options.CancellationToken"/>.</exception>
    /// <exception cref="InvalidOperationException">Training diverged (the message names the step and the loss term), or a native backend the app must reference is missing (the message names the package: TorchSharp-cpu for training, Microsoft.ML.OnnxRuntime for scoring).</exception>
    public MutualAutoencoderTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        NativeBackends.EnsureOnnxRuntime();  // Before training, not after: the transformer this returns scores with it.
        if (isTable)
            return FitTable(input);
        var column = InputColumn.FromSchema(input.Schema, InputColumnName, options.Decoder);
        var trainingOptions = (Options)options.Clone();
        if (column.Kind == InputColumnKind.Key)
        {
            if (trainingOptions.NumberOfClasses != 0 && trainingOptions.NumberOfClasses != column.KeyCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{nameof(Options)}.{nameof(Options.NumberOfClasses)} is {trainingOptions.NumberOfClasses}, but input column '{column.Name}' is a key with {column.KeyCount} values; leave it 0 to take the key's count."), nameof(input));
            }
            trainingOptions.NumberOfClasses = column.KeyCount;
        }
        CheckClassCount(column.Kind == InputColumnKind.Key);

        trainingOptions.CancellationToken.ThrowIfCancellationRequested();
        using var monitor = new TrainingMonitor(trainingOptions);
        var data = new DataViewTrainingData(input, column, trainingOptions.ShuffleBufferSize, trainingOptions.CancellationToken);
        monitor.Info(string.Create(CultureInfo.InvariantCulture,
            $"Training a {trainingOptions.Objective} on column '{column.Name}' ({column.Type}, {data.RowCount} rows): d = {trainingOptions.LatentDimension}, M = {trainingOptions.TargetInformation} nats, {trainingOptions.Decoder} decoder, {EpochsText(trainingOptions)}."));
        var model = new MutualAutoencoderTrainer(trainingOptions).Fit(data, monitor, trainingOptions.CancellationToken);
        try
        {
            return new MutualAutoencoderTransformer(catalog, model, column, OutputColumnName, trainingOptions.LogVarianceColumnName, input);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private MutualAutoencoderTransformer FitTable(IDataView input)
    {
        var (model, table, trainingOptions) = TrainTable(input);
        try
        {
            return new MutualAutoencoderTransformer(catalog, model, table, OutputColumnName, trainingOptions.LogVarianceColumnName,
                trainingOptions.ImputeMissingValues, trainingOptions.ScoreColumnName, input, trainingOptions.ImputationDraws);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Trains the multi-column step's model on <paramref name="input"/>; the caller owns the model.</summary>
    internal (MutualAutoencoderModel Model, TableInput Table, Options TrainingOptions) TrainTable(IDataView input)
    {
        var table = TableInput.FromSchema(input.Schema, inputColumnNames, Kinds);
        var trainingOptions = (Options)options.Clone();
        trainingOptions.Table = table.Specification;
        trainingOptions.CancellationToken.ThrowIfCancellationRequested();
        using var monitor = new TrainingMonitor(trainingOptions);
        var data = new DataViewTrainingData(input, table, trainingOptions.ShuffleBufferSize, trainingOptions.CancellationToken);
        monitor.Info(string.Create(CultureInfo.InvariantCulture,
            $"Training a {trainingOptions.Objective} on a table of {table.Columns.Count} columns ({string.Join(", ", table.Columns.Select(c => $"{c.Name}: {c.Kind}"))}), {data.RowCount} rows: d = {trainingOptions.LatentDimension}, M = {trainingOptions.TargetInformation} nats, {EpochsText(trainingOptions)}."));
        return (new MutualAutoencoderTrainer(trainingOptions).Fit(data, monitor, trainingOptions.CancellationToken), table, trainingOptions);
    }

    /// <summary>
    /// "20 epochs of batch 256", and for a table the bounds on its steps: ", or more to reach MinimumNumberOfSteps = 1000 steps, cut at
    /// MaximumNumberOfSteps = 2000 steps".
    /// </summary>
    private static string EpochsText(Options options)
    {
        string epochs = string.Create(CultureInfo.InvariantCulture, $"{options.NumberOfEpochs} epochs of batch {options.BatchSize}");
        int minimum = options.EffectiveMinimumNumberOfSteps, maximum = options.EffectiveMaximumNumberOfSteps;
        if (minimum > 0)
            epochs += string.Create(CultureInfo.InvariantCulture, $", or more to reach {nameof(Options.MinimumNumberOfSteps)} = {minimum} steps");
        if (maximum < int.MaxValue)
            epochs += string.Create(CultureInfo.InvariantCulture, $", cut at {nameof(Options.MaximumNumberOfSteps)} = {maximum} steps");
        return epochs;
    }

    private void CheckClassCount(bool keyInput)
    {
        if (options.Decoder == DecoderFamily.Categorical && !keyInput && options.NumberOfClasses < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Options.NumberOfClasses), options.NumberOfClasses,
                $"{nameof(Options)}.{nameof(Options.NumberOfClasses)} must be at least 2 for the categorical decoder on input column '{InputColumnName}', which holds class indices; got {options.NumberOfClasses}. (A key column supplies the count itself.)");
        }
    }

    /// <summary>Options of <see cref="MutualAutoencoderEstimator"/>: the model and training options, plus how the step reads and reports.</summary>
    /// <remarks>
    /// For the categorical decoder, <see cref="MutualAutoencoderOptions.NumberOfClasses"/> may stay 0 when the input is a key
    /// column: the key's count is used. A Single input column of class indices 0..K−1 needs it set.
    /// </remarks>
    public class Options : MutualAutoencoderOptions
    {
        /// <summary>
        /// For the multi-column step: the name of an extra output column holding each row's anomaly score, or <c>null</c> (the default)
        /// for none. The score is the plug-in negative ELBO with the code at its posterior mean, −log p(x | z = E_q[z|x]) + KL(q(z|x) ‖ p(z)),
        /// in nats over the row's observed cells: higher is more unusual; +∞ for a row with a value that breaks its column's rule or with
        /// no observed cell (see <see cref="MutualAutoencoderModel.ScoreAnomalies"/>). It is a
        /// <c>Vector&lt;Single, 1&gt;</c>, as the step's other one-value outputs, so that the schema is the same after saving (see
        /// <see cref="ImputeMissingValues"/>); for a Single <c>Score</c> that ML.NET's anomaly evaluator reads, use
        /// <c>mlContext.AnomalyDetection.Trainers.MutualAutoencoder</c>. Must differ from every other column name. The single-column step
        /// refuses it.
        /// </summary>
        public string? ScoreColumnName { get; set; }

        /// <summary>
        /// Name of an extra output column for the posterior log-variance log σ²(x), a vector like the mean; <c>null</c> (the default) adds none.
        /// Must differ from the input and output column names.
        /// </summary>
        public string? LogVarianceColumnName { get; set; }

        /// <summary>
        /// Rows held by the shuffle buffer that <see cref="Fit"/> streams the data through. Must be positive. Memory is about
        /// this many rows of the input column; a buffer at least as large as the data gives a full shuffle every epoch.
        /// </summary>
        public int ShuffleBufferSize { get; set; } = EstimatorDefaults.ShuffleBufferSize;

        /// <summary>Receives each epoch's report as it completes, on the training thread. Not saved with the model.</summary>
        public IProgress<MutualAutoencoderEpochReport>? Progress { get; set; }

        /// <summary>Stops training with <see cref="OperationCanceledException"/> when cancelled. Not saved with the model.</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// The context whose <see cref="MLContext.Log"/> receives a message per epoch (ELBO, reconstruction, rate, information
        /// bound against the target, active units). ML.NET does not let components outside ML.NET reach the context behind
        /// <c>mlContext.Transforms</c>, so pass the same context here to get the messages; <c>null</c> (the default) logs nothing.
        /// Not saved with the model.
        /// </summary>
        public MLContext? Context { get; set; }

        private Dictionary<string, ColumnKind> columnKinds = new(StringComparer.Ordinal);

        /// <summary>
        /// Per input column of the multi-column step, a kind other than the one its type gives (Single and Double: real; an integer
        /// type: count; Key: categorical; Boolean: binary). A Single or Double column may be <see cref="ColumnKind.Positive"/> or
        /// <see cref="ColumnKind.Count"/>, an integer column <see cref="ColumnKind.Real"/> or <see cref="ColumnKind.Positive"/>, a
        /// Single column <see cref="ColumnKind.Binary"/> (0, 1 or NaN), and a key column <see cref="ColumnKind.Ordinal"/> (its keys in the
        /// levels' order). Every name must be an input column. Not used by the single-column step.
        /// </summary>
        public IDictionary<string, ColumnKind> ColumnKinds => columnKinds;

        /// <summary>
        /// For the multi-column step: whether the transformer also replaces each input column that can hold missing cells (every
        /// type but Boolean), under its own name and with its own type, by a copy whose missing cells (NaN, key 0) hold the
        /// model's prediction and whose observed cells are unchanged, as <c>ReplaceMissingValues</c> does. The prediction (unless
        /// <see cref="ImputationDraws"/> is set) is p(x|z) at the posterior mean of z given the row's observed cells: the mean of a real or count column, the median of a
        /// positive one, the median level of an ordinal one, the most probable class or outcome of a categorical or binary one (averaging these over posterior draws
        /// did no better on seven public tables; see the README). Default <c>false</c>. Not used by the single-column step.
        /// </summary>
        /// <remarks>
        /// <para>
        /// The information constraint bends the decoder away from the conditional an imputation reads: on the public tables the
        /// plain VAE (<see cref="MutualAutoencoderObjective.VariationalAutoencoder"/>) imputed best, an MAE at M = 2 close to it,
        /// and an MAE at M = 5 (the default target) worse than the column's mean or mode on two of seven tables. To impute, use
        /// the VAE objective or a small <see cref="MutualAutoencoderOptions.TargetInformation"/>; with an MAE at a large M, set
        /// <see cref="MutualAutoencoderOptions.EncoderCellDropout"/> to 0.5, which took the MAE at M = 5 below the mean or mode on
        /// every one of those tables and lowered its error on seven of their eight scored column sets (see the README). With the VAE
        /// objective, <see cref="ImputationDraws"/> = 32 weighs the prediction by importance, which did better still.
        /// </para>
        /// <para>
        /// A vector column keeps its exact type. A scalar column comes back as a one-slot vector of its item type
        /// (<c>Vector&lt;Single, 1&gt;</c>, <c>Vector&lt;Key&lt;UInt32&gt;, 1&gt;</c>): the saved pipeline runs on ML.NET's ONNX transformer,
        /// which types every output as a vector (ML.NET 5.0.1 fails to read rank-0 outputs), and the transformer gives the same
        /// schema before and after saving. A key column stays a key with the same count. Downstream steps that read vectors, such
        /// as Concatenate and the trainers' feature columns, take a one-slot vector as they take a scalar.
        /// </para>
        /// </remarks>
        public bool ImputeMissingValues { get; set; }

        /// <summary>
        /// For the multi-column step with <see cref="ImputeMissingValues"/>: the number K of codes per row that weigh the prediction by
        /// importance, or 0 (the default) for p(x|z) at the posterior mean. With K &gt; 0 the codes are z_k = μ + σ·ε_k, ε_k drawn once
        /// from the training seed and shared by every row, each weighted by p(x_obs|z_k)·p(z_k)/q(z_k|x_obs) normalised over k, and a
        /// missing cell gets the decision on its column's weighted summary (mean, rate, class or outcome probabilities): the model's own
        /// predictive given the observed cells, as MIWAE imputes, rather than the encoder's approximation of it. It costs K decoder
        /// passes a row (one more with <see cref="ScoreColumnName"/>), in memory and in the saved pipeline. On the public tables it
        /// helped the VAE objective and hurt the MAE (see the README). Must be non-negative. See the README for what it gained on seven public tables.
        /// </summary>
        public int ImputationDraws { get; set; }

        private protected override void CopyCollections()
        {
            base.CopyCollections();
            columnKinds = new Dictionary<string, ColumnKind>(columnKinds, StringComparer.Ordinal);
        }

        private protected override void ReleaseCallerObjects()
        {
            Progress = null;
            CancellationToken = default;
            Context = null;
        }

        internal override void Validate(bool classCountFromData = false)
        {
            base.Validate(classCountFromData);
            Positive(ShuffleBufferSize, nameof(ShuffleBufferSize));
            if (ImputationDraws < 0)
                throw OutOfRange(nameof(ImputationDraws), "must be non-negative", ImputationDraws);
        }
    }

    internal static class EstimatorDefaults
    {
        public const int ShuffleBufferSize = 10_000;
    }
}
