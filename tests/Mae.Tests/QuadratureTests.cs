using Mae;
using Mae.Modeling;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The quadrature that the toy tests use as ground truth, checked against closed forms.</summary>
public class QuadratureTests
{
    [Theory]
    [InlineData(2.0, 0.5)]
    [InlineData(0.7, 1.3)]
    public void GaussianInformationMatchesTheLinearGaussianClosedForm(double slope, double deviation)
    {
        // A ReLU trunk [max(z,0), max(-z,0)] and head mean = slope·(h0 − h1) = slope·z, log-variance = 2·ln(deviation):
        // x | z ~ N(slope·z, deviation²) with z ~ N(0,1) has I = ½·ln(1 + slope²/deviation²) and p(x) = N(0, slope² + deviation²).
        using var networks = TestNetworks.Create(DecoderFamily.Gaussian, 1, 0, 1, [2], HiddenActivation.Relu);
        TestData.MakeLinearGaussian(networks.Factorized().Hidden, networks.Factorized().Head, slope, 2 * Math.Log(deviation));

        double expected = 0.5 * Math.Log(1 + slope * slope / (deviation * deviation));
        Assert.Equal(expected, Quadrature.GaussianInformation(networks.Decoder), 1e-4);

        double variance = slope * slope + deviation * deviation;
        var points = new[] { -2.0, 0.0, 0.5, 3.0 };
        var density = Quadrature.GaussianMarginalDensity(networks.Decoder, points);
        for (int i = 0; i < points.Length; i++)
            Assert.Equal(Math.Exp(-0.5 * points[i] * points[i] / variance) / Math.Sqrt(2 * Math.PI * variance), density[i], 1e-5);

        // KL(N(0,1) ‖ N(0,v)) = ½(1/v − 1 + ln v).
        Assert.Equal(0.5 * (1 / variance - 1 + Math.Log(variance)), Quadrature.DivergenceFromStandardNormal(networks.Decoder), 1e-5);
    }

    [Fact]
    public void CategoricalDecoderThatIgnoresTheCodeHasZeroInformation()
    {
        using var networks = TestNetworks.Create(DecoderFamily.Categorical, 1, 4, 1, [8], HiddenActivation.Tanh);
        var bias = new float[] { 0.5f, -1f, 0f, 2f };
        using (no_grad())
        {
            networks.Factorized().Head.weight!.zero_();
            networks.Factorized().Head.bias!.copy_(tensor(bias));
        }

        Assert.Equal(0, Quadrature.CategoricalInformation(networks.Decoder), 1e-9);
        double normaliser = bias.Sum(b => Math.Exp(b));
        var marginal = Quadrature.CategoricalMarginal(networks.Decoder);
        for (int k = 0; k < bias.Length; k++)
            Assert.Equal(Math.Exp(bias[k]) / normaliser, marginal[k], 1e-6);
        double divergence = bias.Sum(b => 0.25 * Math.Log(0.25 / (Math.Exp(b) / normaliser)));
        Assert.Equal(divergence, Quadrature.DivergenceFromUniform(networks.Decoder), 1e-6);
    }

