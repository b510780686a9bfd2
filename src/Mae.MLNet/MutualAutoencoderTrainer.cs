using System.Globalization;
using System.Diagnostics;
using Mae.Modeling;
using Mae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae;

/// <summary>
/// Trains a Mutual Autoencoder (Phuong et al., 2018): the ELBO is maximised subject to I_p(z, x) = M, where the information
/// under the generative model is estimated by the variational bound Î_p = H(z) + E_{z~p(z), x~p(x|z)} log r(z|x) with an
/// auxiliary network r trained to tighten it. The VAE baselines of <see cref="MutualAutoencoderObjective"/> train in the same loop.
/// </summary>
/// <remarks>
/// Training uses libtorch on the CPU. Fits may run on several threads at once and give the same models as when run one after
/// another: each fit draws from its own random generator seeded by <see cref="MutualAutoencoderOptions.Seed"/>, and sets its
/// thread count on its own thread. Fits share the machine's cores, so two fits at once each run slower.
/// </remarks>
public sealed class MutualAutoencoderTrainer
{
    private readonly MutualAutoencoderOptions options;

    /// <summary>
    /// Creates a trainer; the options are checked and copied, so later changes to <paramref name="options"/> have no effect. The copy,
    /// and the model that <see cref="Fit"/> returns, keep no caller objects an estimator's options may hold (context, progress, cancellation token).
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of its documented range; the message names it.</exception>
    public MutualAutoencoderTrainer(MutualAutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Table is null && options.EncoderCellDropout > 0)
            throw SingleColumnCellDropout(options.EncoderCellDropout, "use a table model");
        this.options = options.CloneWithoutCallerObjects();
    }

    /// <summary>Trains a model on <paramref name="data"/>.</summary>
    /// <param name="data">The training rows.</param>
    /// <param name="progress">Receives each epoch's report as it completes.</param>
    /// <param name="cancellationToken">Stops training between steps with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The trained model; the caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">The data does not fit the options, or a value breaks the decoder family's rule (the message names the row and feature).</exception>
    /// <exception cref="InvalidOperationException">Training diverged (the message names the step and the loss term), or libtorch is missing (the message names the package to add, TorchSharp-cpu).</exception>
    public MutualAutoencoderModel Fit(TrainingData data, IProgress<MutualAutoencoderEpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (options.Table is null && options.Decoder == DecoderFamily.Categorical && data.FeatureCount != 1)
            throw new ArgumentException($"The categorical decoder reads one class index per row; the data has {data.FeatureCount} features per row.", nameof(data));

        NativeBackends.EnsureTorch();
        TorchRuntime.Configure(options.NumberOfThreads);
        int seed = options.Seed ?? Random.Shared.Next();
        var random = new Random(seed);

        var table = options.Table?.Build(data);
        var settings = options.Networks;
        var (networks, generator) = TorchRuntime.CreateSeeded(seed, () => table is null
            ? MutualAutoencoderNetworks.Create(settings, data.FeatureCount)
            : MutualAutoencoderNetworks.Create(settings, new Modeling.Columns.TabularDecoder(settings.LatentDimension, settings.HiddenSizes, settings.Activation, table)));
        var decoder = networks.Decoder;
        using var _ = generator;
        try
        {
            // Rows the trainer never trains on, for the diagnostics; their own generator leaves the training draws as they were.
            var split = SplitForEvaluation(data, options, seed);
            decoder.ThrowIfInvalid(split.Rows, data.FeatureCount, row => $"Training data {split.DescribeRow(row)}", nameof(data));
            var epochs = Train(networks, split, random, generator, seed, progress, cancellationToken);
            var report = new MutualAutoencoderTrainingReport(options.Objective, options.Penalty, options.TargetInformation, seed, split.HeldOut, epochs);
            return new MutualAutoencoderModel(networks, options.Clone(), data.FeatureCount, report);
        }
        catch
        {
            networks.Dispose();
            throw;
        }
    }

    private const int EvaluationSeedOffset = 0x4D4145;

    /// <summary>The training and evaluation rows of a fit of <paramref name="data"/> with <paramref name="options"/> and <paramref name="seed"/>; their own generator leaves the training draws as they were.</summary>
    internal static EvaluationSplit SplitForEvaluation(TrainingData data, MutualAutoencoderOptions options, int seed) =>
        data.SplitEvaluation(EvaluationRowCount(options), new Random(unchecked(seed * 31 + EvaluationSeedOffset)));

    private const ulong FinalDrawsSeedOffset = 0x4951;

    /// <summary>
    /// Draws z ~ q(z|x) per row behind the last epoch's I_q on <paramref name="rows"/> rows: enough for 2,048 draws in all, at most 16.
    /// One draw leaves I_q about a tenth of a nat of noise on a few hundred rows; the larger evaluations keep their single draw.
    /// </summary>
    internal static int FinalInformationDraws(int rows) => Math.Clamp((2048 + rows - 1) / Math.Max(1, rows), 1, 16);

    /// <summary>The refusal of a positive <see cref="MutualAutoencoderOptions.EncoderCellDropout"/> for a model of one column, ending with <paramref name="instead"/>.</summary>
    internal static ArgumentException SingleColumnCellDropout(double value, string instead) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"{nameof(MutualAutoencoderOptions)}.{nameof(MutualAutoencoderOptions.EncoderCellDropout)} is {value}, but it hides cells of a table from the encoder, and the single-column model reads no missing cells; leave it at 0, or {instead}."),
            nameof(MutualAutoencoderOptions.EncoderCellDropout));

    /// <summary>
    /// Rows for the final diagnostics: <see cref="MutualAutoencoderOptions.EvaluationSampleSize"/>, raised so that the estimator's cap
    /// ln N lies a nat above the target (up to <see cref="MaximumEvaluationRows"/>). The data may hold out fewer (a fifth at most).
    /// </summary>
    internal static int EvaluationRowCount(MutualAutoencoderOptions options) =>
        (int)Math.Max(options.EvaluationSampleSize, Math.Min(MaximumEvaluationRows, Math.Ceiling(Math.Exp(options.TargetInformation + 1))));

    /// <summary>The most rows the automatic raise of <see cref="EvaluationRowCount"/> asks for (ln 16,384 = 9.70 nats).</summary>
    internal const int MaximumEvaluationRows = 16_384;

    private List<MutualAutoencoderEpochReport> Train(
        MutualAutoencoderNetworks networks, EvaluationSplit split, Random random, Generator generator, int seed,
        IProgress<MutualAutoencoderEpochReport>? progress, CancellationToken cancellationToken)
    {
        var data = split.Training;
        int width = data.FeatureCount;
        int batchesPerEpoch = Math.Max(1, data.BatchesPerEpoch(options.BatchSize));
        long totalSteps = options.EffectiveNumberOfSteps(batchesPerEpoch);
        // Whole epochs, the last cut short when MaximumNumberOfSteps ends training inside it.
        int epochs = (int)((totalSteps + batchesPerEpoch - 1) / batchesPerEpoch);
        var reports = new List<MutualAutoencoderEpochReport>(epochs);
        // Each epoch but the last is judged on an evenly spread subset of at most EvaluationSampleSize rows; the last on all of them.
        int epochRows = Math.Min(split.RowCount, options.EvaluationSampleSize);
        var epochValues = SpreadRows(split.Rows, width, epochRows);
        var clock = Stopwatch.StartNew();
        long step = 0;
        using var trainingStep = new TrainingStep(networks, options.Step(networks.Decoder), totalSteps, generator);
        networks.train();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            double elbo = 0, reconstruction = 0, rate = 0, penalty = 0;
            int batches = 0;
            foreach (var batch in data.GetBatches(options.BatchSize, random))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int valueCount = batch.Rows * width;
                networks.Decoder.ThrowIfInvalid(batch.Values.AsSpan(0, valueCount), width, row => $"Training data {batch.DescribeRow(row)}", nameof(data));

                using var scope = NewDisposeScope();
                var rows = tensor(batch.Values.AsSpan(0, valueCount).ToArray(), [batch.Rows, width]);
                var figures = trainingStep.Run(rows, step++);
                elbo += figures.Elbo;
                reconstruction += figures.Reconstruction;
                rate += figures.Rate;
                penalty += figures.Penalty;
                batches++;
                if (step == totalSteps)
                    break;   // MaximumNumberOfSteps: the last epoch cut short
            }

            bool last = epoch == epochs;
            var evaluation = last || options.EvaluateEveryEpoch
                ? Evaluate(networks, last ? split.Rows : epochValues, width, generator, last ? epochValues : null, last ? seed : null)
                : NotEvaluated;
            var epochReport = new MutualAutoencoderEpochReport
            {
                Epoch = epoch,
                NumberOfEpochs = epochs,
                Step = step,
                Elbo = elbo / batches,
                Reconstruction = reconstruction / batches,
                Rate = rate / batches,
                Penalty = penalty / batches,
                Multiplier = options.Objective == MutualAutoencoderObjective.MutualAutoencoder && options.Penalty == InformationPenalty.Adaptive
                    ? trainingStep.Multiplier
                    : null,
                RateMultiplier = options.Objective == MutualAutoencoderObjective.MutualAutoencoder && options.RateMultiplierLearningRate > 0
                    ? trainingStep.RateMultiplier
                    : null,
                InformationBound = evaluation.InformationBound,
                AggregatePosteriorInformation = evaluation.Encoded?.AggregatePosteriorInformation ?? double.NaN,
                LeaveOneOutInformation = evaluation.Encoded?.LeaveOneOutInformation ?? double.NaN,
                EvaluationRowCount = evaluation.Encoded?.RowCount ?? 0,
                EvaluationDraws = evaluation.Encoded?.Draws ?? 0,
                EvaluationRate = evaluation.Encoded?.Rate ?? double.NaN,
                ActiveUnits = evaluation.Encoded?.ActiveUnits ?? 0,
                ExactInformation = evaluation.ExactInformation,
                ExactLogLikelihood = evaluation.ExactLogLikelihood,
                ImportanceSampledLogLikelihood = evaluation.ImportanceSampledLogLikelihood,
                ImportanceSampledRowCount = evaluation.ImportanceSampledRowCount,
                Warning = last ? InformationWarning(evaluation.Encoded, split.HeldOut) : null,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            reports.Add(epochReport);
            progress?.Report(epochReport);
        }
        return reports;
    }

    /// <summary>
    /// The warning of a Mutual Autoencoder whose code holds more than 20% less than min(M, cap) on the evaluation rows, naming both
    /// numbers and what to try; <c>null</c> otherwise, and for the baselines, which set no information target.
    /// </summary>
    internal string? InformationWarning(InformationEvaluation? encoded, bool heldOut)
    {
        if (options.Objective != MutualAutoencoderObjective.MutualAutoencoder || encoded is null)
            return null;
        double expected = Math.Min(options.TargetInformation, encoded.InformationCap);
        if (!(encoded.AggregatePosteriorInformation < 0.8 * expected))
            return null;
        string rows = heldOut ? "held-out" : "evaluation (also training, as the data could not spare any)";
        // When the upper estimate clears the line, the rows are too few to tell a short code from the estimator's bias at small N.
        string inconclusive = encoded.LeaveOneOutInformation >= 0.8 * expected
            ? $" The leave-one-out estimate clears the line, so {encoded.RowCount} rows cannot tell a short code from the lower estimate's bias at " +
              $"small N; measure it on more rows that did not train the model (EvaluateInformation), and with more draws a row."
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"The code holds I_q = {encoded.AggregatePosteriorInformation:F2} nats on {encoded.RowCount} {rows} rows, more than 20% below " +
            $"min(M = {options.TargetInformation:G4}, cap ln N = {encoded.InformationCap:F2}) = {expected:F2} nats (the leave-one-out estimate, " +
            $"an upper bound, reads {encoded.LeaveOneOutInformation:F2}); KL(q(z) ‖ p(z)) is " +
            $"{encoded.MarginalDivergence:F2} nats. Try more epochs, a positive {nameof(MutualAutoencoderOptions.RateMultiplierLearningRate)} " +
            $"(now {options.RateMultiplierLearningRate:G4}), or a larger {nameof(MutualAutoencoderOptions.MarginalMatchingWeight)} (now {options.MarginalMatchingWeight?.ToString("G4", CultureInfo.InvariantCulture) ?? "the default, F/8"}).") +
            inconclusive;
    }

    private readonly record struct Evaluation(
        double InformationBound, InformationEvaluation? Encoded, double? ExactInformation, double? ExactLogLikelihood, double? ImportanceSampledLogLikelihood, int ImportanceSampledRowCount);

    /// <summary>The figures of an epoch that <see cref="MutualAutoencoderOptions.EvaluateEveryEpoch"/> leaves unevaluated.</summary>
    private static readonly Evaluation NotEvaluated = new(double.NaN, null, null, null, null, 0);

    /// <summary>
    /// <paramref name="count"/> rows spread evenly over the rows of <paramref name="values"/> (<paramref name="width"/> values each),
    /// row r of the result being row ⌊r·n / count⌋ of the n rows.
    /// </summary>
    private static float[] SpreadRows(float[] values, int width, int count)
    {
        int available = values.Length / width;
        var spread = new float[count * width];
        for (int r = 0; r < count; r++)
            values.AsSpan((int)((long)r * available / count) * width, width).CopyTo(spread.AsSpan(r * width));
        return spread;
    }

    /// <summary>The most evaluation rows behind the final report's importance-sampled log p(x): each costs K decoder passes.</summary>
    internal const int MaximumImportanceSampledRows = 256;

    /// <summary>
    /// The epoch's diagnostics on <paramref name="rowValues"/>, and on the last epoch the importance-sampled log p(x) of
    /// <paramref name="likelihoodRows"/>, drawn after every other figure so that the others do not depend on it. On the last
    /// epoch <paramref name="finalSeed"/>, the fit's seed, seeds the further draws of I_q (<see cref="FinalInformationDraws"/>).
    /// </summary>
    private Evaluation Evaluate(MutualAutoencoderNetworks networks, float[] rowValues, int featureCount, Generator generator, float[]? likelihoodRows, int? finalSeed)
    {
        networks.eval();
        try
        {
            using var scope = NewDisposeScope();
            var rows = tensor(rowValues, [rowValues.Length / featureCount, featureCount]);
            double bound = Diagnostics.InformationBound(networks, options.EvaluationPriorSampleSize, generator);
            // The last epoch's I_q averages FinalInformationDraws draws a row; all but the first come from a generator of their own,
            // so the figures drawn after it are those of one draw.
            int draws = finalSeed is null ? 1 : FinalInformationDraws((int)rows.shape[0]);
            using var further = finalSeed is int s && draws > 1 ? new Generator(unchecked((ulong)s + FinalDrawsSeedOffset)) : null;
            var encoded = rows.shape[0] >= 2 ? Diagnostics.Encoded(networks, rows, generator, draws, further) : null;
            var (exactInformation, exactLogLikelihood) = Diagnostics.Exact(networks, rows);
            double? sampled = null;
            int sampledRows = 0;
            if (likelihoodRows is not null && options.NumberOfImportanceSamples > 0)
            {
                sampledRows = Math.Min(likelihoodRows.Length / featureCount, MaximumImportanceSampledRows);
                var subset = tensor(SpreadRows(likelihoodRows, featureCount, sampledRows), [sampledRows, featureCount]);
                sampled = Diagnostics.ImportanceSampledLogLikelihood(networks, subset, options.NumberOfImportanceSamples, generator);
            }
            return new Evaluation(bound, encoded, exactInformation, exactLogLikelihood, sampled, sampledRows);
        }
        finally
        {
            networks.train();
        }
    }
}
