using Mae.Modeling;
using Mae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>
/// The importance-sampled log p(x) against the closed form of a linear-Gaussian model: p(z) = N(0, 1),
/// p(x|z) = N(s·z, v), so p(x) = N(0, s² + v) and the exact posterior is N(s·x/(s² + v), v/(s² + v)).
/// </summary>
public sealed class ImportanceSampledLikelihoodTests
{
    private const double Slope = 1.5, NoiseVariance = 0.4;

    private static MutualAutoencoderNetworks LinearGaussian(double posteriorSlopeFactor, double posteriorVarianceFactor)
    {
        var networks = TestNetworks.Create(DecoderFamily.Gaussian, 1, 0, 1, [2], HiddenActivation.Relu);
        double marginal = Slope * Slope + NoiseVariance;
        TestData.MakeLinearGaussian(networks.Factorized().Hidden, networks.Factorized().Head, Slope, Math.Log(NoiseVariance));
        TestData.MakeLinearGaussian(networks.Encoder.Hidden, networks.Encoder.Head,
            posteriorSlopeFactor * Slope / marginal, Math.Log(posteriorVarianceFactor * NoiseVariance / marginal));
        return networks;
    }

    private static (Tensor Rows, double Exact) Rows(int n)
    {
        double marginal = Slope * Slope + NoiseVariance;
        var random = new Random(5);
        var x = Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(marginal) * TestData.StandardNormal(random))).ToArray();
        double exact = x.Average(v => -0.5 * (Math.Log(2 * Math.PI * marginal) + v * (double)v / marginal));
        return (tensor(x, [n, 1]), exact);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    public void WithTheExactPosteriorEveryWeightIsTheLikelihood(int samples)
    {
        using var networks = LinearGaussian(1, 1);
        var (rows, exact) = Rows(2000);
        using var generator = new Generator(1);
        double estimate = Diagnostics.ImportanceSampledLogLikelihood(networks, rows, samples, generator);
        Assert.Equal(exact, estimate, 1e-4);
        // The quadrature behind the d = 1 diagnostics agrees with the same closed form.
        Assert.Equal(exact, Diagnostics.Exact(networks, rows).LogLikelihood!.Value, 1e-3);
    }

    [Fact]
    public void WithAnApproximatePosteriorTheEstimateRisesWithTheSamplesTowardTheLikelihood()
    {
        using var networks = LinearGaussian(0.8, 3);
        var (rows, exact) = Rows(2000);
        double Estimate(int samples)
        {
            using var generator = new Generator(2);
            return Diagnostics.ImportanceSampledLogLikelihood(networks, rows, samples, generator);
        }

        double one = Estimate(1), ten = Estimate(10), many = Estimate(2000);
        // K = 1 is the ELBO of this encoder: a clear gap below log p(x).
        Assert.True(one < exact - 0.05, $"K = 1 gives {one:F4}, exact log p(x) is {exact:F4}: expected a gap of the ELBO's size.");
        Assert.True(one < ten && ten < many, $"Expected the estimate to rise with K: {one:F4}, {ten:F4}, {many:F4}.");
        Assert.Equal(exact, many, 0.01);
        Assert.True(many <= exact + 0.005, $"K = 2000 gives {many:F4}, above exact {exact:F4} by more than Monte-Carlo error.");
    }

    [Fact]
    public void TheModelsEstimateIsReproducibleAndChecksItsArguments()
    {
        var options = TestData.Toy(DecoderFamily.Gaussian, 0.8, epochs: 1);
        options.HiddenSizes = [16];
        using var model = new MutualAutoencoderTrainer(options).Fit(TestData.StandardNormalRows(4096));
        var rows = Enumerable.Range(0, 500).Select(i => (float)Math.Sin(i)).ToArray();
        double once = model.EstimateLogLikelihood(rows, samples: 20);
        Assert.Equal(once, model.EstimateLogLikelihood(rows, samples: 20));
        Assert.True(double.IsFinite(once));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.EstimateLogLikelihood(rows, samples: 0));
        Assert.Equal("samples", error.ParamName);
        Assert.Throws<ArgumentException>(() => model.EstimateLogLikelihood(ReadOnlySpan<float>.Empty));
    }
}
