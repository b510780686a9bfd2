using Mae;
using Mae.Modeling;
using Mae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>
/// The autoregressive decoder families against enumeration: a distribution that sums to one, a sequential draw that follows it,
/// an unbiased information gradient; and their contract (options, Decode, exports).
/// </summary>
public sealed class AutoregressiveDecoderTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Bits = 6, Group = 2;

    private static MutualAutoencoderNetworks Random6Bits(int seed, DecoderFamily family = DecoderFamily.AutoregressiveBernoulli)
    {
        random.manual_seed(seed);
        var networks = TestNetworks.Create(family, Bits, 0, 2, [8], HiddenActivation.Tanh, groupSize: Group, decoderHiddenSize: 6);
        using (no_grad())
        {
            foreach (var parameter in networks.Decoder.parameters())
                parameter.mul_(tensor(3f)); // sharpen p(x|z), so that the checks below are not met by a near-uniform distribution
        }
        return networks;
    }

    [Fact]
    public void TheDistributionSumsToOneAndItsDrawFollowsIt()
    {
        using var networks = Random6Bits(1);
        var decoder = networks.Decoder;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = randn(3, 2);
        var condition = decoder.Condition(z);
        using var outcomes = Quadrature.BinaryOutcomes(Bits);
        var probabilities = decoder.PairwiseLogLikelihood(condition, outcomes).to_type(ScalarType.Float64).exp();  // [64, 3]
        var total = probabilities.sum(new long[] { 0 }).data<double>().ToArray();
        Assert.All(total, t => Assert.Equal(1.0, t, 1e-5));
        double largest = probabilities.max().item<double>();
        Assert.True(largest > 0.1, $"The test needs a peaked distribution; the largest probability is {largest:F3}.");

        // 40,000 sequential draws per code: their frequencies match the teacher-forced probabilities (total variation).
        const int draws = 40_000;
        using var generator = new Generator(2);
        var autoregressive = (AutoregressiveDecoder)decoder;
        var samples = autoregressive.Draw(condition.repeat_interleave(draws, 0), generator);                     // [3·draws, 6]
        var weights = tensor(Enumerable.Range(0, Bits).Select(f => (float)(1 << f)).ToArray());
        var codes = (samples * weights).sum(new long[] { 1 }).to_type(ScalarType.Int64).data<long>().ToArray();
        var exact = probabilities.t().contiguous().data<double>().ToArray();                                       // [3, 64]
        for (int g = 0; g < 3; g++)
        {
            var counts = new double[1 << Bits];
            for (int i = 0; i < draws; i++)
                counts[codes[g * draws + i]]++;
            double variation = 0.5 * Enumerable.Range(0, 1 << Bits).Sum(k => Math.Abs(counts[k] / draws - exact[g * 64 + k]));
            Assert.True(variation < 0.02, $"code {g}: total variation between the draws and p(x|z) is {variation:F4}.");
        }
    }

    [Fact]
    public void ScoreFunctionGradientThroughTheSequenceIsUnbiased()
    {
        const int priorDraws = 128, repetitions = 300;
        using var networks = Random6Bits(3);
        var decoder = networks.Decoder;
        var parameters = decoder.parameters().ToArray();
        using var z = randn(priorDraws, 2);

        // Exact: J = mean_s Σ_x p(x|z_s) log r(z_s|x) over all 64 outcomes; r is held fixed.
        using var estimatorDraws = new Generator(4);
        double spread = GradientCheck.AssertUnbiased(parameters, () =>
        {
            var outcomes = Quadrature.BinaryOutcomes(Bits);
            var logP = decoder.PairwiseLogLikelihood(decoder.Condition(z), outcomes);                        // [64, S]
            var logR = GaussianNetwork.PairwiseLogDensity(z, networks.Auxiliary.forward(outcomes)).detach();   // [S, 64]
            return (logP.t().exp() * logR).sum(1).mean();
        }, () => decoder.Information(decoder.Condition(z), z, networks.Auxiliary, estimatorDraws).DecoderSurrogate,
            repetitions, standardErrors: 2.5, relativeStandardError: 0.15);
        output.WriteLine($"One estimate's spread ‖sd‖ / ‖exact gradient‖ = {spread:F2} with {priorDraws} prior draws.");
    }

    [Fact]
    public void GaussianDrawIsReparameterisedThroughTheSequence()
    {
        using var networks = Random6Bits(5, DecoderFamily.AutoregressiveGaussian);
        var decoder = (AutoregressiveDecoder)networks.Decoder;
        using var scope = NewDisposeScope();
        var z = randn(4, 2);
        using var generator = new Generator(6);
        var samples = decoder.Draw(decoder.Condition(z), generator);
        Assert.Equal([4L, Bits], samples.shape);
        // The last group depends on the first through the GRU: its gradient reaches the GRU's weights only via the draw.
        samples.narrow(1, Bits - Group, Group).sum().backward();
        var recurrence = decoder.named_parameters().Where(p => p.name.StartsWith("recurrence", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(recurrence);
        Assert.All(recurrence, p => Assert.True(p.parameter.grad is not null && p.parameter.grad.abs().max().item<float>() > 0, $"{p.name} got no gradient"));
    }

    [Fact]
    public void OptionsNameTheGroupSizeRule()
    {
        var missing = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(new MutualAutoencoderOptions { Decoder = DecoderFamily.AutoregressiveBernoulli }));
        Assert.Contains("GroupSize", missing.Message);
        Assert.Contains("required", missing.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new MutualAutoencoderTrainer(new MutualAutoencoderOptions { Decoder = DecoderFamily.AutoregressiveGaussian, GroupSize = 0 }));
        Assert.Contains("GroupSize", negative.Message);
        var trainer = new MutualAutoencoderTrainer(new MutualAutoencoderOptions { Decoder = DecoderFamily.AutoregressiveBernoulli, GroupSize = 5, NumberOfEpochs = 1 });
        var mismatch = Assert.Throws<ArgumentException>(() => trainer.Fit(TrainingData.FromArray(new float[12 * 20], 12)));
        Assert.Contains("GroupSize must divide the 12 features", mismatch.Message);
        Assert.Contains("got 5", mismatch.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MutualAutoencoderTrainer(new MutualAutoencoderOptions { DecoderHiddenSize = 0 }));
    }

    [Theory]
    [InlineData(DecoderFamily.AutoregressiveBernoulli)]
    [InlineData(DecoderFamily.AutoregressiveGaussian)]
    public void TrainsEncodesLikeItsOnnxExportAndRefusesTheDecoderExport(DecoderFamily family)
    {
        const int features = 12, rows = 512;
        var random = new Random(7);
        var values = Enumerable.Range(0, rows * features)
            .Select(_ => family == DecoderFamily.AutoregressiveBernoulli ? (random.NextDouble() < 0.3 ? 1f : 0f) : (float)TestData.StandardNormal(random)).ToArray();
        var options = new MutualAutoencoderOptions
        {
            Decoder = family, GroupSize = 4, DecoderHiddenSize = 16, LatentDimension = 3, HiddenSizes = [16], NumberOfEpochs = 2, BatchSize = 64,
            PriorSampleSize = 64, TargetInformation = 1, Seed = 8, EvaluationPriorSampleSize = 256, NumberOfImportanceSamples = 20,
        };
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(values, features));
        var final = model.Report.Final;
        Assert.True(double.IsFinite(final.Elbo) && double.IsFinite(final.InformationBound) && double.IsFinite(final.AggregatePosteriorInformation));
        Assert.True(final.ImportanceSampledLogLikelihood is double sampled && double.IsFinite(sampled));
        Assert.InRange(final.ImportanceSampledRowCount, 1, 256);

        using var stream = new MemoryStream();
        model.ExportEncoderToOnnx(stream);
        var batch = values.AsSpan(0, 7 * features).ToArray();
        var onnx = OnnxRuntimeRunner.Run(stream.ToArray(), Mae.Export.OnnxTensorNames.Features, batch, 7, features);
        var encoded = model.Encode(batch);
        for (int i = 0; i < encoded.Length; i++)
            Assert.Equal(encoded[i], onnx[Mae.Export.OnnxTensorNames.Mean][i], 1e-5);

        var export = Assert.Throws<NotSupportedException>(() => model.ExportDecoderToOnnx(new MemoryStream()));
        Assert.Contains(family.ToString(), export.Message);
        var decode = Assert.Throws<NotSupportedException>(() => model.Decode(new float[3]));
        Assert.Contains(nameof(MutualAutoencoderModel.EstimateLogLikelihood), decode.Message);
    }
}
