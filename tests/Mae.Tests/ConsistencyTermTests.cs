using Mae;
using Mae.Modeling;
using Mae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The terms that tie the code to the information target: the marginal matching MMD, and the Gaussian bound's gradient when the encoder is r.</summary>
public class ConsistencyTermTests
{
    [Fact]
    public void MaximumMeanDiscrepancyMatchesItsDefinition()
    {
        const int d = 3;
        var random = new Random(4);
        double[][] Draw(int n, double shift) => Enumerable.Range(0, n)
            .Select(_ => Enumerable.Range(0, d).Select(_ => TestData.StandardNormal(random) + shift).ToArray()).ToArray();
        var a = Draw(40, 0);
        var b = Draw(30, 0.7);

        // Unbiased MMD² with the sum of inverse multiquadrics c/(c + ‖x − y‖²), c = s·2d, written out pair by pair.
        double[] scales = [0.1, 0.2, 0.5, 1, 2, 5, 10];
        double Kernel(double[] x, double[] y)
        {
            double squared = x.Zip(y, (p, q) => (p - q) * (p - q)).Sum();
            return scales.Sum(s => s * 2 * d / (s * 2 * d + squared));
        }
        double Mean(double[][] x, double[][] y, bool skipDiagonal)
        {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < x.Length; i++)
                for (int j = 0; j < y.Length; j++)
                {
                    if (skipDiagonal && i == j)
                        continue;
                    sum += Kernel(x[i], y[j]);
                    count++;
                }
            return sum / count;
        }
        double expected = Mean(a, a, true) + Mean(b, b, true) - 2 * Mean(a, b, false);

        using var discrepancy = new MaximumMeanDiscrepancy(d);
        Tensor ToTensor(double[][] x) => tensor(x.SelectMany(r => r.Select(v => (float)v)).ToArray(), [x.Length, d]);
        double actual = discrepancy.Squared(ToTensor(a), ToTensor(b)).item<float>();
        Assert.Equal(expected, actual, 1e-4);
        Assert.True(expected > 0.01, $"A shift of 0.7 should be seen; MMD² = {expected}.");

        // Two samples of one distribution: MMD² is unbiased, so it scatters around 0, far below the shifted case.
        double same = discrepancy.Squared(ToTensor(Draw(200, 0)), ToTensor(Draw(200, 0))).item<float>();
        Assert.True(Math.Abs(same) < 0.25 * expected, $"MMD² of one distribution {same} against {expected} for the shift.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MaximumMeanDiscrepancyGradientMatchesAutogradOfItsDefinition(bool secondSampleLearns)
    {
        // Reference: the kernel matrix written out in float64 and differentiated by autograd; the estimator's slopes must agree.
        const int d = 4;
        double[] scales = [0.1, 0.2, 0.5, 1, 2, 5, 10];
        using var generator = new Generator(11);
        using var aData = randn([50, d], generator: generator);
        using var bShift = full([], 0.5f);
        using var bData = randn([40, d], generator: generator).add(bShift, Scalars.One);

        var a64 = aData.to_type(ScalarType.Float64).requires_grad_(true);
        var b64 = bData.to_type(ScalarType.Float64).requires_grad_(secondSampleLearns);
        Tensor MeanKernel(Tensor x, Tensor y, bool skipDiagonal)
        {
            var squared = (x.unsqueeze(1) - y.unsqueeze(0)).pow(2).sum(2);
            Tensor kernel = zeros_like(squared);
            foreach (double s in scales)
            {
                using var c = (s * 2 * d).ToScalar();
                kernel = kernel + squared.add(c, Scalars.One).reciprocal().mul(c);
            }
            if (!skipDiagonal)
                return kernel.mean();
            var offDiagonal = ones_like(kernel) - eye(x.shape[0], dtype: ScalarType.Float64);
            return (kernel * offDiagonal).sum() / (x.shape[0] * (x.shape[0] - 1.0));
        }
        var reference = MeanKernel(a64, a64, true) + MeanKernel(b64, b64, true) - 2 * MeanKernel(a64, b64, false);
        reference.backward();

        using var discrepancy = new MaximumMeanDiscrepancy(d);
        var a = aData.clone().requires_grad_(true);
        var b = bData.clone().requires_grad_(secondSampleLearns);
        var actual = discrepancy.Squared(a, b);
        actual.backward();

        Assert.Equal(reference.item<double>(), actual.item<float>(), 1e-5);
        Assert.True(reference.item<double>() > 0.01, $"A shift of 0.5 should be seen; MMD² = {reference.item<double>()}.");
        double scale = a64.grad!.abs().max().item<double>();
        Assert.True(scale > 1e-4, $"The reference gradient is {scale}: nothing to compare.");
        Assert.True(a.grad!.to_type(ScalarType.Float64).allclose(a64.grad!, rtol: 1e-3, atol: 1e-4 * scale),
            $"Gradient with respect to the first sample differs by up to {(a.grad!.to_type(ScalarType.Float64) - a64.grad!).abs().max().item<double>()} (scale {scale}).");
        if (secondSampleLearns)
        {
            Assert.True(b.grad!.to_type(ScalarType.Float64).allclose(b64.grad!, rtol: 1e-3, atol: 1e-4 * scale),
                $"Gradient with respect to the second sample differs by up to {(b.grad!.to_type(ScalarType.Float64) - b64.grad!).abs().max().item<double>()}.");
        }
        else
        {
            Assert.Null(b.grad);
        }
    }

    [Fact]
    public void GaussianBoundGradientReachesTheDecoderAsDifferentiatingThroughRAndNeverReachesR()
    {
        const int draws = 64;
        manual_seed(5);
        using var networks = TestNetworks.Create(DecoderFamily.Gaussian, 3, 0, 2, [8], HiddenActivation.Tanh);
        using var z = randn(draws, 2);
        var decoder = networks.Decoder.parameters().ToArray();
        var auxiliary = networks.Auxiliary.parameters().ToArray();

        // Reference: mean log r(z | x) with x = m(z) + σ(z)·ε, differentiated through x and r alike; keep the decoder's part.
        using var referenceDraws = new Generator(9);
        var reference = Gradients(decoder, () =>
        {
            var halves = networks.Decoder.Condition(z).chunk(2, 1);
            var x = GaussianMath.Sample(halves[0], halves[1], referenceDraws);
            return GaussianNetwork.LogDensity(z, networks.Auxiliary.forward(x)).mean();
        });

        using var sameDraws = new Generator(9);
        foreach (var p in decoder.Concat(auxiliary))
            p.grad?.zero_();
        var terms = networks.Decoder.Information(networks.Decoder.Condition(z), z, networks.Auxiliary, sameDraws);
        terms.DecoderSurrogate.backward();
        var surrogate = decoder.Select(p => p.grad!.data<float>().ToArray()).ToArray();
        // The surrogate's gradient reaches no parameter of r: with the encoder as r, the penalty must not loosen the bound.
        Assert.All(auxiliary, p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));

        for (int i = 0; i < decoder.Length; i++)
            for (int j = 0; j < surrogate[i].Length; j++)
                Assert.Equal(reference[i][j], surrogate[i][j], 1e-5);
        Assert.Equal(terms.AuxiliaryObjective.item<float>(), terms.DecoderSurrogate.item<float>(), 6);
    }

