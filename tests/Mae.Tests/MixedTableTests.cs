using Mae;
using Mae.Modeling.Columns;

namespace Mae.Tests;

/// <summary>
/// A table of every kind of column, generated from two latent factors s ~ N(0, I_2), with a fifth of its cells hidden completely at
/// random: height and weight (real, one column of two slots), income (positive), visits (count), a segment that is the height's
/// band (categorical, a function of a numeric column) and membership (binary). The MAE trains at three targets, for the
/// information tests, and a plain VAE for the imputation tests; two fits at a time.
/// </summary>
public sealed class MixedTableModels : IDisposable
{
    internal static readonly TableSpecification Table = new(
    [
        new("Body", ColumnKind.Real, Width: 2),
        new("Income", ColumnKind.Positive),
        new("Visits", ColumnKind.Count),
        new("Segment", ColumnKind.Categorical, ClassCount: 4),
        new("Member", ColumnKind.Binary),
    ]);

    public const int Width = 6, HeightCell = 0, WeightCell = 1, SegmentCell = 4;

    public static double[] Targets => [0.5, 1.0, 2.0];


    public MixedTableModels()
    {
        (Complete, Rows) = Generate(TestSizes.Tables.Rows, seed: 1, hiddenFraction: 0.2);
        double[] targets = [.. Targets.Reverse()];
        var models = Fits.Run([.. targets.Select(target => (Func<MutualAutoencoderModel>)(() => Fit(MutualAutoencoderObjective.MutualAutoencoder, target))),
            () => Fit(MutualAutoencoderObjective.MutualAutoencoder, 2.0, encoderCellDropout: 0.5),
            () => Fit(MutualAutoencoderObjective.VariationalAutoencoder, 0)]);
        for (int i = 0; i < targets.Length; i++)
            ByTarget[targets[i]] = models[i];
        HiddenFromEncoder = models[^2];
        Vae = models[^1];
    }

    /// <summary>The MAE at M = 2 trained with <see cref="MutualAutoencoderOptions.EncoderCellDropout"/> = 0.5.</summary>
    public MutualAutoencoderModel HiddenFromEncoder { get; }

    /// <summary>The generated table before any cell was hidden.</summary>
    public float[] Complete { get; }

    /// <summary>The table that trained the models: NaN in the hidden cells.</summary>
    public float[] Rows { get; }

    /// <summary>The MAE at each of <see cref="Targets"/>.</summary>
    public Dictionary<double, MutualAutoencoderModel> ByTarget { get; } = [];

    /// <summary>
    /// The plain VAE on the same table, which imputes. Measured after 12 epochs (the run of 7 December 2026, the last epoch's I_q
    /// averaging two draws a row): its code holds 1.74 nats, and it imputes the segment far better than the MAE at M = 2 (2.06
    /// nats): error 0.208 against 0.576 (the mode's is
    /// 0.659; an earlier release measured 0.192 against 0.483). After 20 epochs the
    /// figures were 0.148 against 0.366, and an MAE at M = 4 did worse still (0.579, and a weight RMSE 1.05 of the mean's): the
    /// constraint on I_p bends the decoder away from the conditional that the imputation reads.
    /// </summary>
    public MutualAutoencoderModel Vae { get; }

    private MutualAutoencoderModel Fit(MutualAutoencoderObjective objective, double target, double encoderCellDropout = 0) => new MutualAutoencoderTrainer(new MutualAutoencoderOptions
    {
        EncoderCellDropout = encoderCellDropout,
        Objective = objective,
        Table = Table,
        LatentDimension = 2,
        HiddenSizes = [64, 64],
        BatchSize = 256,
        NumberOfEpochs = TestSizes.Tables.Epochs,
        MinimumNumberOfSteps = 0,   // the figures above were measured at these epochs
        PriorSampleSize = 1024,     // and with these draws (a table now defaults to 256)
        TargetInformation = target,
        Seed = 4,
        EvaluationSampleSize = 2048,
    }).Fit(TrainingData.FromArray(Rows, Width));

