using Mae;
using Mae.Modeling;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>
/// The baselines on one problem where the plain VAE's choice of rate is known to lie between the settings: x = A s + σ ε with two
/// factors s ~ N(0, I_2) loading 12 features, σ = 0.5, and a code of d = 2. The VAE spends about 2 nats a dimension there; each
/// baseline is set so that what it does differs from that, so that each test fails if its objective is swapped for the VAE.
/// </summary>
public sealed class ObjectiveModels : IDisposable
{
    public const int Features = 12, LatentDimension = 2;

    /// <summary>M of the capacity objective: C rises from 0 to this, through the VAE's rate and well above it.</summary>
    public const double Capacity = 8;

    /// <summary>M of free bits: a floor of M/d = 3 nats a dimension, above what the VAE spends on either.</summary>
    public const double FreeBitsTarget = 6;

    public const double KLAnnealingFraction = 0.5, CapacityIncreaseFraction = 0.8;

    public ObjectiveModels()
    {
        Rows = FactorRows(TestSizes.Objectives.Rows, seed: 3);
        var models = Fits.Run(
            () => Fit(MutualAutoencoderObjective.VariationalAutoencoder, 0),
            () => Fit(MutualAutoencoderObjective.KLAnnealing, 0),
            () => Fit(MutualAutoencoderObjective.CapacityTargeted, Capacity),
            () => Fit(MutualAutoencoderObjective.FreeBits, FreeBitsTarget));
        (Vae, Annealed, Capacitated, FreeBits) = (models[0], models[1], models[2], models[3]);
    }

    public float[] Rows { get; }

    public MutualAutoencoderModel Vae { get; }

    public MutualAutoencoderModel Annealed { get; }

    public MutualAutoencoderModel Capacitated { get; }

    public MutualAutoencoderModel FreeBits { get; }

    public static MutualAutoencoderOptions Options(MutualAutoencoderObjective objective, double target) => new()
    {
        Objective = objective,
        TargetInformation = target,
        Decoder = DecoderFamily.Gaussian,
        LatentDimension = LatentDimension,
        HiddenSizes = [32, 32],
        BatchSize = 64,
        NumberOfEpochs = TestSizes.Objectives.Epochs,
        LearningRate = 3e-3,
        DecayLearningRate = false,
        KLAnnealingFraction = KLAnnealingFraction,
        CapacityIncreaseFraction = CapacityIncreaseFraction,
        Seed = 5,
        EvaluationSampleSize = 256,
        EvaluationPriorSampleSize = 256,
    };

    private MutualAutoencoderModel Fit(MutualAutoencoderObjective objective, double target) =>
        new MutualAutoencoderTrainer(Options(objective, target)).Fit(TrainingData.FromArray(Rows, Features));

    /// <summary>x = A s + 0.5 ε, A [12, 2] with N(0, 1) entries from a fixed seed.</summary>
    public static float[] FactorRows(int count, int seed)
    {
        var random = new Random(seed);
        var loadings = new double[Features, 2];
        for (int i = 0; i < Features; i++)
            for (int j = 0; j < 2; j++)
                loadings[i, j] = TestData.StandardNormal(new Random(100 + 2 * i + j));
        var values = new float[count * Features];
        for (int r = 0; r < count; r++)
        {
            double s0 = TestData.StandardNormal(random), s1 = TestData.StandardNormal(random);
            for (int i = 0; i < Features; i++)
                values[r * Features + i] = (float)(loadings[i, 0] * s0 + loadings[i, 1] * s1 + 0.5 * TestData.StandardNormal(random));
        }
        return values;
    }

    /// <summary>KL(q(z|x) ‖ N(0, 1)) of each latent dimension, averaged over <paramref name="rows"/>.</summary>
    public static double[] RatePerDimension(MutualAutoencoderModel model, float[] rows)
    {
        int count = rows.Length / Features;
        var mean = new float[count * LatentDimension];
        var logVariance = new float[count * LatentDimension];
        model.Encode(rows, mean, logVariance);
        var rate = new double[LatentDimension];
        for (int i = 0; i < mean.Length; i++)
            rate[i % LatentDimension] += 0.5 * (mean[i] * mean[i] + Math.Exp(logVariance[i]) - 1 - logVariance[i]) / count;
        return rate;
    }

    public void Dispose()
    {
        Vae.Dispose();
        Annealed.Dispose();
        Capacitated.Dispose();
        FreeBits.Dispose();
    }
}