    [Fact]
    public void EncoderServingAsRLeavesNoAuxiliaryNetworkAndEachFamilyTrains()
    {
        foreach (var family in new[] { DecoderFamily.Gaussian, DecoderFamily.Categorical, DecoderFamily.Bernoulli })
        {
            var options = TestData.Toy(family, 1.0, epochs: 2);
            options.LatentDimension = 2;
            options.BatchSize = 128;
            options.EncoderServesAsAuxiliary = true;
            var data = family switch
            {
                DecoderFamily.Categorical => TestData.UniformDigits(128 * 20),
                DecoderFamily.Bernoulli => TrainingData.FromSampler(4, 128 * 20, (r, row) => { for (int i = 0; i < 4; i++) row[i] = r.Next(2); }),
                _ => TestData.StandardNormalRows(128 * 20),
            };
            using var model = new MutualAutoencoderTrainer(options).Fit(data);
            Assert.Same(model.Networks.Encoder, model.Networks.Auxiliary);
            Assert.Empty(model.Networks.AuxiliaryParameters());
            Assert.All(model.Report.Epochs, e => Assert.True(double.IsFinite(e.InformationBound), $"{family}: Î_p {e.InformationBound}"));
        }
    }

    [Fact]
    public void PairwiseDensityByProductsMatchesTheDirectForm()
    {
        manual_seed(2);
        using var x = randn(50, 4).mul(1.5.ToScalar());
        using var parameters = cat([randn(70, 4), randn(70, 4).mul(0.5.ToScalar()).sub(1.0.ToScalar())], 1); // σ from about 0.3 to 1
        var direct = GaussianMath.PairwiseDiagonalLogDensity(x, parameters).data<float>().ToArray();
        var products = GaussianMath.PairwiseDiagonalLogDensityByProducts(x, parameters).data<float>().ToArray();
        for (int i = 0; i < direct.Length; i++)
            Assert.Equal(direct[i], products[i], 3e-3 * Math.Max(1, Math.Abs(direct[i])));
    }

    [Theory]
    [InlineData(2.0, 0.25)]
    [InlineData(0.6, 0.5)]
    public void CodeInformationFromTheRingMatchesTheLinearGaussianEncoder(double slope, double variance)
    {
        // q(z|x) = N(slope·x, variance) with x ~ N(0, 1): I_q = ½ ln(1 + slope²/variance). The ring holds 4,096 earlier rows,
        // the batch 256: the estimate over the mixture of all 4,352 posteriors is within its Monte-Carlo error of the closed form.
        const int batch = 256, ring = 4096;
        var random = new Random(6);
        Tensor Posteriors(int n)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)TestData.StandardNormal(random)).ToArray();
            using var xs = tensor(x, [n, 1]);
            return cat([xs.mul(slope.ToScalar()), full(n, 1, Math.Log(variance))], 1);
        }
        using var bank = new AggregatePosteriorBank(ring, 1);
        for (int i = 0; i < ring / batch; i++)
            bank.Add(Posteriors(batch));
        manual_seed(4);
        using var draws = new Generator(4);
        double sum = 0;
        const int repeats = 8;
        for (int i = 0; i < repeats; i++)
        {
            var current = Posteriors(batch);
            var halves = current.chunk(2, 1);
            var z = GaussianMath.Sample(halves[0], halves[1], draws);
            sum += bank.Information(z, current).item<float>();
        }
        double expected = 0.5 * Math.Log(1 + slope * slope / variance);
        Assert.Equal(expected, sum / repeats, 0.05);
    }

    private static float[][] Gradients(Parameter[] parameters, Func<Tensor> objective)
    {
        foreach (var p in parameters)
            p.grad?.zero_();
        objective().backward();
        return parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray();
    }
}