    [Fact]
    public void ExactLogLikelihoodOfACodeBlindCategoricalDecoderIsTheLogOfItsMarginal()
    {
        using var networks = TestNetworks.Create(DecoderFamily.Categorical, 1, 3, 1, [8], HiddenActivation.Tanh);
        using (no_grad())
        {
            networks.Factorized().Head.weight!.zero_();
            networks.Factorized().Head.bias!.copy_(tensor(new float[] { 0f, 0f, (float)Math.Log(2) }));
        }

        using var rows = tensor(new float[] { 2, 2, 0, 1 }).view(4, 1);
        var (_, logLikelihood) = Diagnostics.Exact(networks, rows);
        double expected = (2 * Math.Log(0.5) + 2 * Math.Log(0.25)) / 4;
        Assert.Equal(expected, logLikelihood!.Value, 1e-5);
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Categorical)]
    [InlineData(DecoderFamily.Bernoulli)]
    [InlineData(DecoderFamily.AutoregressiveBernoulli)]
    [InlineData(DecoderFamily.AutoregressiveGaussian)]
    public void PairwiseLogLikelihoodAgreesWithTheRowWiseOne(DecoderFamily family)
    {
        int features = family == DecoderFamily.Categorical ? 1 : 6;
        using var networks = TestNetworks.Create(family, features, 4, 2, [8], HiddenActivation.Tanh, groupSize: 2, decoderHiddenSize: 5);
        var decoder = networks.Decoder;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var decoded = decoder.Condition(randn(7, 2));
        var rows = family switch
        {
            DecoderFamily.Categorical => randint(0, 4, [6, 1]).to_type(ScalarType.Float32),
            DecoderFamily.Bernoulli or DecoderFamily.AutoregressiveBernoulli => rand(6, features).round(),
            _ => randn(6, features),
        };
        var pairwise = decoder.PairwiseLogLikelihood(decoded, rows);
        Assert.Equal([6L, 7L], pairwise.shape);
        for (int g = 0; g < 7; g++)
        {
            var rowWise = decoder.LogLikelihood(decoded[g].unsqueeze(0).expand(6, -1), rows);
            Assert.True(allclose(pairwise.select(1, g), rowWise, rtol: 1e-5, atol: 1e-5), $"code {g} differs");
        }
    }

    [Fact]
    public void EnumeratedInformationEqualsTheCategoricalClosedForm()
    {
        random.manual_seed(3);
        using var networks = TestNetworks.Create(DecoderFamily.Categorical, 1, 5, 1, [8], HiddenActivation.Tanh);
        using (no_grad())
            networks.Factorized().Head.weight!.mul_(tensor(6f)); // sharpen p(x|z) so that the information is far from zero
        using var classes = tensor(new float[] { 0, 1, 2, 3, 4 }).view(5, 1);
        double closedForm = Quadrature.CategoricalInformation(networks.Decoder);
        Assert.True(closedForm > 0.2, $"The test needs an informative decoder; I_p is {closedForm:F4}.");
        Assert.Equal(closedForm, Quadrature.EnumeratedInformation(networks.Decoder, classes), 1e-5);
    }

    [Fact]
    public void EnumeratedBernoulliInformationAgreesWithADirectSumAndIsZeroForACodeBlindDecoder()
    {
        const int features = 3;
        random.manual_seed(4);
        using var networks = TestNetworks.Create(DecoderFamily.Bernoulli, features, 0, 1, [8], HiddenActivation.Tanh);
        using (no_grad())
            networks.Factorized().Head.weight!.mul_(tensor(8f));
        using var outcomes = Quadrature.BinaryOutcomes(features);
        Assert.Equal(new long[] { 8, features }, outcomes.shape);

        // Direct sum in double precision over the grid's logits.
        var grid = Quadrature.DecodeGrid(networks.Decoder);
        var weights = Quadrature.Standard.Weights;
        double Conditional(int g, int x) => Enumerable.Range(0, features)
            .Select(f => 1 / (1 + Math.Exp(-grid[g][f])))
            .Select((p, f) => ((x >> f) & 1) == 1 ? p : 1 - p)
            .Aggregate(1.0, (a, b) => a * b);
        var marginal = Enumerable.Range(0, 8).Select(x => Enumerable.Range(0, grid.Length).Sum(g => weights[g] * Conditional(g, x))).ToArray();
        double direct = Enumerable.Range(0, grid.Length).Sum(g => weights[g] * Enumerable.Range(0, 8)
            .Sum(x => Conditional(g, x) is var p && p > 0 ? p * Math.Log(p / marginal[x]) : 0));
        Assert.True(direct > 0.2, $"The test needs an informative decoder; I_p is {direct:F4}.");
        Assert.Equal(direct, Quadrature.EnumeratedInformation(networks.Decoder, outcomes), 1e-4);

        using (no_grad())
            networks.Factorized().Head.weight!.zero_();
        Assert.Equal(0, Quadrature.EnumeratedInformation(networks.Decoder, outcomes), 1e-9);
    }
}
