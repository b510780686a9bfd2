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
        options.Validate(classCountFromData: true);
        this.catalog = catalog;
        this.options = (Options)options.Clone();
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>The name of the column that receives the posterior mean.</summary>
    public string OutputColumnName { get; }

    /// <summary>The name of the column the model learns from.</summary>
    public string InputColumnName { get; }

    /// <summary>The checked copy of the options that <see cref="Fit"/> trains with.</summary>
    internal Options TrainingOptions => options;

    /// <summary>
    /// The output schema, from the input schema alone: checks that the input column exists and has a type the decoder
    /// family reads, and adds the code columns (<c>Vector&lt;Single, d&gt;</c> with slot names z0 … z(d−1)).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has another type; the message names the column and both types.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
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
            $"Training a {trainingOptions.Objective} on column '{column.Name}' ({column.Type}, {data.RowCount} rows): d = {trainingOptions.LatentDimension}, M = {trainingOptions.TargetInformation} nats, {trainingOptions.Decoder} decoder, {trainingOptions.NumberOfEpochs} epochs of batch {trainingOptions.BatchSize}."));
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
    public sealed class Options : MutualAutoencoderOptions
    {
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
        }
    }

    internal static class EstimatorDefaults
    {
        public const int ShuffleBufferSize = 10_000;
    }
}