    /// <summary>Rows of the table, and a copy with each cell hidden (NaN) with probability <paramref name="hiddenFraction"/>, at least one cell kept per row.</summary>
    public static (float[] Complete, float[] Hidden) Generate(int count, int seed, double hiddenFraction)
    {
        var random = new Random(seed);
        var complete = new float[count * Width];
        for (int r = 0; r < count; r++)
        {
            double s0 = TestData.StandardNormal(random), s1 = TestData.StandardNormal(random);
            double height = 170 + 10 * (s0 + 0.1 * TestData.StandardNormal(random));
            double weight = 70 + 8 * (0.7 * s0 + 0.7 * s1 + 0.3 * TestData.StandardNormal(random));
            double income = Math.Exp(3 + 0.5 * s1 + 0.2 * TestData.StandardNormal(random));
            int visits = Poisson(random, Math.Exp(0.5 + 0.5 * s0));
            int segment = (height > 160 ? 1 : 0) + (height > 170 ? 1 : 0) + (height > 180 ? 1 : 0);
            int member = random.NextDouble() < 1 / (1 + Math.Exp(-2 * s1)) ? 1 : 0;
            float[] row = [(float)height, (float)weight, (float)income, visits, segment, member];
            row.CopyTo(complete, r * Width);
        }
        var hidden = (float[])complete.Clone();
        for (int r = 0; r < count; r++)
        {
            int kept = random.Next(Width);
            for (int c = 0; c < Width; c++)
            {
                if (c != kept && random.NextDouble() < hiddenFraction)
                    hidden[r * Width + c] = float.NaN;
            }
        }
        return (complete, hidden);
    }

    private static int Poisson(Random random, double rate)
    {
        double limit = Math.Exp(-rate), product = random.NextDouble();
        int k = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            k++;
        }
        return k;
    }

    public void Dispose()
    {
        foreach (var model in ByTarget.Values)
            model.Dispose();
        HiddenFromEncoder.Dispose();
        Vae.Dispose();
    }
}

