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
/// Training uses libtorch on the CPU. Tensor threads and the random state of libtorch are process-wide: train one model at a time.
/// </remarks>
public sealed class MutualAutoencoderTrainer
{
    private readonly MutualAutoencoderOptions options;

    /// <summary>Creates a trainer; the options are checked and copied, so later changes to <paramref name="options"/> have no effect.</summary>
    /// <exception cref="ArgumentException">An option is out of its documented range; the message names it.</exception>
    public MutualAutoencoderTrainer(MutualAutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options.Clone();
    }

    /// <summary>Trains a model on <paramref name="data"/>.</summary>
    /// <param name="data">The training rows.</param>
    /// <param name="progress">Receives each epoch's report as it completes.</param>
    /// <param name="cancellationToken">Stops training between steps with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The trained model; the caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">The data does not fit the options, or a value breaks the decoder family's rule (the message names the row and feature).</exception>
    /// <exception cref="InvalidOperationException">Training diverged; the message names the step and the loss term.</exception>
    public MutualAutoencoderModel Fit(TrainingData data, IProgress<MutualAutoencoderEpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (options.Decoder == DecoderFamily.Categorical && data.FeatureCount != 1)
            throw new ArgumentException($"The categorical decoder reads one class index per row; the data has {data.FeatureCount} features per row.", nameof(data));

        TorchRuntime.Configure(options.NumberOfThreads);
        int seed = options.Seed ?? Random.Shared.Next();
        torch.random.manual_seed(seed);
        var random = new Random(seed);

        var likelihood = DecoderLikelihood.Create(options.Decoder, data.FeatureCount, options.NumberOfClasses);
        var networks = new MutualAutoencoderNetworks(likelihood, options.LatentDimension, options.HiddenSizes, options.Activation);
        try
        {
            var epochs = Train(networks, data, random, progress, cancellationToken);
            var report = new MutualAutoencoderTrainingReport(options.Objective, options.Penalty, options.TargetInformation, seed, epochs);
            return new MutualAutoencoderModel(networks, options.Clone(), data.FeatureCount, report);
        }
        catch
        {
            networks.Dispose();
            throw;
        }
    }

    private List<MutualAutoencoderEpochReport> Train(
        MutualAutoencoderNetworks networks, TrainingData data, Random random,
        IProgress<MutualAutoencoderEpochReport>? progress, CancellationToken cancellationToken)
    {
        long totalSteps = (long)options.NumberOfEpochs * data.BatchesPerEpoch(options.BatchSize);
        var reports = new List<MutualAutoencoderEpochReport>(options.NumberOfEpochs);
        var evaluationRows = new float[options.EvaluationSampleSize * data.FeatureCount];
        var clock = Stopwatch.StartNew();
        long step = 0;
        using var trainingStep = new TrainingStep(networks, options, totalSteps);
        networks.train();
        for (int epoch = 1; epoch <= options.NumberOfEpochs; epoch++)
        {
            double elbo = 0, reconstruction = 0, rate = 0, penalty = 0;
            int batches = 0, evaluationCount = 0;
            foreach (var batch in data.GetBatches(options.BatchSize, random))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int valueCount = batch.Rows * data.FeatureCount;
                networks.Likelihood.ThrowIfInvalid(batch.Values.AsSpan(0, valueCount), data.FeatureCount, row => $"Training data {batch.DescribeRow(row)}", nameof(data));
                int keep = Math.Min(batch.Rows, options.EvaluationSampleSize - evaluationCount);
                batch.Values.AsSpan(0, keep * data.FeatureCount).CopyTo(evaluationRows.AsSpan(evaluationCount * data.FeatureCount));
                evaluationCount += keep;

                using var scope = NewDisposeScope();
                var rows = tensor(batch.Values.AsSpan(0, valueCount).ToArray(), [batch.Rows, data.FeatureCount]);
                var figures = trainingStep.Run(rows, step++);
                elbo += figures.Elbo;
                reconstruction += figures.Reconstruction;
                rate += figures.Rate;
                penalty += figures.Penalty;
                batches++;
            }

            var report = Evaluate(networks, evaluationRows.AsSpan(0, evaluationCount * data.FeatureCount), data.FeatureCount);
            var epochReport = new MutualAutoencoderEpochReport
            {
                Epoch = epoch,
                Step = step,
                Elbo = elbo / batches,
                Reconstruction = reconstruction / batches,
                Rate = rate / batches,
                Penalty = penalty / batches,
                Multiplier = options.Objective == MutualAutoencoderObjective.MutualAutoencoder && options.Penalty == InformationPenalty.Adaptive
                    ? trainingStep.Multiplier
                    : null,
                InformationBound = report.InformationBound,
                AggregatePosteriorInformation = report.AggregatePosteriorInformation,
                ActiveUnits = report.ActiveUnits,
                ExactInformation = report.ExactInformation,
                ExactLogLikelihood = report.ExactLogLikelihood,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            reports.Add(epochReport);
            progress?.Report(epochReport);
        }
        return reports;
    }

    private readonly record struct Evaluation(double InformationBound, double AggregatePosteriorInformation, int ActiveUnits, double? ExactInformation, double? ExactLogLikelihood);

    private Evaluation Evaluate(MutualAutoencoderNetworks networks, ReadOnlySpan<float> rowValues, int featureCount)
    {
        networks.eval();
        try
        {
            using var scope = NewDisposeScope();
            var rows = tensor(rowValues.ToArray(), [rowValues.Length / featureCount, featureCount]);
            double bound = Diagnostics.InformationBound(networks, options.EvaluationPriorSampleSize);
            var (aggregate, active) = rows.shape[0] >= 2 ? Diagnostics.AggregatePosterior(networks, rows) : (double.NaN, 0);
            var (exactInformation, exactLogLikelihood) = Diagnostics.Exact(networks, rows);
            return new Evaluation(bound, aggregate, active, exactInformation, exactLogLikelihood);
        }
        finally
        {
            networks.train();
        }
    }
}
