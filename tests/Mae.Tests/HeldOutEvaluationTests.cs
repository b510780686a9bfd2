using Mae;
using Mae.MLNet;
using Mae.Tests.MLNet;
using Mae.Modeling;
using Mae.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The rows that judge the code are kept out of training, and the figures computed on them match closed forms.</summary>
public class HeldOutEvaluationTests
{
    /// <summary>Rows whose first feature is the row's index, so that a batch row names its source row.</summary>
    private static float[] IndexedRows(int count, int width = 2)
    {
        var values = new float[count * width];
        for (int row = 0; row < count; row++)
            values[row * width] = row;
        return values;
    }

    private static List<long> TrainedRows(TrainingData data, Random random) =>
        data.GetBatches(64, random).SelectMany(batch => Enumerable.Range(0, batch.Rows).Select(r => (long)batch.Values[r * data.FeatureCount])).ToList();

    [Fact]
    public void ArrayRowsHeldOutNeverTrainAndEveryOtherRowTrainsOncePerEpoch()
    {
        var data = TrainingData.FromArray(IndexedRows(1000), 2);
        var split = data.SplitEvaluation(150, new Random(4));
        Assert.True(split.HeldOut);
        Assert.Equal(150, split.RowCount);
        var heldOut = Enumerable.Range(0, 150).Select(r => (long)split.Rows[r * 2]).ToHashSet();
        Assert.Equal(150, heldOut.Count);
        Assert.Equal(heldOut, split.RowNumbers!.ToHashSet());

        var random = new Random(9);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var trained = TrainedRows(split.Training, random);
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i).Where(i => !heldOut.Contains(i)), trained.Order());
        }
        Assert.Equal((850 + 63) / 64, split.Training.BatchesPerEpoch(64));
    }

    [Theory]
    [InlineData(1000, 500, 200, true)]  // at most a fifth
    [InlineData(10, 2048, 2, true)]     // the smallest data that can spare two rows
    [InlineData(9, 2048, 9, false)]     // too small: its rows are lent, and train too
    public void ArrayDataHoldsOutAtMostAFifthAndLendsItsRowsWhenTooSmall(int rows, int wanted, int expected, bool heldOut)
    {
        var split = TrainingData.FromArray(IndexedRows(rows), 2).SplitEvaluation(wanted, new Random(1));
        Assert.Equal(expected, split.RowCount);
        Assert.Equal(heldOut, split.HeldOut);
        int trained = TrainedRows(split.Training, new Random(2)).Count;
        Assert.Equal(heldOut ? rows - expected : rows, trained);
    }

    [Fact]
    public void SampledDataEvaluatesOnFreshDrawsAndTrainsAsBefore()
    {
        int draws = 0;
        var data = TrainingData.FromSampler(1, 256, (random, row) => { row[0] = random.Next(10); draws++; });
        var split = data.SplitEvaluation(300, new Random(1));
        Assert.True(split.HeldOut);
        Assert.Equal(300, split.RowCount);
        Assert.Equal(300, draws);
        Assert.Same(data, split.Training);
    }

    [Fact]
    public void DataViewRowsHeldOutNeverTrain()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(1000);
        var view = PipelineData.Load(mlContext, rows);
        var column = InputColumn.FromSchema(view.Schema, "Features", DecoderFamily.Gaussian);
        var data = new DataViewTrainingData(view, column, bufferRows: 100, CancellationToken.None);
        var split = data.SplitEvaluation(100, new Random(3));
        Assert.True(split.HeldOut);
        Assert.Equal(100, split.RowCount);
        for (int r = 0; r < 100; r++)
            Assert.Equal(rows[split.RowNumbers![r]].Features, split.Rows.AsSpan(r * PipelineData.Width, PipelineData.Width).ToArray());

        var trained = split.Training.GetBatches(64, new Random(5)).SelectMany(b => b.RowNumbers!.Take(b.Rows).ToArray()).ToList();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i).Except(split.RowNumbers!), trained.Order());
        Assert.Equal((900 + 63) / 64, split.Training.BatchesPerEpoch(64));
        // The chosen rows spread over the whole view, not its start.
        Assert.True(split.RowNumbers!.Max() > 500 && split.RowNumbers!.Min() < 500);
    }

    [Fact]
    public void ReportNamesItsEvaluationRowsAndTheirCap()
    {
        var options = new MutualAutoencoderOptions
        {
            Decoder = DecoderFamily.Gaussian, LatentDimension = 2, HiddenSizes = [16], BatchSize = 100, NumberOfEpochs = 2,
            TargetInformation = 5, Seed = 3, EvaluationSampleSize = 64, EvaluationPriorSampleSize = 128,
        };
        var values = StandardNormalValues(2000 * 3, new Random(1));
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(values, 3));
        var report = model.Report;
        Assert.True(report.EvaluationRowsHeldOut);
        // Each epoch but the last on EvaluationSampleSize rows; the last on all the held-out rows: asked for so that ln N ≥ M + 1
        // (e⁶ → 404 rows), and limited to a fifth of the 2,000 rows.
        Assert.Equal(64, report.Epochs[0].EvaluationRowCount);
        Assert.Equal((int)Math.Ceiling(Math.Exp(6)), MutualAutoencoderTrainer.EvaluationRowCount(options));
        int expected = 400;
        Assert.Equal(expected, report.Final.EvaluationRowCount);
        Assert.Equal(Math.Log(expected), report.Final.InformationCap, 12);
        Assert.True(report.Final.AggregatePosteriorInformation <= report.Final.InformationCap);
        // Row by row the own posterior only adds to the mixture, so the leave-one-out estimate is never the lower (up to rounding).
        Assert.True(report.Final.LeaveOneOutInformation >= report.Final.AggregatePosteriorInformation - 1e-6);
        Assert.Equal(MutualAutoencoderTrainer.FinalInformationDraws(expected), report.Final.EvaluationDraws);
        Assert.Equal(1, report.Epochs[0].EvaluationDraws);
    }

    [Theory]
    [InlineData(2, 16)]
    [InlineData(73, 16)]
    [InlineData(400, 6)]
    [InlineData(2047, 2)]
    [InlineData(2048, 1)]
    [InlineData(16384, 1)]
    public void TheLastEpochAveragesDrawsOnlyOnSmallEvaluationSets(int rows, int draws) =>
        Assert.Equal(draws, MutualAutoencoderTrainer.FinalInformationDraws(rows));

    /// <summary>
    /// A ReLU trunk [max(x,0), max(−x,0)] and head mean = slope·x, log-variance = ln variance: an encoder of one feature with
    /// q(z|x) = N(slope·x, variance), whose information figures have closed forms for x ~ N(0, 1).
    /// </summary>
    private static MutualAutoencoderNetworks LinearGaussianEncoder(double slope, double variance)
    {
        var networks = TestNetworks.Create(DecoderFamily.Gaussian, 1, 0, 1, [2], HiddenActivation.Relu);
        TestData.MakeLinearGaussian(networks.Encoder.Hidden, networks.Encoder.Head, slope, Math.Log(variance));
        return networks;
    }

    private static float[] StandardNormalValues(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => (float)TestData.StandardNormal(random)).ToArray();

    [Theory]
    [InlineData(2.0, 0.25)]
    [InlineData(0.6, 0.5)]
    public void EncodedFiguresMatchTheLinearGaussianEncoder(double slope, double variance)
    {
        // A ReLU trunk [max(x,0), max(−x,0)] and head mean = slope·x, log-variance = ln variance: q(z|x) = N(slope·x, variance),
        // x ~ N(0, 1). Then I_q = ½ ln(1 + slope²/variance), rate = ½(slope² + variance − 1 − ln variance), and
        // q(z) = N(0, slope² + variance), so KL(q(z) ‖ p(z)) = ½(v − 1 − ln v) with v = slope² + variance.
        using var networks = LinearGaussianEncoder(slope, variance);
        const int n = 8192;
        var random = new Random(2);
        var x = StandardNormalValues(n, random);
        using var draws = new Generator(3);
        var figures = Diagnostics.Encoded(networks, tensor(x, [n, 1]), draws);

        double information = 0.5 * Math.Log(1 + slope * slope / variance);
        double rate = 0.5 * (slope * slope + variance - 1 - Math.Log(variance));
        double v = slope * slope + variance;
        Assert.Equal(n, figures.RowCount);
        Assert.Equal(Math.Log(n), figures.InformationCap, 12);
        // Monte-Carlo and finite-N error of the estimator: a few hundredths of a nat at 8,192 rows.
        Assert.Equal(information, figures.AggregatePosteriorInformation, 0.04);
        Assert.Equal(rate, figures.Rate, 0.03);
        Assert.Equal(0.5 * (v - 1 - Math.Log(v)), figures.MarginalDivergence, 0.05);
        Assert.Equal(1, figures.ActiveUnits);
        // On many rows the leave-one-out estimate closes in on the same truth from above.
        Assert.Equal(information, figures.LeaveOneOutInformation, 0.04);
        Assert.True(figures.LeaveOneOutInformation >= figures.AggregatePosteriorInformation - 1e-6);
        Assert.Equal(1, figures.Draws);
    }

    [Theory]
    [InlineData(2.0, 0.25)]    // I_q = 1.42 nats
    [InlineData(10.0, 0.25)]   // I_q = 3.00 nats, near the cap ln 128 = 4.85
    public void OnFewRowsTheTwoEstimatesBracketTheLinearGaussianInformation(double slope, double variance)
    {
        // q(z|x) = N(slope·x, variance), x ~ N(0, 1), as above, judged on 128 rows at a time: the aggregate-posterior estimate
        // falls short of the truth and the leave-one-out estimate overshoots it, each on average over 24 sets of rows.
        using var networks = LinearGaussianEncoder(slope, variance);
        double information = 0.5 * Math.Log(1 + slope * slope / variance);
        const int n = 128, sets = 24;
        var random = new Random(5);
        double lower = 0, upper = 0;
        for (int set = 0; set < sets; set++)
        {
            var x = StandardNormalValues(n, random);
            using var generator = new Generator((ulong)(100 + set));
            using var rows = tensor(x, [n, 1]);
            var figures = Diagnostics.Encoded(networks, rows, generator, draws: 4);
            Assert.Equal(4, figures.Draws);
            Assert.True(figures.AggregatePosteriorInformation <= figures.InformationCap + 1e-9);
            lower += figures.AggregatePosteriorInformation / sets;
            upper += figures.LeaveOneOutInformation / sets;
        }
        Assert.True(lower < information - 0.02, $"aggregate-posterior estimate {lower:F3}, truth {information:F3}");
        Assert.True(upper > information + 0.02, $"leave-one-out estimate {upper:F3}, truth {information:F3}");
        // Measured: 1.39 and 1.47 about 1.42; 2.88 and 4.16 about 3.00. The lower estimate stays within a few tenths of a
        // nat; the upper one is loose when the codes are sharp against the rows' spacing.
        Assert.InRange(lower, information - 0.3, information);
        Assert.InRange(upper, information, information + 1.5);
    }

    [Fact]
    public void MoreDrawsSteadyTheEstimateWithoutMovingIt()
    {
        // The same 128 rows under 12 generators: 16 draws a row cut the spread of I_q about fourfold and keep its mean.
        using var networks = LinearGaussianEncoder(10.0, 0.25);
        const int n = 128;
        var random = new Random(6);
        using var rows = tensor(StandardNormalValues(n, random), [n, 1]);
        double[] Estimates(int draws) => Enumerable.Range(0, 12).Select(seed =>
        {
            using var generator = new Generator((ulong)(200 + seed));
            return Diagnostics.Encoded(networks, rows, generator, draws).AggregatePosteriorInformation;
        }).ToArray();
        var one = Estimates(1);
        var sixteen = Estimates(16);
        static double Spread(double[] values) => Math.Sqrt(values.Select(v => (v - values.Average()) * (v - values.Average())).Sum() / (values.Length - 1));
        Assert.True(Spread(sixteen) < 0.5 * Spread(one), $"spread with 16 draws {Spread(sixteen):F4}, with one {Spread(one):F4}");
        Assert.True(Math.Abs(sixteen.Average() - one.Average()) < 3 * Spread(one) / Math.Sqrt(12), $"means {sixteen.Average():F4} and {one.Average():F4}");
    }

    [Fact]
    public void AShortfallOfTheCodeIsWarnedWithBothNumbersAndTheBaselinesAreNot()
    {
        // One short epoch cannot reach 4 nats in the code of 8 features of noise.
        var options = new MutualAutoencoderOptions
        {
            Decoder = DecoderFamily.Gaussian, LatentDimension = 2, HiddenSizes = [16], BatchSize = 256, NumberOfEpochs = 1,
            TargetInformation = 4, Seed = 3, EvaluationSampleSize = 512, EvaluationPriorSampleSize = 128, LearningRate = 1e-4,
        };
        var values = StandardNormalValues(4000 * 8, new Random(1));
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(values, 8));
        var final = model.Report.Final;
        Assert.True(final.AggregatePosteriorInformation < 0.8 * 4, $"I_q = {final.AggregatePosteriorInformation}: the setting no longer falls short.");
        Assert.NotNull(final.Warning);
        Assert.Contains(final.AggregatePosteriorInformation.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), final.Warning);
        Assert.Contains("min(M = 4", final.Warning);
        Assert.Contains($"leave-one-out estimate, an upper bound, reads {final.LeaveOneOutInformation.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", final.Warning);
        Assert.Contains(nameof(MutualAutoencoderOptions.RateMultiplierLearningRate), final.Warning);

        options.Objective = MutualAutoencoderObjective.VariationalAutoencoder;
        using var baseline = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(values, 8));
        Assert.Null(baseline.Report.Final.Warning);
    }

    [Theory]
    [InlineData(2.9, false)]   // the upper estimate falls short too: the code is short
    [InlineData(3.3, true)]    // it clears 0.8 · M: too few rows to tell
    public void TheWarningSaysWhenTooFewRowsCannotTellAShortCode(double leaveOneOut, bool inconclusive)
    {
        var trainer = new MutualAutoencoderTrainer(new MutualAutoencoderOptions { TargetInformation = 4 });
        var encoded = new InformationEvaluation(rowCount: 140, information: 2.5, leaveOneOutInformation: leaveOneOut, rate: 3.5, activeUnits: 3, draws: 15);
        string? warning = trainer.InformationWarning(encoded, heldOut: true);
        Assert.NotNull(warning);
        Assert.Contains("I_q = 2.50 nats on 140 held-out rows", warning);
        Assert.Contains($"reads {leaveOneOut.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", warning);
        Assert.Equal(inconclusive, warning.Contains("140 rows cannot tell a short code", StringComparison.Ordinal));
        // Above 0.8 · min(M, cap) there is nothing to warn of.
        Assert.Null(trainer.InformationWarning(new InformationEvaluation(140, 3.3, 3.6, 3.9, 3, 15), heldOut: true));
    }

    [Fact]
    public void ModelAndTransformerEvaluateRowsTheyAreGiven()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(600);
        var view = PipelineData.Load(mlContext, rows);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick()).Fit(view);
        var fromView = transformer.EvaluateInformation(view, maximumRows: 500);
        Assert.Equal(500, fromView.RowCount);
        Assert.Equal(Math.Log(500), fromView.InformationCap, 12);
        Assert.InRange(fromView.AggregatePosteriorInformation, -0.05, fromView.InformationCap);
        Assert.True(fromView.Rate >= fromView.AggregatePosteriorInformation - 0.05, $"rate {fromView.Rate} < I_q {fromView.AggregatePosteriorInformation}");

        var model = transformer.Model;
        var values = rows.Take(500).SelectMany(r => r.Features).ToArray();
        var direct = model.EvaluateInformation(values);
        // Only the draws z ~ q(z|x) differ; the rate is deterministic.
        Assert.Equal(fromView.Rate, direct.Rate, 1e-4);
        Assert.Equal(fromView.ActiveUnits, direct.ActiveUnits);
        // One draw is the plain call; more draws average the figures of the same rows, and the rate does not depend on them.
        var once = model.EvaluateInformation(values, draws: 1);
        Assert.Equal(direct.AggregatePosteriorInformation, once.AggregatePosteriorInformation);
        Assert.Equal(direct.LeaveOneOutInformation, once.LeaveOneOutInformation);
        var averaged = transformer.EvaluateInformation(view, maximumRows: 500, draws: 8);
        Assert.Equal(8, averaged.Draws);
        Assert.Equal(direct.Rate, averaged.Rate, 1e-4);
        Assert.True(averaged.LeaveOneOutInformation >= averaged.AggregatePosteriorInformation - 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EvaluateInformation(values, draws: 0));
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => model.EvaluateInformation(values, draws: MutualAutoencoderModel.MaximumInformationDraws + 1));
        Assert.Equal("draws", tooMany.ParamName);
        Assert.Contains($"between 1 and {MutualAutoencoderModel.MaximumInformationDraws}; got {MutualAutoencoderModel.MaximumInformationDraws + 1}", tooMany.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.EvaluateInformation(view, maximumRows: 500, draws: 0));
        var error = Assert.Throws<ArgumentException>(() => model.EvaluateInformation(values.AsSpan(0, PipelineData.Width)));
        Assert.Contains("at least 2 rows; got 1", error.Message);

        // The importance-sampled log p(x) of the view's first rows is the model's on the same rows: both draw from the seeded generator.
        double likelihoodFromView = transformer.EstimateLogLikelihood(view, samples: 20, maximumRows: 100);
        Assert.Equal(model.EstimateLogLikelihood(values.AsSpan(0, 100 * PipelineData.Width), samples: 20), likelihoodFromView, 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.EstimateLogLikelihood(view, samples: 0));
    }
}