public sealed class MixedTableTests(MixedTableModels models, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<MixedTableModels>
{
    public static TheoryData<double> Targets => [.. MixedTableModels.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public void TheCodeOfAnIncompleteMixedTableHoldsTheTarget(double target)
    {
        var final = models.ByTarget[target].Report.Final;
        output.WriteLine($"M = {target}: held-out I_q {final.AggregatePosteriorInformation:F3} (cap {final.InformationCap:F2}), Î_p {final.InformationBound:F3}, " +
            $"KL(q(z) ‖ p(z)) {final.MarginalDivergence:F3}, ELBO {final.Elbo:F3}, {final.Seconds:F0} s");
        Assert.True(models.ByTarget[target].Report.EvaluationRowsHeldOut);
        Assert.True(double.IsFinite(final.Elbo) && double.IsFinite(final.InformationBound));
        Assert.True(Math.Abs(final.AggregatePosteriorInformation - target) <= 0.15 * target,
            $"M = {target}: held-out I_q = {final.AggregatePosteriorInformation:F3}, Î_p = {final.InformationBound:F3}.");
    }

    /// <summary>2,000 fresh rows with every cell observed, and a copy with the segment hidden (NaN).</summary>
    private static (float[] Complete, float[] Rows) RowsWithTheSegmentHidden()
    {
        var (complete, _) = MixedTableModels.Generate(2000, seed: 9, hiddenFraction: 0);
        var rows = (float[])complete.Clone();
        for (int i = MixedTableModels.SegmentCell; i < rows.Length; i += MixedTableModels.Width)
            rows[i] = float.NaN;
        return (complete, rows);
    }

    /// <summary>The share of rows whose imputed segment is wrong; every other cell must come back as observed.</summary>
    private static double SegmentErrorRate(float[] complete, float[] imputed)
    {
        int rows = complete.Length / MixedTableModels.Width, errors = 0;
        for (int r = 0; r < rows; r++)
        {
            int i = r * MixedTableModels.Width;
            errors += imputed[i + MixedTableModels.SegmentCell] == complete[i + MixedTableModels.SegmentCell] ? 0 : 1;
            for (int c = 0; c < MixedTableModels.Width; c++)
            {
                if (c != MixedTableModels.SegmentCell)
                    Assert.Equal(complete[i + c], imputed[i + c]);
            }
        }
        return (double)errors / rows;
    }

    [Fact]
    public void ImputationOfTheSegmentFromTheHeightBeatsTheModeByAWideMargin()
    {
        // Fresh rows with the segment hidden and the height observed: the segment is the height's band, so a model that has
        // learnt the table predicts it; the mode of the training segments is right for about a third of the rows.
        var (complete, rows) = RowsWithTheSegmentHidden();
        var counts = new int[4];
        for (int r = 0; r < models.Rows.Length / MixedTableModels.Width; r++)
        {
            float segment = models.Rows[r * MixedTableModels.Width + MixedTableModels.SegmentCell];
            if (!float.IsNaN(segment))
                counts[(int)segment]++;
        }
        int mode = Array.IndexOf(counts, counts.Max());

        int modeErrors = 0;
        for (int i = MixedTableModels.SegmentCell; i < complete.Length; i += MixedTableModels.Width)
            modeErrors += mode == complete[i] ? 0 : 1;
        double modeRate = modeErrors / 2000.0;

        var model = models.Vae;
        double modelRate = SegmentErrorRate(complete, model.Impute(rows)), maeRate = SegmentErrorRate(complete, models.ByTarget[2.0].Impute(rows));
        output.WriteLine($"segment error rate: VAE {modelRate:F3} (I_q {model.Report.Final.AggregatePosteriorInformation:F2}), MAE at M = 2 {maeRate:F3}, mode {modeRate:F3}");
        Assert.True(modelRate < 0.5 * modeRate, $"Imputed segments are wrong in {modelRate:P1} of rows, the mode in {modeRate:P1}.");

        // The rules over 16 draws, averaged and importance-weighted: deterministic (their draws come from the training seed), and
        // as good as the posterior mean's where the segment is a function of an observed cell.
        foreach (bool weighted in (bool[])[false, true])
        {
            var imputed = model.Impute(rows, posteriorDraws: 16, importanceWeighted: weighted);
            Assert.Equal(imputed, model.Impute(rows, posteriorDraws: 16, importanceWeighted: weighted));
            double rate = SegmentErrorRate(complete, imputed);
            string rule = weighted ? "weighted by importance over 16 draws a row" : "averaged over 16 posterior draws";
            output.WriteLine($"segment error rate {rule}: VAE {rate:F3}");
            Assert.True(rate < 0.5 * modeRate, $"Segments {rule} are wrong in {rate:P1} of rows, the mode in {modeRate:P1}.");
        }
    }

    [Fact]
    public void WithCellsHiddenFromTheEncoderTheCodeOfWholeRowsStillHoldsTheTarget()
    {
        // The same MAE (M = 2, same seed and data) trained with each observed cell hidden from the encoder with probability 0.5 at
        // every step. The encoder then sees fuller rows at evaluation than in training, and its code of a whole row says more
        // than that of a half row: steering β by the half rows' code gave a held-out I_q of 2.98 here. The step steers it by a
        // gradient-free pass over the whole rows, and the held-out I_q is back within 15% of M.
        var final = models.HiddenFromEncoder.Report.Final;
        var (complete, rows) = RowsWithTheSegmentHidden();
        double ErrorRate(MutualAutoencoderModel model) => SegmentErrorRate(complete, model.Impute(rows));
        // Reported, not asserted: on this table hiding cells does not improve the MAE's segment (0.611 against 0.576 when measured),
        // while on the public tables it improved the MAE at M = 5 (see the README).
        output.WriteLine($"held-out I_q {final.AggregatePosteriorInformation:F3} (without hiding {models.ByTarget[2.0].Report.Final.AggregatePosteriorInformation:F3}); " +
            $"segment error {ErrorRate(models.HiddenFromEncoder):F3} (without hiding {ErrorRate(models.ByTarget[2.0]):F3})");
        Assert.True(models.HiddenFromEncoder.Report.EvaluationRowsHeldOut);
        Assert.True(double.IsFinite(final.Elbo) && double.IsFinite(final.InformationBound));
        Assert.True(Math.Abs(final.AggregatePosteriorInformation - 2.0) <= 0.15 * 2.0,
            $"M = 2 with cells hidden from the encoder: held-out I_q = {final.AggregatePosteriorInformation:F3}, Î_p = {final.InformationBound:F3}.");
        // The option reached training: the last epoch's training ELBO, on codes of rows with half their cells hidden, is lower
        // than the same model's without hiding (the same seed and data would otherwise give the same figures, to the bit).
        double plainElbo = models.ByTarget[2.0].Report.Final.Elbo;
        output.WriteLine($"last epoch's training ELBO {final.Elbo:F3} (without hiding {plainElbo:F3})");
        Assert.True(final.Elbo < plainElbo - 0.1, $"Training ELBO {final.Elbo:F3} with cells hidden from the encoder, {plainElbo:F3} without.");
    }

    [Fact]
    public void IncompleteRowsScoreFromTheirObservedCellsAndAnImpossibleHeightStandsOut()
    {
        // Fresh rows with a fifth of the cells missing; ten of them get a height of 250 cm (eight standard deviations), observed.
        var (_, rows) = MixedTableModels.Generate(1000, seed: 12, hiddenFraction: 0.2);
        var planted = Enumerable.Range(0, 10).Select(k => 100 * k + 3).ToHashSet();
        foreach (int r in planted)
            rows[r * MixedTableModels.Width + MixedTableModels.HeightCell] = 250;
        foreach (var model in new[] { models.Vae, models.ByTarget[1.0] })
        {
            var scores = model.ScoreAnomalies(rows);
            Assert.All(scores, s => Assert.True(float.IsFinite(s)));
            var normal = Enumerable.Range(0, 1000).Where(r => !planted.Contains(r)).Select(r => scores[r]).Order().ToArray();
            float percentile99 = normal[(int)(0.99 * normal.Length)];
            output.WriteLine($"M = {model.Report.TargetInformation}: normal rows' 99th percentile {percentile99:F2}, planted rows' lowest {planted.Min(r => scores[r]):F2}");
            Assert.All(planted, r => Assert.True(scores[r] > percentile99, $"Planted row {r} scores {scores[r]:F2}, below the normal rows' 99th percentile {percentile99:F2}."));
        }

        // A row's score counts its observed cells only: hiding a cell removes that cell's −log p(x|z) (a change of the code's
        // posterior aside), so the mean score falls as cells are hidden.
        var (complete, _) = MixedTableModels.Generate(1000, seed: 13, hiddenFraction: 0);
        var (_, incomplete) = MixedTableModels.Generate(1000, seed: 13, hiddenFraction: 0.4);
        double completeMean = models.Vae.ScoreAnomalies(complete).Average(), incompleteMean = models.Vae.ScoreAnomalies(incomplete).Average();
        output.WriteLine($"mean score: complete rows {completeMean:F2}, 40% of cells hidden {incompleteMean:F2}");
        Assert.True(incompleteMean < completeMean - 1, $"Mean score {incompleteMean:F2} with 40% of the cells hidden, {completeMean:F2} complete.");
    }

    [Fact]
    public void ImputationOfTheWeightBeatsTheMean()
    {
        // The weight shares a factor with the height and another with income and membership: its prediction from the rest
        // of the row beats the mean, whose error is the column's standard deviation.
        var (complete, _) = MixedTableModels.Generate(2000, seed: 10, hiddenFraction: 0);
        var rows = (float[])complete.Clone();
        double mean = 0;
        for (int r = 0; r < 2000; r++)
        {
            mean += complete[r * MixedTableModels.Width + MixedTableModels.WeightCell] / 2000.0;
            rows[r * MixedTableModels.Width + MixedTableModels.WeightCell] = float.NaN;
        }
        var imputed = models.Vae.Impute(rows);
        double modelSquares = 0, meanSquares = 0;
        for (int r = 0; r < 2000; r++)
        {
            int i = r * MixedTableModels.Width + MixedTableModels.WeightCell;
            modelSquares += Math.Pow(imputed[i] - complete[i], 2);
            meanSquares += Math.Pow(mean - complete[i], 2);
        }
        double ratio = Math.Sqrt(modelSquares / meanSquares);
        output.WriteLine($"weight RMSE relative to the mean's: {ratio:F3}");
        Assert.True(ratio < 0.8, $"The imputed weights' RMSE is {ratio:F3} of the mean's.");
    }
}
