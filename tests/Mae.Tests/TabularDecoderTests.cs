using Mae;
using Mae.Modeling;
using Mae.Modeling.Columns;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The column blocks of a table and the tabular decoder that holds them, against hand computations.</summary>
public sealed class TabularDecoderTests
{
    private static readonly double LogTwoPi = Math.Log(2 * Math.PI);

    private static double LogNormal(double u, double mean, double logVariance) =>
        -0.5 * (LogTwoPi + logVariance + (u - mean) * (u - mean) / Math.Exp(logVariance));

    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));


    private static double LogLikelihood(ColumnBlock block, float[] head, float[] values)
    {
        using var scope = NewDisposeScope();
        var rows = tensor(values, [1, values.Length]);
        return block.LogLikelihood(tensor(head, [1, head.Length]), rows, Cells.Observed(rows)).item<float>();
    }

    [Fact]
    public void HidingCellsAtRandomHidesTheRequestedFractionAndKeepsTheRest()
    {
        // 200,000 cells, a tenth already missing; each of the others hidden with probability 0.3, independently.
        using var scope = NewDisposeScope();
        const int rows = 20_000, width = 10;
        var values = new float[rows * width];
        var random = new Random(1);
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextDouble() < 0.1 ? float.NaN : (float)random.NextDouble() + 1;
        using var probability = TorchSharp.ScalarExtensionMethods.ToScalar(0.3);
        using var first = new Generator(11);
        using var second = new Generator(11);
        var hidden = Cells.HideAtRandom(tensor(values, [rows, width]), probability, first).data<float>().ToArray();
        Assert.Equal(hidden, Cells.HideAtRandom(tensor(values, [rows, width]), probability, second).data<float>().ToArray());
        int observed = 0, newlyHidden = 0;
        var perColumn = new int[width];
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                Assert.True(float.IsNaN(hidden[i]), $"A missing cell came back as {hidden[i]}.");
                continue;
            }
            observed++;
            if (float.IsNaN(hidden[i]))
            {
                newlyHidden++;
                perColumn[i % width]++;
            }
            else
            {
                Assert.Equal(values[i], hidden[i]);
            }
        }
        // Binomial: the standard deviation of the fraction is about 0.0011 over 180,000 cells, and 0.0036 per column.
        Assert.InRange((double)newlyHidden / observed, 0.295, 0.305);
        foreach (int count in perColumn)
            Assert.InRange(count / (observed / (double)width), 0.28, 0.32);
    }

    [Fact]
    public void EachKindsLikelihoodMatchesAHandComputation()
    {
        // Real: location 2, scale 3; x = 5 is u = 1, and p(x) = N(u; m, e^v)/3.
        var real = new RealColumn("Age", 1, new Standardisation([2f], [3f]));
        Assert.Equal(LogNormal(1, 0.5, Math.Log(0.25)) - Math.Log(3), LogLikelihood(real, [0.5f, (float)Math.Log(0.25)], [5f]), 1e-5);

        // Positive: ln x = 1.5 with location 1 and scale 2 is u = 0.25; p(x) = N(u; m, e^v)/(2x).
        var positive = new PositiveColumn("Income", 1, new Standardisation([1f], [2f]));
        float x = (float)Math.Exp(1.5);
        Assert.Equal(LogNormal(0.25, -0.1, 0.3) - Math.Log(2) - Math.Log(x), LogLikelihood(positive, [-0.1f, 0.3f], [x]), 1e-5);

        // Count: negative binomial with mean 2 and dispersion 1.5, k = 3.
        var count = new CountColumn("Visits", 1, new Standardisation([0f], [1f]));
        Assert.Equal(NegativeBinomial(3, 2, 1.5), LogLikelihood(count, [(float)Math.Log(2), (float)Math.Log(1.5)], [3f]), 1e-5);

        // Categorical: logits 1, 2, 3, class 2.
        var categorical = new CategoricalColumn("Group", 3);
        double normaliser = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.Equal(3 - normaliser, LogLikelihood(categorical, [1f, 2f, 3f], [2f]), 1e-5);
        Assert.Equal(1 - normaliser, LogLikelihood(categorical, [1f, 2f, 3f], [0f]), 1e-5);

        // Binary: logit 0.7, both outcomes, in two slots.
        var binary = new BinaryColumn("Member", 2);
        Assert.Equal(0.7 - Softplus(0.7) - Softplus(0.7), LogLikelihood(binary, [0.7f, 0.7f], [1f, 0f]), 1e-5);
    }

    [Fact]
    public void PredictionsAverageTheSummaryOverCodesBeforeDeciding()
    {
        using var scope = NewDisposeScope();
        // Two codes of one row. Categorical: the first code says class 0 (0.6 against 0.4 and 0), the second class 2 (0.55 against
        // 0.45 and 0): each alone picks its class, the average (0.30, 0.425, 0.275) picks class 1, the posterior predictive's mode.
        var categorical = new CategoricalColumn("Group", 3);
        var heads = tensor(new[] { MathF.Log(0.6f), MathF.Log(0.4f), -30f, -30f, MathF.Log(0.45f), MathF.Log(0.55f) }, [2, 3]);
        Assert.Equal([0f, 2f], categorical.Predict(heads).data<float>().ToArray());
        Assert.Equal(1f, categorical.Decide(categorical.Summary(heads).mean([0], keepdim: true)).item<float>());

        // Binary: probabilities 0.9 and 0.2 average to 0.55, so 1; the logits' average (2.197 − 1.386)/2 > 0 agrees here, but a third
        // code at 0.05 makes the average 0.383, so 0, although two of three codes' logits are not far below 0.
        var binary = new BinaryColumn("Member", 1);
        float Logit(float p) => MathF.Log(p / (1 - p));
        Assert.Equal(1f, binary.Decide(binary.Summary(tensor(new[] { Logit(0.9f), Logit(0.2f) }, [2, 1])).mean([0], keepdim: true)).item<float>());
        Assert.Equal(0f, binary.Decide(binary.Summary(tensor(new[] { Logit(0.9f), Logit(0.2f), Logit(0.05f) }, [3, 1])).mean([0], keepdim: true)).item<float>());

        // Count: the mean of the means e^0 and e^2 (the dispersions do not enter). Real: the mean of the means, in the column's units. Positive: e^(location + scale·mean u).
        var count = new CountColumn("Visits", 1, new Standardisation([0f], [1f]));
        Assert.Equal((1 + Math.Exp(2)) / 2, count.Decide(count.Summary(tensor(new[] { 0f, 0.3f, 2f, -1f }, [2, 2])).mean([0], keepdim: true)).item<float>(), 1e-5);
        var real = new RealColumn("Age", 1, new Standardisation([40f], [10f]));
        Assert.Equal(45.0, real.Decide(real.Summary(tensor(new[] { 0f, 0.3f, 1f, -0.2f }, [2, 2])).mean([0], keepdim: true)).item<float>(), 1e-4);
        var positive = new PositiveColumn("Income", 1, new Standardisation([3f], [0.5f]));
        Assert.Equal(Math.Exp(3 + 0.5 * 0.5), positive.Decide(positive.Summary(tensor(new[] { 0f, 0.3f, 1f, -0.2f }, [2, 2])).mean([0], keepdim: true)).item<float>(), 1e-3);

        // The decoder averages draw-major conditions: one draw is the plain prediction.
        var table = Table();
        var conditions = randn(6, table.OutputSize, generator: new TorchSharp.torch.Generator(3));
        Assert.Equal(table.Predict(conditions).data<float>().ToArray(), table.PredictAveraged(conditions, 1).data<float>().ToArray());
        var averaged = table.PredictAveraged(conditions, 2);   // rows 0..2, draws at n and 3 + n
        Assert.Equal([3L, table.Shape.FeatureCount], averaged.shape);
        // Row n averages conditions n and 3 + n, not two neighbouring rows: each block's summary by hand.
        for (int n = 0; n < 3; n++)
        {
            var pair = cat([conditions[n].unsqueeze(0), conditions[3 + n].unsqueeze(0)], 0);
            int offset = 0, headOffset = 0;
            var expected = new List<float>();
            foreach (var block in table.Blocks)
            {
                var head = pair.narrow(1, headOffset, block.HeadWidth);
                expected.AddRange(block.Decide(block.Summary(head).mean([0], keepdim: true)).data<float>().ToArray());
                offset += block.ValueWidth;
                headOffset += block.HeadWidth;
            }
            var actual = averaged[n].data<float>().ToArray();
            for (int f = 0; f < actual.Length; f++)
                Assert.Equal(expected[f], actual[f], 4);
        }

        // Weighted draws: equal weights are the plain average; all the weight on one draw is that draw's prediction; and a row's
        // weights act on its own draws (row 0 takes draw 1, rows 1 and 2 draw 0).
        using var equal = full(2, 3, 0.5f);
        Assert.Equal(averaged.data<float>().ToArray(), table.PredictWeighted(conditions, equal).data<float>().ToArray());
        var chosen = tensor(new[] { 0f, 1f, 1f, 1f, 0f, 0f }, [2, 3]);
        var picked = table.PredictWeighted(conditions, chosen);
        Assert.Equal(table.Predict(conditions[3].unsqueeze(0)).data<float>().ToArray(), picked[0].data<float>().ToArray());
        Assert.Equal(table.Predict(conditions.narrow(0, 1, 2)).data<float>().ToArray(), picked.narrow(0, 1, 2).data<float>().ToArray());
    }

    /// <summary>Five columns of every kind, seven values a row.</summary>
    private static TabularDecoder Table(int latentDimension = 2) => new(latentDimension, [8], HiddenActivation.Tanh,
    [
        new RealColumn("Age", 2, new Standardisation([40f, 1f], [10f, 2f])),
        new PositiveColumn("Income", 1, new Standardisation([3f], [0.5f])),
        new CountColumn("Visits", 1, new Standardisation([1f], [0.7f])),
        new CategoricalColumn("Group", 4),
        new BinaryColumn("Member", 2),
    ]);

    private static readonly float[] CompleteRow = [35f, 2.5f, 20f, 3f, 2f, 1f, 0f];

    [Fact]
    public void MissingCellsContributeNothingToTheLikelihood()
    {
        using var scope = NewDisposeScope();
        using var decoder = Table();
        decoder.Build();
        manual_seed(3);
        var condition = randn(1, decoder.OutputSize);
        var rows = tensor(CompleteRow, [1, 7]);
        double complete = decoder.LogLikelihood(condition, rows).item<float>();

        // The row's likelihood is the sum of its blocks'; each missing cell removes exactly its own term.
        for (int cell = 0; cell < 7; cell++)
        {
            var hidden = (float[])CompleteRow.Clone();
            hidden[cell] = float.NaN;
            double withMissing = decoder.LogLikelihood(condition, tensor(hidden, [1, 7])).item<float>();
            Assert.True(double.IsFinite(withMissing), $"Cell {cell} missing: log p {withMissing}.");
            double own = CellTerm(decoder, condition, cell);
            Assert.Equal(complete - own, withMissing, 1e-4);
        }

        // A missing cell's head parameters get no gradient.
        var partial = (float[])CompleteRow.Clone();
        partial[0] = float.NaN; // Age slot 0: head outputs 0 (mean) and 2 (log-variance)
        partial[5] = float.NaN; // Member slot 0: the first binary head output
        var head = condition.clone().requires_grad_(true);
        decoder.LogLikelihood(head, tensor(partial, [1, 7])).sum().backward();
        var gradient = head.grad!.data<float>().ToArray();
        int memberHead = 4 + 2 + 2 + 4; // after the heads of Age (4), Income (2), Visits (2) and Group (4)
        Assert.Equal(0f, gradient[0]);
        Assert.Equal(0f, gradient[2]);
        Assert.Equal(0f, gradient[memberHead]);
        Assert.NotEqual(0f, gradient[1]);
        Assert.NotEqual(0f, gradient[memberHead + 1]);
    }

    /// <summary>The term a single cell adds to a complete row's log p, computed from its block alone on a one-cell row.</summary>
    private static double CellTerm(TabularDecoder decoder, Tensor condition, int cell)
    {
        int headOffset = 0;
        for (int b = 0; b < decoder.Blocks.Count; b++)
        {
            var block = decoder.Blocks[b];
            int start = decoder.ValueOffset(b);
            if (cell < start + block.ValueWidth)
            {
                var values = CompleteRow.AsSpan(start, block.ValueWidth).ToArray();
                var onlyThisCell = values.Select((v, i) => start + i == cell ? v : float.NaN).ToArray();
                var rows = tensor(onlyThisCell, [1, block.ValueWidth]);
                return block.LogLikelihood(condition.narrow(1, headOffset, block.HeadWidth), rows, Cells.Observed(rows)).item<float>();
            }
            headOffset += block.HeadWidth;
        }
        throw new ArgumentOutOfRangeException(nameof(cell));
    }

    [Fact]
    public void PairwiseLikelihoodEqualsTheRowwiseOneWithMissingCells()
    {
        using var scope = NewDisposeScope();
        using var decoder = Table();
        decoder.Build();
        manual_seed(4);
        var conditions = randn(5, decoder.OutputSize);
        float nan = float.NaN;
        var rows = tensor(new float[]
        {
            35f, 2.5f, 20f, 3f, 2f, 1f, 0f,
            nan, 0f, nan, 0f, nan, 0f, nan,
            50f, nan, 12f, nan, 0f, nan, 1f,
        }, [3, 7]);
        var pairwise = decoder.PairwiseLogLikelihood(conditions, rows).data<float>().ToArray();
        for (int n = 0; n < 3; n++)
        {
            for (int g = 0; g < 5; g++)
            {
                double rowwise = decoder.LogLikelihood(conditions.narrow(0, g, 1), rows.narrow(0, n, 1)).item<float>();
                Assert.Equal(rowwise, pairwise[n * 5 + g], 1e-3);
            }
        }
    }

    [Fact]
    public void NetworkInputIsStandardisedOneHotAndZeroWhereMissingFollowedByTheMask()
    {
        using var scope = NewDisposeScope();
        using var decoder = Table();
        float nan = float.NaN;
        var input = decoder.ToNetworkInput(tensor(new float[] { 50f, nan, 20f, nan, 1f, 1f, nan }, [1, 7])).data<float>().ToArray();
        Assert.Equal(decoder.EncoderInputSize, input.Length);
        float[] expected =
        [
            1f, 0f,                                        // Age: (50 − 40)/10; missing
            (float)((Math.Log(20) - 3) / 0.5),             // Income: (ln 20 − 3)/0.5
            0f,                                            // Visits: missing
            0f, 1f, 0f, 0f,                                // Group: class 1
            1f, 0f,                                        // Member: 1; missing
            1f, 0f, 1f, 0f, 1f, 1f, 0f,                    // the mask
        ];
        Assert.Equal(expected.Length, input.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], input[i], 1e-5);
    }

    [Fact]
    public void BadValuesNameTheColumnTheRowAndTheValue()
    {
        using var decoder = Table();
        void Check(float[] row, params string[] parts)
        {
            var error = Assert.Throws<ArgumentException>(() => decoder.ThrowIfInvalid(row, 7, r => $"Row {r}", "rows"));
            foreach (var part in parts)
                Assert.Contains(part, error.Message);
        }

        float nan = float.NaN;
        Check([35f, 2.5f, -20f, 3f, 2f, 1f, 0f], "Row 0", "column 'Income'", "-20", "above 0", "positive");
        Check([35f, 2.5f, 20f, 2.5f, 2f, 1f, 0f], "column 'Visits'", "2.5", "whole number");
        Check([35f, 2.5f, 20f, 3f, 4f, 1f, 0f], "column 'Group'", "the value 4", "[0, 4)");
        Check([35f, 2.5f, 20f, 3f, 2f, 1f, 0.5f], "column 'Member' (slot 1)", "0.5", "0 or 1");
        Check([35f, float.PositiveInfinity, 20f, 3f, 2f, 1f, 0f], "column 'Age' (slot 1)", "must be finite");
        Check([.. CompleteRow, nan, nan, nan, nan, nan, nan, nan], "Row 1", "every cell is missing");
        decoder.ThrowIfInvalid([nan, 2.5f, nan, 3f, nan, 1f, nan], 7, r => $"Row {r}", "rows"); // missing cells are not errors

        var classes = Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalColumn("Plan", 1));
        Assert.Contains("'Plan'", classes.Message);
        Assert.Contains("at least 2", classes.Message);
        var table = new TableSpecification([new("A", ColumnKind.Real), new("B", ColumnKind.Binary)]);
        var empty = Assert.Throws<ArgumentException>(() => table.Build(TrainingData.FromArray([1f, nan, 2f, nan], 2)));
        Assert.Contains("Column 'B' is missing in every row", empty.Message);
        var width = Assert.Throws<ArgumentException>(() => table.Build(TrainingData.FromArray([1f, 0f, 1f], 3)));
        Assert.Contains("hold 2 values a row", width.Message);
    }

    [Fact]
    public void DiscreteDrawsFollowTheirDistributions()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        const int n = 40_000;
        var logits = tensor(new float[] { 0f, 1f, -1f, 0.5f }, [1, 4]).expand(n, 4).contiguous();
        var draw = new CategoricalColumn("Group", 4).Draw(logits, generator);
        var frequencies = draw.NetworkInput.mean([0L]).data<float>().ToArray();
        var probabilities = logits[0].softmax(0).data<float>().ToArray();
        Assert.True(probabilities.Zip(frequencies).Sum(p => Math.Abs(p.First - p.Second)) / 2 < 0.01, $"Frequencies {string.Join(", ", frequencies)} against {string.Join(", ", probabilities)}.");
        // The draw's log-probability is that of the drawn class.
        var logP = draw.LogProbability!.data<float>().ToArray();
        var classes = draw.NetworkInput.argmax(1).data<long>().ToArray();
        for (int i = 0; i < 20; i++)
            Assert.Equal(Math.Log(probabilities[classes[i]]), logP[i], 1e-5);

        // Counts: negative binomial with mean 3.5 and dispersion 2, so variance 3.5 + 3.5²/2 = 9.625 (a Poisson's would be 3.5).
        var head = cat([full(n, 1, Math.Log(3.5), ScalarType.Float32), full(n, 1, Math.Log(2), ScalarType.Float32)], 1);
        var counts = new CountColumn("Visits", 1, new Standardisation([0f], [1f])).Draw(head, generator);
        // The count block's network input is the standardised ln(1 + k); with location 0 and scale 1, k = e^input − 1.
        var k = counts.NetworkInput.exp() - 1;
        Assert.Equal(3.5, k.mean().item<float>(), 0.05);
        Assert.Equal(9.625, k.var().item<float>(), 0.4);
        var countLogP = counts.LogProbability!.data<float>().ToArray();
        var drawn = k.round().data<float>().ToArray();
        for (int i = 0; i < 20; i++)
            Assert.Equal(NegativeBinomial((int)drawn[i], 3.5, 2), countLogP[i], 1e-4);
    }

    [Fact]
    public void TheMixedInformationGradientIsUnbiased()
    {
        // A row of a real cell (reparameterised), a categorical cell of 3 classes and a binary cell (score function), d = 1.
        // Exact: J = mean_s Σ_c Σ_b ∫ p(u, c, b | z_s) log r(z_s | u, c, b) du, the integral over u by a Riemann sum on
        // [−10, 10] at spacing 0.01 with the normal density as weight, so that the weights carry the gradient to m and v.
        const int draws = 256, repetitions = 300;
        random.manual_seed(7);
        var decoder = new TabularDecoder(1, [8], HiddenActivation.Tanh,
            [new RealColumn("R", 1, new Standardisation([0f], [1f])), new CategoricalColumn("C", 3), new BinaryColumn("B", 1)]);
        using var networks = MutualAutoencoderNetworks.Create(new MutualAutoencoderOptions { LatentDimension = 1, HiddenSizes = [8] }.Networks, decoder);
        var parameters = networks.Decoder.parameters().ToArray();
        using var z = randn(draws, 1);
        const int points = 2001;
        const double spacing = 0.01;
        var grid = Enumerable.Range(0, points).Select(j => (float)(-10 + j * spacing)).ToArray();
        // Every outcome's network input: u, one-hot class, bit, then the mask of three observed cells.
        var inputs = new List<float>();
        for (int c = 0; c < 3; c++)
            for (int b = 0; b < 2; b++)
                foreach (float u in grid)
                    inputs.AddRange([u, c == 0 ? 1 : 0, c == 1 ? 1 : 0, c == 2 ? 1 : 0, b, 1, 1, 1]);
        using var outcomes = tensor(inputs.ToArray(), [6 * points, 8]);
        using var gridTensor = tensor(grid);

        using var estimatorDraws = new Generator(8);
        GradientCheck.AssertUnbiased(parameters, () =>
        {
            var head = networks.Decoder.Condition(z);                                  // [S, 6]: m, v, three logits, one logit
            var mean = head.narrow(1, 0, 1);
            var logVariance = head.narrow(1, 1, 1);
            var logDensity = GaussianMath.LogDensity(gridTensor.unsqueeze(0), mean, logVariance);      // [S, points]
            var logClass = head.narrow(1, 2, 3).log_softmax(1);                        // [S, 3]
            var logit = head.narrow(1, 5, 1);
            var logBit = cat([-nn.functional.softplus(logit), logit - nn.functional.softplus(logit)], 1);   // [S, 2]: b = 0, 1
            var logJoint = logClass.unsqueeze(2).unsqueeze(3) + logBit.unsqueeze(1).unsqueeze(3) + logDensity.unsqueeze(1).unsqueeze(2); // [S, 3, 2, points]
            var logR = GaussianNetwork.PairwiseLogDensity(z, networks.Auxiliary.forward(outcomes)).detach().view(draws, 3, 2, points);
            return (logJoint.exp() * logR).sum([1L, 2L, 3L]).mul(spacing).mean();
        }, () => networks.Decoder.Information(networks.Decoder.Condition(z), z, networks.Auxiliary, estimatorDraws).DecoderSurrogate,
            repetitions, standardErrors: 2.5, relativeStandardError: 0.1);
    }

    /// <summary>Adjacent columns of each kind, then a real column after the binary ones: six joined blocks over twelve columns.</summary>
    private static TabularDecoder JoinedTable() => new(2, [8], HiddenActivation.Tanh,
    [
        new RealColumn("A", 1, new Standardisation([1f], [2f])),
        new RealColumn("B", 2, new Standardisation([-3f, 0.5f], [0.5f, 4f])),
        new PositiveColumn("P1", 1, new Standardisation([0.2f], [1.5f])),
        new PositiveColumn("P2", 1, new Standardisation([-1f], [0.3f])),
        new CountColumn("C1", 1, new Standardisation([1f], [0.7f])),
        new CountColumn("C2", 2, new Standardisation([0.5f, 2f], [1f, 0.2f])),
        new CategoricalColumn("K1", 3),
        new CategoricalColumn("K2", 5),
        new CategoricalColumn("K3", 2),
        new BinaryColumn("F1", 1),
        new BinaryColumn("F2", 2),
        new RealColumn("Z", 1, new Standardisation([0f], [1f])),
    ]);

    /// <summary>Rows of <see cref="JoinedTable"/> (15 values), some cells missing, some whole columns of a row missing.</summary>
    private static Tensor JoinedRows()
    {
        float nan = float.NaN;
        return tensor(new float[]
        {
            0.5f, -2f, 3f, 1.2f, 0.4f, 4f, 0f, 7f, 2f, 4f, 1f, 1f, 0f, 1f, -0.3f,
            nan, -4f, nan, 0.9f, nan, nan, 2f, nan, nan, 1f, nan, nan, 1f, 0f, 2.5f,
            3f, nan, 1f, nan, 2.2f, 0f, nan, 1f, 1f, nan, 0f, 0f, nan, nan, nan,
        }, [3, 15]);
    }

    [Fact]
    public void AdjacentColumnsOfOneKindComputeAsOneBlockWithWhatTheColumnsGiveApart()
    {
        // The decoder computes six joined blocks; every figure must equal the columns' own blocks on their own head slices.
        using var scope = NewDisposeScope();
        using var decoder = JoinedTable();
        decoder.Build();
        Assert.Equal(12, decoder.Blocks.Count);
        Assert.Equal(6, decoder.ComputedBlocks);
        manual_seed(5);
        var conditions = randn(4, decoder.OutputSize).requires_grad_(true);
        var rows = JoinedRows();
        var observed = Cells.Observed(rows);

        Tensor Column(Tensor tensor, int b, bool head)
        {
            int offset = 0;
            for (int i = 0; i < b; i++)
                offset += head ? decoder.Blocks[i].HeadWidth : decoder.Blocks[i].ValueWidth;
            var block = decoder.Blocks[b];
            return tensor.narrow(1, offset, head ? block.HeadWidth : block.ValueWidth);
        }
        var blocks = Enumerable.Range(0, decoder.Blocks.Count).ToArray();

        // Network input: each column's, then the mask.
        var expectedInput = cat([.. blocks.Select(b => decoder.Blocks[b].NetworkInput(Column(rows, b, false), Column(observed, b, false))), observed], 1);
        Assert.Equal(expectedInput.data<float>().ToArray(), decoder.ToNetworkInput(rows).data<float>().ToArray());

        // Row-wise log-likelihood (rows against the first three codes) and its gradient with respect to the decoder outputs.
        var head = conditions.narrow(0, 0, 3);
        var joined = decoder.LogLikelihood(head, rows);
        var apart = blocks.Select(b => decoder.Blocks[b].LogLikelihood(Column(head, b, true), Column(rows, b, false), Column(observed, b, false)))
            .Aggregate((sum, part) => sum + part);
        AssertClose(apart, joined, 1e-4);
        var joinedGradient = autograd.grad([joined.sum()], [conditions])[0];
        var apartGradient = autograd.grad([apart.sum()], [conditions])[0];
        AssertClose(apartGradient, joinedGradient, 1e-5);

        // Pairwise log-likelihood of every row against every code.
        var pairwise = blocks.Select(b => decoder.Blocks[b].PairwiseLogLikelihood(Column(conditions, b, true), Column(rows, b, false), Column(observed, b, false)))
            .Aggregate((sum, part) => sum + part);
        AssertClose(pairwise, decoder.PairwiseLogLikelihood(conditions, rows), 1e-4);

        // Predictions, plain and averaged over two draws a row (rows 0 and 1 average codes 0, 2 and 1, 3).
        using (no_grad())
        {
            var predicted = cat([.. blocks.Select(b => decoder.Blocks[b].Predict(Column(conditions, b, true)))], 1);
            AssertClose(predicted, decoder.Predict(conditions), 1e-4);
            var averaged = cat([.. blocks.Select(b =>
            {
                var block = decoder.Blocks[b];
                return block.Decide(block.Summary(Column(conditions, b, true)).view(2, 2, block.SummaryWidth).mean([0]));
            })], 1);
            AssertClose(averaged, decoder.PredictAveraged(conditions, 2), 1e-4);
        }
    }

    [Fact]
    public void JoinedCategoricalDrawsFollowEachColumnsDistribution()
    {
        // Three adjacent categorical columns of 3, 5 and 2 classes drawn as one block: each column's one-hot and its frequencies.
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        const int n = 40_000;
        var columns = new[] { new CategoricalColumn("K1", 3), new CategoricalColumn("K2", 5), new CategoricalColumn("K3", 2) };
        var joined = columns[0].Join(columns[1])!.Join(columns[2])!;
        Assert.Equal(3, joined.ValueWidth);
        Assert.Equal(10, joined.HeadWidth);
        float[] logits = [0f, 1f, -1f, 0.5f, -2f, 0f, 1.5f, 0.3f, 2f, -0.5f];
        var head = tensor(logits, [1, 10]).expand(n, 10).contiguous();
        var draw = joined.Draw(head, generator);
        var input = draw.NetworkInput;
        int offset = 0;
        var logP = new List<Tensor>();
        foreach (var column in columns)
        {
            var part = input.narrow(1, offset, column.ClassCount);
            Assert.Equal(Enumerable.Repeat(1f, 50), part.sum(1).narrow(0, 0, 50).data<float>().ToArray());
            var frequencies = part.mean([0L]).data<float>().ToArray();
            var probabilities = tensor(logits.AsSpan(offset, column.ClassCount).ToArray()).softmax(0).data<float>().ToArray();
            Assert.True(probabilities.Zip(frequencies).Sum(p => Math.Abs(p.First - p.Second)) / 2 < 0.01,
                $"Column {column.Name}: frequencies {string.Join(", ", frequencies)} against {string.Join(", ", probabilities)}.");
            // The column's log-probability of its drawn class, by its own block.
            var classes = part.argmax(1).to_type(ScalarType.Float32).unsqueeze(1);
            logP.Add(column.LogLikelihood(head.narrow(1, offset, column.ClassCount), classes, ones_like(classes)));
            offset += column.ClassCount;
        }
        AssertClose(logP.Aggregate((sum, part) => sum + part), draw.LogProbability!, 1e-5);

        // The joined block predicts each column's most probable class from the columns' summaries side by side.
        Assert.Equal([1f, 3f, 0f], joined.Predict(tensor(logits, [1, 10])).data<float>().ToArray());
        Assert.Throws<InvalidOperationException>(() => joined.Describe(Mae.Export.TableColumnType.Single));
    }

    [Fact]
    public void JoinedCountDrawsScoreEachColumnsDrawAndCategoricalPaddingIsBounded()
    {
        // Two count columns (one of two slots) drawn as one block: the draw's log-probability is the sum of each column's own
        // log-likelihood of its drawn counts, and each slot's mean is its own μ.
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        const int n = 20_000;
        var first = new CountColumn("C1", 1, new Standardisation([0f], [1f]));
        var second = new CountColumn("C2", 2, new Standardisation([0f, 0f], [1f, 1f]));
        var joined = first.Join(second)!;
        double[] means = [1.5, 6, 0.4], dispersions = [2, 0.5, 8];
        // The joined head: the three log-means, then the three log-dispersions; each column's own is its slots' of each group.
        var row = means.Concat(dispersions).Select(v => (float)Math.Log(v)).ToArray();
        var head = tensor(row, [1, 6]).expand(n, 6).contiguous();
        var draw = joined.Draw(head, generator);
        var counts = (draw.NetworkInput.exp() - 1).round();
        var perSlot = counts.mean([0L]).data<float>().ToArray();
        for (int slot = 0; slot < 3; slot++)
            Assert.Equal(means[slot], perSlot[slot], 0.1 * Math.Max(1, means[slot]));
        var own = first.LogLikelihood(head.index_select(1, tensor(new long[] { 0, 3 })), counts.narrow(1, 0, 1), ones(n, 1))
            + second.LogLikelihood(head.index_select(1, tensor(new long[] { 1, 2, 4, 5 })), counts.narrow(1, 1, 2), ones(n, 2));
        AssertClose(own, draw.LogProbability!, 1e-4);

        // Categorical columns join while the padding at most doubles their logits: 3 + 4 classes pad to 8, but a 40-class column
        // beside them would pad 3 × 40 = 120 logits for 47, and starts a run of its own.
        var narrowPair = new CategoricalColumn("K1", 3).Join(new CategoricalColumn("K2", 4));
        Assert.NotNull(narrowPair);
        Assert.Null(narrowPair!.Join(new CategoricalColumn("Wide", 40)));
        using var decoder = new TabularDecoder(2, [8], HiddenActivation.Tanh,
            [new CategoricalColumn("K1", 3), new CategoricalColumn("K2", 4), new CategoricalColumn("Wide", 40), new CategoricalColumn("K3", 30)]);
        Assert.Equal(2, decoder.ComputedBlocks);   // K1 and K2; then Wide and K3 (2 × 40 ≤ 2 × 70)
        var classCount = Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalColumn("Single", 1));
        Assert.Equal("classCount", classCount.ParamName);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.detach().data<float>().ToArray();
        var a = actual.detach().data<float>().ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"Element {i}: expected {e[i]}, got {a[i]}.");
    }

    /// <summary>ln p(k) of a negative binomial with mean μ and dispersion r at a whole count k: Γ(k + r)/(Γ(r) k!) is the product of (r + j)/(j + 1) over j = 0 … k − 1.</summary>
    private static double NegativeBinomial(int k, double mean, double r) =>
        Enumerable.Range(0, k).Sum(j => Math.Log((r + j) / (j + 1))) + r * Math.Log(r / (r + mean)) + k * Math.Log(mean / (r + mean));
}