public sealed class ObjectiveBehaviourTests(ObjectiveModels models, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ObjectiveModels>
{
    private void Show(string name, MutualAutoencoderModel model) =>
        output.WriteLine($"{name}: rate by epoch {string.Join(", ", model.Report.Epochs.Select(e => e.Rate.ToString("F3")))}; " +
            $"final rate per dimension {string.Join(", ", ObjectiveModels.RatePerDimension(model, models.Rows).Select(r => r.ToString("F3")))}");

    /// <summary>The mean over an epoch's steps of a schedule that rises linearly over <paramref name="fraction"/> of training to 1.</summary>
    private static double[] EpochMeans(MutualAutoencoderTrainingReport report, double fraction, Func<long, long, double> weight)
    {
        long stepsPerEpoch = report.Epochs[0].Step, total = report.Final.Step;
        return report.Epochs.Select(e => Enumerable.Range(0, (int)stepsPerEpoch).Average(i => weight(e.Step - stepsPerEpoch + i, total))).ToArray();
    }

    [Fact]
    public void KLAnnealingSpendsARateThatFallsAsItsWeightRises()
    {
        Show("VAE", models.Vae);
        Show("KL annealing", models.Annealed);
        var annealed = models.Annealed.Report.Epochs.Select(e => e.Rate).ToArray();
        var vae = models.Vae.Report.Epochs.Select(e => e.Rate).ToArray();
        int warmUpEpochs = (int)Math.Ceiling(ObjectiveModels.KLAnnealingFraction * TestSizes.Objectives.Epochs);
        // While the KL weight min(1, (step + 1)/(f·T)) is below 1 the code costs less than the VAE's, and the rate lies above the VAE's...
        for (int e = 0; e < warmUpEpochs - 1; e++)
            Assert.True(annealed[e] > vae[e] + 0.25, $"Epoch {e + 1}: annealed rate {annealed[e]:F3}, VAE {vae[e]:F3}.");
        // ...by most where the weight is least: it peaks early, and falls epoch after epoch while the weight rises.
        int peak = Array.IndexOf(annealed, annealed.Max());
        Assert.True(peak <= warmUpEpochs / 2, $"The annealed rate peaks in epoch {peak + 1} of a {warmUpEpochs}-epoch warm-up.");
        for (int e = peak + 1; e < warmUpEpochs; e++)
            Assert.True(annealed[e] < annealed[e - 1], $"Epoch {e + 1}: the annealed rate rose from {annealed[e - 1]:F3} to {annealed[e]:F3} while its weight rose.");
        // Once the weight is 1 the objective is the VAE's, and the rate ends near the VAE's.
        Assert.InRange(annealed[^1], vae[^1] - 0.5, vae[^1] + 0.5);
    }

    [Fact]
    public void TheCapacityObjectivesRateTracksTheRisingCapacity()
    {
        Show("VAE", models.Vae);
        Show("capacity", models.Capacitated);
        var report = models.Capacitated.Report;
        double f = ObjectiveModels.CapacityIncreaseFraction, m = ObjectiveModels.Capacity;
        var capacity = EpochMeans(report, f, (step, total) => m * Math.Min(1.0, (double)step / total / f));
        for (int e = 0; e < capacity.Length; e++)
            Assert.True(Math.Abs(report.Epochs[e].Rate - capacity[e]) < 0.1 * m,
                $"Epoch {e + 1}: rate {report.Epochs[e].Rate:F3} against the capacity's mean {capacity[e]:F3}.");
        // The VAE's rate does not follow it: it stays between the capacity's first and last values.
        Assert.True(models.Vae.Report.Final.Rate < m - 2, $"VAE rate {models.Vae.Report.Final.Rate:F3}.");
    }

    [Fact]
    public void FreeBitsKeepsEveryDimensionAtItsFloorWhereTheVaeSpendsLess()
    {
        Show("VAE", models.Vae);
        Show("free bits", models.FreeBits);
        double floor = ObjectiveModels.FreeBitsTarget / ObjectiveModels.LatentDimension;
        var freeBits = ObjectiveModels.RatePerDimension(models.FreeBits, models.Rows);
        var vae = ObjectiveModels.RatePerDimension(models.Vae, models.Rows);
        // The floor binds: the VAE spends less than it on each dimension...
        Assert.All(vae, r => Assert.True(r < 0.8 * floor, $"The VAE spends {r:F3} nats on a dimension; the floor {floor} would not bind."));
        // ...and free bits, for which a dimension's KL below the floor costs nothing, spends at least the floor on each.
        Assert.All(freeBits, r => Assert.True(r >= 0.95 * floor, $"Free bits spends {r:F3} nats on a dimension, below its floor {floor}."));
    }

    [Fact]
    public void TheAdaptiveMultiplierMovesByDualAscentOnTheGap()
    {
        // ν ← ν + η(M − Î_p) after every step, Î_p being the step's own estimate: with M far above what a fresh model holds, ν rises.
        var options = ObjectiveModels.Options(MutualAutoencoderObjective.MutualAutoencoder, 4);
        options.Penalty = InformationPenalty.Adaptive;
        options.MultiplierLearningRate = 0.3;
        options.Validate();
        TorchRuntime.Configure(1);
        using var networks = TestNetworks.Create(DecoderFamily.Gaussian, ObjectiveModels.Features, 0, options.LatentDimension, options.HiddenSizes, options.Activation);
        using var draws = new TorchSharp.torch.Generator(2);
        using var step = new TrainingStep(networks, options.Step(networks.Decoder), totalSteps: 20, draws);
        var rows = ObjectiveModels.FactorRows(64, seed: 8);
        double multiplier = step.Multiplier;
        Assert.Equal(0, multiplier);
        for (int i = 0; i < 20; i++)
        {
            using var scope = NewDisposeScope();
            var figures = step.Run(tensor(rows, [64, ObjectiveModels.Features]), i);
            double expected = multiplier + options.MultiplierLearningRate * (options.TargetInformation - figures.InformationEstimate);
            Assert.Equal(expected, step.Multiplier, 1e-12);
            Assert.True(step.Multiplier > multiplier, $"Step {i + 1}: Î_p = {figures.InformationEstimate:F3} < M = 4, yet ν went from {multiplier} to {step.Multiplier}.");
            multiplier = step.Multiplier;
        }
    }
}
