using Mae;
using Mae.Training;

namespace Mae.Tests;

/// <summary>Trains the paper's two toy problems once per target; the tests check the results against quadrature.</summary>
public sealed class PaperToyModels : IDisposable
{
    public const int StepsPerEpoch = 1000;

    public PaperToyModels()
    {
        foreach (double target in CategoricalTargets)
        {
            var options = TestData.Toy(DecoderFamily.Categorical, target, epochs: 4);
            Categorical[target] = new MutualAutoencoderTrainer(options).Fit(TestData.UniformDigits(1024 * StepsPerEpoch));
        }
        foreach (double target in NormalTargets)
        {
            var options = TestData.Toy(DecoderFamily.Gaussian, target, epochs: 5);
            Normal[target] = new MutualAutoencoderTrainer(options).Fit(TestData.StandardNormalRows(1024 * StepsPerEpoch));
        }
        var vae = TestData.Toy(DecoderFamily.Gaussian, 0, epochs: 4);
        vae.Objective = MutualAutoencoderObjective.VariationalAutoencoder;
        NormalVae = new MutualAutoencoderTrainer(vae).Fit(TestData.StandardNormalRows(1024 * StepsPerEpoch));
    }

    public static double[] CategoricalTargets => [0.5, 1.0, 1.5, 2.0];

    public static double[] NormalTargets => [0.4, 0.8, 1.2];

    public Dictionary<double, MutualAutoencoderModel> Categorical { get; } = [];

    public Dictionary<double, MutualAutoencoderModel> Normal { get; } = [];

    public MutualAutoencoderModel NormalVae { get; }

    public void Dispose()
    {
        foreach (var model in Categorical.Values.Concat(Normal.Values).Append(NormalVae))
            model.Dispose();
    }
}

public class PaperToyTests(PaperToyModels models) : IClassFixture<PaperToyModels>
{
    public static TheoryData<double> CategoricalTargets => [.. PaperToyModels.CategoricalTargets];

    public static TheoryData<double> NormalTargets => [.. PaperToyModels.NormalTargets];

    [Theory]
    [MemberData(nameof(CategoricalTargets))]
    public void CategoricalMeetsTheTargetExactlyAndKeepsTheUniformMarginal(double target)
    {
        var model = models.Categorical[target];
        double exact = Quadrature.CategoricalInformation(model.Networks.Decoder);
        Assert.InRange(exact, target - 0.1, target + 0.1);
        Assert.Equal(exact, model.Report.Final.ExactInformation!.Value, 1e-9);

        Assert.InRange(Quadrature.DivergenceFromUniform(model.Networks.Decoder), 0, 0.02);
    }

    [Theory]
    [MemberData(nameof(NormalTargets))]
    public void SplittingTheNormalMeetsTheTargetAndKeepsTheStandardNormalMarginal(double target)
    {
        var model = models.Normal[target];
        double exact = Quadrature.GaussianInformation(model.Networks.Decoder);
        Assert.InRange(exact, target - 0.05, target + 0.05);
        Assert.InRange(Quadrature.DivergenceFromStandardNormal(model.Networks.Decoder), 0, 0.01);
    }

    [Fact]
    public void PlainVaeCollapsesOnTheNormal()
    {
        double exact = Quadrature.GaussianInformation(models.NormalVae.Networks.Decoder);
        Assert.InRange(exact, 0, 0.05);
        Assert.InRange(Quadrature.DivergenceFromStandardNormal(models.NormalVae.Networks.Decoder), 0, 0.01);
    }

    [Fact]
    public void TheBoundNeverExceedsExactInformationBeyondMonteCarloError()
    {
        foreach (var model in models.Categorical.Values.Concat(models.Normal.Values).Append(models.NormalVae))
        {
            double exact = model.Report.Final.ExactInformation!.Value;
            // Independent batches of the estimator give its Monte-Carlo standard error.
            using var draws = new TorchSharp.torch.Generator(11);
            var estimates = Enumerable.Range(0, 16).Select(_ => Diagnostics.InformationBound(model.Networks, 8192, draws)).ToArray();
            double mean = estimates.Average();
            double standardError = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / (estimates.Length - 1) / estimates.Length);
            Assert.True(mean <= exact + 3 * standardError + 1e-6,
                $"M = {model.Report.TargetInformation}: bound {mean:F4} ± {standardError:F4} exceeds exact {exact:F4}.");
            Assert.True(model.Report.Final.InformationBound <= exact + 0.05);
        }
    }
}
