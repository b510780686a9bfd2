using Mae.Modeling.Columns;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The ordinal column block against a hand computation of the cumulative link in double precision.</summary>
public sealed class OrdinalColumnTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>
    /// The level probabilities of a head [h, δ₁, …, δ_{K−1}]: θ₀ = δ₁, θ_k = θ_{k−1} + softplus(δ_{k+1}), P(x ≤ k) = σ(θ_k − h).
    /// The top level's probability is taken as σ(h − θ_{K−2}), which keeps its digits where it is small.
    /// </summary>
    private static double[] Probabilities(double[] head)
    {
        int levels = head.Length;
        var thresholds = new double[levels - 1];
        thresholds[0] = head[1];
        for (int k = 1; k < levels - 1; k++)
            thresholds[k] = thresholds[k - 1] + Softplus(head[k + 1]);
        var probabilities = new double[levels];
        for (int k = 0; k < levels; k++)
        {
            probabilities[k] = k == levels - 1
                ? Sigmoid(head[0] - thresholds[k - 1])
                : Sigmoid(thresholds[k] - head[0]) - (k == 0 ? 0 : Sigmoid(thresholds[k - 1] - head[0]));
        }
        return probabilities;
    }

    private static double LogLikelihood(ColumnBlock block, float[] head, float[] values)
    {
        using var scope = NewDisposeScope();
        var rows = tensor(values, [1, values.Length]);
        return block.LogLikelihood(tensor(head, [1, head.Length]), rows, Cells.Observed(rows)).item<float>();
    }

    [Theory]
    [InlineData(0.3f, -0.5f, 0.2f, -1.0f)]
    [InlineData(-1.2f, 0.4f, 1.5f, 0.1f)]
    [InlineData(-12f, -0.5f, 0.2f, -1.0f)]   // the top levels' cumulative probabilities near 1: a difference of two sigmoids would lose the digits
    [InlineData(12f, -0.5f, -3f, 2.0f)]      // the bottom levels' probabilities small
    [InlineData(0.5f, 0.0f, -40f, 0.3f)]     // a gap of 4e-18 between two thresholds: the level between them all but impossible
    [InlineData(0f, 0f, -5f, 0f)]            // a gap of 6.7e-3: the series for ln(1 − e^−Δ), on a level of probability 1.7e-3
    [InlineData(0f, 0f, -12f, 0f)]           // a gap of 6.1e-6: the series, on a level of probability 1.5e-6, near the floor
    public void TheLikelihoodOfEachLevelMatchesTheCumulativeLinkInDoublePrecision(float h, float d1, float d2, float d3)
    {
        var column = new OrdinalColumn("Education", 4);
        float[] head = [h, d1, d2, d3];
        var probabilities = Probabilities([h, d1, d2, d3]);
        Assert.Equal(1.0, probabilities.Sum(), 1e-12);
        for (int level = 0; level < 4; level++)
        {
            double expected = Math.Log(probabilities[level] + OrdinalColumn.ProbabilityFloor);
            double actual = LogLikelihood(column, head, [level]);
            Assert.True(Math.Abs(expected - actual) <= 2e-5 * Math.Max(1, Math.Abs(expected)),
                $"Level {level}: log p {actual}, expected {expected} (p = {probabilities[level]:G6}).");
        }
        // A missing cell contributes nothing.
        Assert.Equal(0.0, LogLikelihood(column, head, [float.NaN]));

        // The summary holds the level probabilities, unfloored, and they sum to 1.
        using var scope = NewDisposeScope();
        var summary = column.Summary(tensor(head, [1, 4])).data<float>().ToArray();
        for (int level = 0; level < 4; level++)
            Assert.Equal(probabilities[level], summary[level], 1e-6);
    }

    [Fact]
    public void TheNetworkReadsASignedThermometerCodeAndAMissingLevelAsZeros()
    {
        using var scope = NewDisposeScope();
        var column = new OrdinalColumn("Education", 4);
        Assert.Equal(3, column.InputWidth);
        Assert.Equal(4, column.HeadWidth);
        var values = tensor(new[] { 0f, 1f, 3f, float.NaN }, [4, 1]);
        var input = column.NetworkInput(values, Cells.Observed(values)).data<float>().ToArray();
        // ±1 per step, so that a missing level (all zeros) reads as none of the levels: level 0 is all −1.
        Assert.Equal([-1f, -1f, -1f, 1f, -1f, -1f, 1f, 1f, 1f, 0f, 0f, 0f], input);
    }

    [Fact]
    public void ThePredictionIsTheMedianLevel()
    {
        using var scope = NewDisposeScope();
        var column = new OrdinalColumn("Education", 4);
        // Cumulative 0.1, 0.4, 0.75, 1: the median is level 2 (the mode as well); the third row's mode is 3, its median 1.
        var summaries = tensor(new[]
        {
            0.1f, 0.3f, 0.35f, 0.25f,
            0.6f, 0.2f, 0.1f, 0.1f,
            0.35f, 0.2f, 0.0f, 0.45f,
        }, [3, 4]);
        Assert.Equal([2f, 0f, 1f], column.Decide(summaries).data<float>().ToArray());
    }

    [Fact]
    public void AdjacentOrdinalColumnsComputeAsOneBlockWithWhatTheColumnsGiveApart()
    {
        using var scope = NewDisposeScope();
        var columns = new[] { new OrdinalColumn("A", 3), new OrdinalColumn("B", 5), new OrdinalColumn("C", 2) };
        var joined = columns[0].Join(columns[1])!.Join(columns[2])!;
        Assert.Equal(3, joined.ValueWidth);
        Assert.Equal(10, joined.HeadWidth);
        Assert.Equal(2 + 4 + 1, joined.InputWidth);
        // A column of 40 levels beside them would pad too much: the run stops.
        Assert.Null(joined.Join(new OrdinalColumn("Wide", 40)));
        Assert.Null(columns[0].Join(new CategoricalColumn("K", 3)));

        manual_seed(11);
        var head = (randn(4, 10) * 2).requires_grad_(true);
        float nan = float.NaN;
        var rows = tensor(new[] { 0f, 4f, 1f, 2f, nan, 0f, nan, 1f, nan, 1f, 3f, 1f }, [4, 3]);
        var observed = Cells.Observed(rows);
        int[] headStarts = [0, 3, 8];

        var apart = Enumerable.Range(0, 3).Select(c => columns[c].LogLikelihood(head.narrow(1, headStarts[c], columns[c].HeadWidth), rows.narrow(1, c, 1), observed.narrow(1, c, 1)))
            .Aggregate((sum, part) => sum + part);
        var together = joined.LogLikelihood(head, rows, observed);
        Assert.Equal(apart.data<float>().ToArray(), together.data<float>().ToArray(), new FloatTolerance(1e-5f));
        var apartGradient = autograd.grad([apart.sum()], [head])[0].data<float>().ToArray();
        var togetherGradient = autograd.grad([together.sum()], [head])[0].data<float>().ToArray();
        Assert.Equal(apartGradient, togetherGradient, new FloatTolerance(1e-5f));

        var pairwiseApart = Enumerable.Range(0, 3).Select(c => columns[c].PairwiseLogLikelihood(head.narrow(1, headStarts[c], columns[c].HeadWidth), rows.narrow(1, c, 1), observed.narrow(1, c, 1)))
            .Aggregate((sum, part) => sum + part);
        Assert.Equal(pairwiseApart.data<float>().ToArray(), joined.PairwiseLogLikelihood(head, rows, observed).data<float>().ToArray(), new FloatTolerance(1e-4f));

        var inputApart = cat([.. Enumerable.Range(0, 3).Select(c => columns[c].NetworkInput(rows.narrow(1, c, 1), observed.narrow(1, c, 1)))], 1);
        Assert.Equal(inputApart.data<float>().ToArray(), joined.NetworkInput(rows, observed).data<float>().ToArray());
        using (no_grad())
        {
            var summaryApart = cat([.. Enumerable.Range(0, 3).Select(c => columns[c].Summary(head.narrow(1, headStarts[c], columns[c].HeadWidth)))], 1);
            Assert.Equal(summaryApart.data<float>().ToArray(), joined.Summary(head).data<float>().ToArray(), new FloatTolerance(1e-6f));
            var predictedApart = cat([.. Enumerable.Range(0, 3).Select(c => columns[c].Predict(head.narrow(1, headStarts[c], columns[c].HeadWidth)))], 1);
            Assert.Equal(predictedApart.data<float>().ToArray(), joined.Predict(head).data<float>().ToArray());
        }
        Assert.Throws<InvalidOperationException>(() => joined.Describe(Mae.Export.TableColumnType.Key));
    }

    [Fact]
    public void DrawsFollowTheLevelProbabilitiesAndScoreTheDrawnLevels()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        const int n = 40_000;
        var columns = new[] { new OrdinalColumn("A", 3), new OrdinalColumn("B", 5) };
        var joined = columns[0].Join(columns[1])!;
        float[] head = [0.4f, -0.8f, 0.3f, -0.2f, -1.5f, 0.1f, 0.7f, -0.4f];
        var heads = tensor(head, [1, 8]).expand(n, 8).contiguous();
        var draw = joined.Draw(heads, generator);
        int[] headStarts = [0, 3], inputStarts = [0, 2];
        var logP = new List<Tensor>();
        for (int c = 0; c < 2; c++)
        {
            int levels = c == 0 ? 3 : 5;
            var code = draw.NetworkInput.narrow(1, inputStarts[c], levels - 1);
            var drawn = (code.sum(1, keepdim: true) + (levels - 1)) / 2;   // a signed thermometer code sums to 2·level − (K − 1)
            var frequencies = Enumerable.Range(0, levels).Select(k => drawn.eq(k).to_type(ScalarType.Float32).mean().item<float>()).ToArray();
            var probabilities = Probabilities([.. head.AsSpan(headStarts[c], levels).ToArray().Select(v => (double)v)]);
            Assert.True(probabilities.Zip(frequencies).Sum(p => Math.Abs(p.First - p.Second)) / 2 < 0.01,
                $"Column {columns[c].Name}: frequencies {string.Join(", ", frequencies)} against {string.Join(", ", probabilities)}.");
            // Every code is a thermometer: its +1s come first, then its −1s.
            var bits = (code + 1) / 2;
            Assert.Equal(bits.sum().item<float>(), bits.cumprod(1).sum().item<float>());
            Assert.Equal(0f, (bits * (1 - bits)).abs().sum().item<float>());
            logP.Add(columns[c].LogLikelihood(heads.narrow(1, headStarts[c], levels), drawn, ones_like(drawn)));
        }
        Assert.Equal((logP[0] + logP[1]).data<float>().ToArray(), draw.LogProbability!.data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void MaximumLikelihoodRecoversTheLevelFrequencies()
    {
        // Gradient ascent on one head's mean log-likelihood of levels drawn with known frequencies: the cumulative link can fit any
        // distribution over the levels, so the fitted probabilities must come back to the frequencies.
        using var scope = NewDisposeScope();
        var column = new OrdinalColumn("Education", 5);
        double[] frequencies = [0.1, 0.15, 0.4, 0.25, 0.1];
        var levels = frequencies.SelectMany((f, k) => Enumerable.Repeat((float)k, (int)Math.Round(f * 1000))).ToArray();
        var values = tensor(levels, [levels.Length, 1]);
        var observed = Cells.Observed(values);
        var head = tensor(new[] { 0.1f, -0.2f, 0.3f, -0.1f, 0.2f }, [1, 5]).requires_grad_(true);
        for (int step = 0; step < 400; step++)
        {
            using var stepScope = NewDisposeScope();
            var logLikelihood = column.LogLikelihood(head.expand(levels.Length, 5), values, observed).mean();
            var gradient = autograd.grad([logLikelihood], [head])[0];
            using (no_grad())
                head.add_(gradient * 0.5);
        }
        var fitted = column.Summary(head).detach().data<float>().ToArray();
        for (int k = 0; k < 5; k++)
            Assert.Equal(frequencies[k], fitted[k], 0.01);
    }

    [Fact]
    public void AnAllButImpossibleLevelStillPassesAGradient()
    {
        // h = 20 puts all but 2e-9 of the mass on the top level; an observed level 0 costs ln(2e-9 + 1e-6) and still pulls h down.
        using var scope = NewDisposeScope();
        var column = new OrdinalColumn("Education", 4);
        var head = tensor(new[] { 20f, 0.1f, 0.2f, 0.3f }, [1, 4]).requires_grad_(true);
        var values = tensor(new[] { 0f }, [1, 1]);
        var logLikelihood = column.LogLikelihood(head, values, Cells.Observed(values));
        Assert.Equal(Math.Log(1 / (1 + Math.Exp(20 - 0.1)) + OrdinalColumn.ProbabilityFloor), logLikelihood.item<float>(), 1e-4);
        var gradient = autograd.grad([logLikelihood.sum()], [head])[0].data<float>().ToArray();
        Assert.True(gradient[0] < -1e-4, $"The slope with respect to h is {gradient[0]}.");
    }

    [Fact]
    public void BadLevelsAndTooFewLevelsAreNamed()
    {
        var column = new OrdinalColumn("Education", 4);
        Assert.True(column.IsValid(3f));
        Assert.False(column.IsValid(4f));
        Assert.False(column.IsValid(1.5f));
        Assert.False(column.IsValid(-1f));
        Assert.Equal("Row 7, column 'Education': the value 4 must be a level index, a whole number in [0, 4) for an ordinal column.",
            column.DescribeInvalid("Row 7", 0, 4f));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new OrdinalColumn("Rank", 1));
        Assert.Contains("Column 'Rank' is ordinal with 1 levels", error.Message);
    }

    /// <summary>Compares floats to an absolute tolerance.</summary>
    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
