using Mae;

namespace Mae.Tests;

/// <summary>
/// The information target against a closed form on real-valued data: x = A s + σ ε with s ~ N(0, I_4), ε ~ N(0, I_20), σ = 1,
/// whose information I(x; s) = ½ ln det(I + AᵀA/σ²) is known. A code of d = 4 can hold up to that much about x; with M below
/// it the code the user gets must hold M.
/// </summary>
public class LinearFactorModelTests(LinearFactorModels models) : IClassFixture<LinearFactorModels>
{
    internal const int Features = 20, Factors = 4;

    /// <summary>The loading matrix A [20, 4], entries N(0, 1/4) from a fixed seed, and the data's I(x; s).</summary>
    internal static (double[,] Loadings, double Information) FactorModel()
    {
        var random = new Random(12);
        var loadings = new double[Features, Factors];
        for (int i = 0; i < Features; i++)
            for (int j = 0; j < Factors; j++)
                loadings[i, j] = 0.5 * TestData.StandardNormal(random);
        return (loadings, 0.5 * LogDeterminantOfIdentityPlusGram(loadings));
    }

    internal static TrainingData Rows(double[,] loadings, int rowsPerEpoch) => TrainingData.FromSampler(Features, rowsPerEpoch, (random, row) =>
    {
        Span<double> s = stackalloc double[Factors];
        for (int j = 0; j < Factors; j++)
            s[j] = TestData.StandardNormal(random);
        for (int i = 0; i < Features; i++)
        {
            double x = TestData.StandardNormal(random);
            for (int j = 0; j < Factors; j++)
                x += loadings[i, j] * s[j];
            row[i] = (float)x;
        }
    });

    [Fact]
    public void TheClosedFormIsTheLogDeterminant()
    {
        // A single factor loading a on one feature: ½ ln(1 + a²).
        var one = new double[Features, Factors];
        one[3, 1] = 2;
        Assert.Equal(0.5 * Math.Log(5), 0.5 * LogDeterminantOfIdentityPlusGram(one), 12);
        var (_, information) = FactorModel();
        Assert.InRange(information, 3.0, 6.0);
    }

    [Theory]
    [MemberData(nameof(LinearFactorModels.Cases), MemberType = typeof(LinearFactorModels))]
    public void TheCodeHoldsTheTargetBelowTheDataInformation(double target)
    {
        var (_, information) = FactorModel();
        Assert.True(target < information, $"M = {target} must lie below I(x; s) = {information:F3}.");
        var model = models.ByTarget[target];
        var final = model.Report.Final;
        Assert.True(model.Report.EvaluationRowsHeldOut);
        Assert.True(Math.Abs(final.AggregatePosteriorInformation - target) <= 0.15 * target,
            $"M = {target}: held-out I_q = {final.AggregatePosteriorInformation:F3} (cap {final.InformationCap:F2}), Î_p = {final.InformationBound:F3}, " +
            $"KL(q(z) ‖ p(z)) = {final.MarginalDivergence:F3}, I(x; s) = {information:F3}.");
    }

    /// <summary>ln det(I + AᵀA) by Cholesky of the factors × factors matrix.</summary>
    private static double LogDeterminantOfIdentityPlusGram(double[,] a)
    {
        int k = a.GetLength(1), f = a.GetLength(0);
        var m = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double sum = i == j ? 1 : 0;
                for (int r = 0; r < f; r++)
                    sum += a[r, i] * a[r, j];
                m[i, j] = sum;
            }
        double logDeterminant = 0;
        for (int j = 0; j < k; j++)
        {
            double diagonal = m[j, j];
            for (int p = 0; p < j; p++)
                diagonal -= m[j, p] * m[j, p];
            double pivot = Math.Sqrt(diagonal);
            m[j, j] = pivot;
            logDeterminant += 2 * Math.Log(pivot);
            for (int i = j + 1; i < k; i++)
            {
                double value = m[i, j];
                for (int p = 0; p < j; p++)
                    value -= m[i, p] * m[j, p];
                m[i, j] = value / pivot;
            }
        }
        return logDeterminant;
    }
}

/// <summary>The factor model's fits, one per target, all three at once (equal lengths: three at once finish sooner than two at a time).</summary>
public sealed class LinearFactorModels : IDisposable
{
    public static TheoryData<double> Cases => [.. Targets];

    private static double[] Targets => [0.5, 1.0, 2.0];

    public LinearFactorModels()
    {
        var (loadings, _) = LinearFactorModelTests.FactorModel();
        var models = Fits.Run(3, [.. Targets.Select(target => (Func<MutualAutoencoderModel>)(() => Fit(loadings, target)))]);
        for (int i = 0; i < Targets.Length; i++)
            ByTarget[Targets[i]] = models[i];
    }

    public Dictionary<double, MutualAutoencoderModel> ByTarget { get; } = [];

    private static MutualAutoencoderModel Fit(double[,] loadings, double target)
    {
        var options = new MutualAutoencoderOptions
        {
            Decoder = DecoderFamily.Gaussian,
            LatentDimension = LinearFactorModelTests.Factors,
            HiddenSizes = [64, 64],
            BatchSize = 256,
            NumberOfEpochs = TestSizes.LinearFactor.Epochs,
            TargetInformation = target,
            Seed = 2,
            EvaluationSampleSize = 4096,
        };
        return new MutualAutoencoderTrainer(options).Fit(LinearFactorModelTests.Rows(loadings, options.BatchSize * TestSizes.LinearFactor.StepsPerEpoch));
    }

    public void Dispose()
    {
        foreach (var model in ByTarget.Values)
            model.Dispose();
    }
}
