using Mae;
using Mae.Modeling;
using Mae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Tests;

public class TrainingBehaviourTests
{
    /// <summary>Small data of each family with structure to learn: two clusters.</summary>
    private static (MutualAutoencoderOptions Options, TrainingData Data) Problem(DecoderFamily family, int seed = 11)
    {
        var options = new MutualAutoencoderOptions
        {
            Decoder = family,
            NumberOfClasses = family == DecoderFamily.Categorical ? 6 : 0,
            LatentDimension = 2,
            HiddenSizes = [32, 32],
            BatchSize = 128,
            NumberOfEpochs = 8,
            TargetInformation = 1.0,
            Seed = seed,
            EvaluationSampleSize = 256,
            EvaluationPriorSampleSize = 512,
        };
        int features = family == DecoderFamily.Categorical ? 1 : 12;
        var random = new Random(5);
        var values = new float[1024 * features];
        for (int row = 0; row < 1024; row++)
        {
            bool upper = random.Next(2) == 0;
            for (int f = 0; f < features; f++)
            {
                values[row * features + f] = family switch
                {
                    DecoderFamily.Categorical => upper ? random.Next(3) : 3 + random.Next(3),
                    DecoderFamily.Bernoulli => random.NextDouble() < (upper ^ f % 2 == 0 ? 0.9 : 0.1) ? 1f : 0f,
                    _ => (float)((upper ? 1.5 : -1.5) * (f % 2 == 0 ? 1 : -1) + 0.3 * TestData.StandardNormal(random)),
                };
            }
        }
        return (options, TrainingData.FromArray(values, features));
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Categorical)]
    [InlineData(DecoderFamily.Bernoulli)]
    public void EachDecoderFamilyTrainsAndTheLossFalls(DecoderFamily family)
    {
        var (options, data) = Problem(family);
        using var model = new MutualAutoencoderTrainer(options).Fit(data);
        var epochs = model.Report.Epochs;
        Assert.Equal(options.NumberOfEpochs, epochs.Count);
        // The Mutual Autoencoder's loss is −ELBO + penalty.
        double first = epochs[0].Penalty - epochs[0].Elbo, last = epochs[^1].Penalty - epochs[^1].Elbo;
        Assert.True(last < first - 0.05, $"The loss went from {first} to {last}.");
        Assert.All(epochs, e => Assert.True(e.Rate >= 0, $"Rate {e.Rate} must be non-negative."));
        Assert.InRange(epochs[^1].ActiveUnits, 1, 2);
        Assert.True(double.IsFinite(epochs[^1].InformationBound));
        Assert.Null(epochs[^1].ExactInformation); // d = 2: no quadrature
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Bernoulli)]
    public void SameSeedGivesBitIdenticalModels(DecoderFamily family)
    {
        float[] Run(int seed)
        {
            var (options, data) = Problem(family, seed);
            options.NumberOfEpochs = 2;
            using var model = new MutualAutoencoderTrainer(options).Fit(data);
            var probe = new float[3 * model.FeatureCount];
            for (int i = 0; i < probe.Length; i++)
                probe[i] = (i % 3) * 0.4f;
            return [.. model.Encode(probe), (float)model.Report.Final.Elbo, (float)model.Report.Final.InformationBound];
        }

        var first = Run(21);
        Assert.Equal(first, Run(21));
        Assert.NotEqual(first, Run(22));
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Categorical)]
    [InlineData(DecoderFamily.Bernoulli)]
    public void ATrainingStepLeavesNoLiveTensorsBehind(DecoderFamily family)
    {
        var (options, _) = Problem(family);
        options.Validate();
        TorchRuntime.Configure(1);
        int features = family == DecoderFamily.Categorical ? 1 : 12;
        using var networks = TestNetworks.Create(family, features, options.NumberOfClasses, options.LatentDimension, options.HiddenSizes, options.Activation);
        using var draws = new Generator(1);
        using var step = new TrainingStep(networks, options.Step(networks.Decoder), totalSteps: 10, draws);
        using var rows = family == DecoderFamily.Categorical ? randint(0, 6, [64, 1]).to_type(ScalarType.Float32) : rand(64, features);
        step.Run(rows, 0); // the first step creates Adam's state
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        step.Run(rows, 1);
        step.Run(rows, 2);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void DivergenceStopsTrainingNamingTheStepAndTheTerm()
    {
        var options = TestData.Toy(DecoderFamily.Gaussian, 0.5, epochs: 1);
        var data = TrainingData.FromArray([1e30f, -1e30f, 3e30f, 2e30f], 1);
        var error = Assert.Throws<InvalidOperationException>(() => new MutualAutoencoderTrainer(options).Fit(data));
        Assert.Contains("diverged at step 1", error.Message);
        Assert.Contains("reconstruction term", error.Message);
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        var (options, data) = Problem(DecoderFamily.Gaussian);
        using var source = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => source.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => new MutualAutoencoderTrainer(options).Fit(data, progress, source.Token));
    }

    [Fact]
    public void ProgressReceivesEveryEpochInOrder()
    {
        var (options, data) = Problem(DecoderFamily.Categorical);
        options.NumberOfEpochs = 3;
        var seen = new List<int>();
        using var model = new MutualAutoencoderTrainer(options).Fit(data, new SynchronousProgress(e => seen.Add(e.Epoch)));
        Assert.Equal([1, 2, 3], seen);
        Assert.Equal(3 * 7, model.Report.Final.Step); // 1,024 rows less the fifth (204) held out for evaluation, 128 per batch
    }

    [Fact]
    public void WithoutEveryEpochsEvaluationOnlyTheLastEpochCarriesTheDiagnostics()
    {
        var options = TestData.Toy(DecoderFamily.Categorical, 1.0, epochs: 3);
        options.BatchSize = 128;
        options.EvaluateEveryEpoch = false;
        using var model = new MutualAutoencoderTrainer(options).Fit(TestData.UniformDigits(128 * 10));
        var epochs = model.Report.Epochs;
        Assert.All(epochs.Take(2), e =>
        {
            Assert.True(double.IsNaN(e.InformationBound) && double.IsNaN(e.AggregatePosteriorInformation) && double.IsNaN(e.EvaluationRate));
            Assert.Equal(0, e.EvaluationRowCount);
            Assert.Null(e.ExactInformation);
            Assert.True(double.IsFinite(e.Elbo) && e.Rate >= 0, $"Epoch {e.Epoch}: the training figures are still reported (ELBO {e.Elbo}, rate {e.Rate}).");
        });
        // The last epoch is evaluated as always: d = 1 with a categorical decoder gives exact I_p by quadrature.
        var final = model.Report.Final;
        Assert.True(double.IsFinite(final.InformationBound) && double.IsFinite(final.AggregatePosteriorInformation));
        Assert.True(final.EvaluationRowCount > 0);
        Assert.NotNull(final.ExactInformation);
    }

    [Fact]
    public void BetaAboveOneSpendsLessRateThanAPlainVae()
    {
        double FinalRate(MutualAutoencoderObjective objective)
        {
            var (options, data) = Problem(DecoderFamily.Gaussian);
            options.Objective = objective;
            options.Beta = 8;
            using var model = new MutualAutoencoderTrainer(options).Fit(data);
            return model.Report.Final.Rate;
        }

        Assert.True(FinalRate(MutualAutoencoderObjective.BetaVariationalAutoencoder) < FinalRate(MutualAutoencoderObjective.VariationalAutoencoder) - 0.2);
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<MutualAutoencoderEpochReport> onReport) : IProgress<MutualAutoencoderEpochReport>
    {
        public void Report(MutualAutoencoderEpochReport value) => onReport(value);
    }
}
