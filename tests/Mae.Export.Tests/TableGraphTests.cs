using Microsoft.ML.OnnxRuntime;

namespace Mae.Export.Tests;

/// <summary>
/// The table graph against hand computation: an encoder whose mean head is the identity shows the network input and masks
/// the graph builds from raw columns, and a decoder head of constants shows each kind's prediction and where it replaces a cell.
/// </summary>
public sealed class TableGraphTests
{
    // Network input: A 1, P 1, C 1, K 3, B 1; then one mask value per cell (5): 12 values.
    private const int NetworkWidth = 12;

    internal static TableColumn[] Columns() =>
    [
        TableColumn.Real("A", [1f], [2f]),
        TableColumn.Positive("P", [0f], [1f], TableColumnType.Double),
        TableColumn.Count("C", [0.5f], [1f]),
        TableColumn.Categorical("K", 3),
        TableColumn.Binary("B"),
    ];

    internal static TableDescription Table() =>
        // Head: A (mean, log-variance), P (mean, log-variance), C (log-mean, log-dispersion), K (3 logits), B (logit).
        HandComputable(Columns(), NetworkWidth, [0.5f, 0f, 0.3f, 0f, MathF.Log(3f), MathF.Log(2f), 0f, 2f, 1f, -1f]);

    /// <summary>
    /// A table model whose posterior mean is its network input (an identity mean head, a zero log-variance head) and whose decoder
    /// head outputs <paramref name="headConstants"/> whatever the code (zero weights): every output can be computed by hand.
    /// </summary>
    internal static TableDescription HandComputable(TableColumn[] columns, int networkWidth, float[] headConstants)
    {
        var identity = new float[networkWidth * networkWidth];
        for (int i = 0; i < networkWidth; i++)
            identity[i * networkWidth + i] = 1;
        var encoder = new EncoderDescription(InputPreprocessing.None, [], HiddenActivation.Tanh,
            new DenseLayer(networkWidth, networkWidth, identity, new float[networkWidth]),
            new DenseLayer(networkWidth, networkWidth, new float[networkWidth * networkWidth], new float[networkWidth]));
        var head = new DenseLayer(networkWidth, headConstants.Length, new float[networkWidth * headConstants.Length], headConstants);
        return new TableDescription(columns, encoder, [], head);
    }

    [Fact]
    public void NetworkInputMasksAndImputationMatchHandComputation()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { ImputedColumnSuffix = ".imputed" });
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal(["A", "P", "C", "K", "B"], session.InputMetadata.Keys);
        Assert.Equal(["mean", "A.imputed", "P.imputed", "C.imputed", "K.imputed"], session.OutputMetadata.Keys);

        using var a = OrtValue.CreateTensorValueFromMemory(new[] { 3f, float.NaN }, [2, 1]);
        using var p = OrtValue.CreateTensorValueFromMemory(new[] { Math.E, double.NaN }, [2, 1]);
        using var c = OrtValue.CreateTensorValueFromMemory(new[] { 4f, float.NaN }, [2, 1]);
        using var k = OrtValue.CreateTensorValueFromMemory(new[] { 1u, 0u }, [2, 1]);
        using var b = OrtValue.CreateTensorValueFromMemory(new[] { true, false }, [2, 1]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["A", "P", "C", "K", "B"], [a, p, c, k, b], session.OutputMetadata.Keys.ToArray());

        float[] mean = results[0].GetTensorDataAsSpan<float>().ToArray();
        float log5 = MathF.Log(5f) - 0.5f;
        float[] expected =
        [
            1f, 1f, log5, 1f, 0f, 0f, 1f, 1f, 1f, 1f, 1f, 1f,   // every cell observed
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1f,     // only B observed
        ];
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], mean[i], 1e-6f);

        Assert.Equal([3f, 2f], results[1].GetTensorDataAsSpan<float>().ToArray());                  // 0.5·2 + 1
        var positive = results[2].GetTensorDataAsSpan<double>().ToArray();
        Assert.Equal(Math.E, positive[0]);
        Assert.Equal(Math.Exp(0.3), positive[1], 1e-6);                                                 // the median
        var count = results[3].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(4f, count[0]);
        Assert.Equal(3f, count[1], 1e-5f);                                                              // the rate
        Assert.Equal([1u, 2u], results[4].GetTensorDataAsSpan<uint>().ToArray());                    // class 1 is key 2
    }

    [Fact]
    public void TheAnomalyScoreMatchesHandComputationForEveryKindWithMissingCells()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { AnomalyScoreName = "Score", PredictedLabelName = "PredictedLabel", AnomalyThreshold = 10f });
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal(["mean", "Score", "PredictedLabel"], session.OutputMetadata.Keys);

        // Row 0 complete; row 1 only B observed; row 2 a large count (ln k! from Stirling's series) and P missing.
        float[] aValues = [3f, float.NaN, -1f], cValues = [4f, float.NaN, 1000f];
        double[] pValues = [Math.E, double.NaN, double.NaN];
        uint[] kValues = [1u, 0u, 3u];
        bool[] bValues = [true, false, false];
        var (scores, labels) = ScoresAndLabels(session, aValues, pValues, cValues, kValues, bValues);

        // The encoder's mean is its network input and its log-variance 0, so KL = ½ Σ μ²; the decoder head is the constants of Table().
        static double Gaussian(double u, double m) => -0.5 * ((u - m) * (u - m) + Math.Log(2 * Math.PI));
        static double Softplus(double h) => Math.Log(1 + Math.Exp(h));
        double logSumExp = Math.Log(Math.Exp(0) + Math.Exp(2) + Math.Exp(1));
        double[] logSoftmax = [0 - logSumExp, 2 - logSumExp, 1 - logSumExp];
        var expected = new double[3];
        for (int r = 0; r < 3; r++)
        {
            var mean = new List<double>();
            double logLikelihood = 0;
            bool aObserved = !float.IsNaN(aValues[r]), pObserved = !double.IsNaN(pValues[r]), cObserved = !float.IsNaN(cValues[r]), kObserved = kValues[r] > 0;
            double uA = aObserved ? (aValues[r] - 1) / 2 : 0, uP = pObserved ? Math.Log(pValues[r]) : 0, uC = cObserved ? Math.Log(1 + cValues[r]) - 0.5 : 0;
            mean.AddRange([uA, uP, uC]);
            mean.AddRange(Enumerable.Range(0, 3).Select(j => kObserved && j == kValues[r] - 1 ? 1.0 : 0.0));
            mean.Add(bValues[r] ? 1 : 0);
            mean.AddRange([aObserved ? 1 : 0, pObserved ? 1 : 0, cObserved ? 1 : 0, kObserved ? 1 : 0, 1]);
            if (aObserved)
                logLikelihood += Gaussian(uA, 0.5) - Math.Log(2);
            if (pObserved)
                logLikelihood += Gaussian(uP, 0.3) - Math.Log(pValues[r]);
            if (cObserved)
                logLikelihood += Math.Log(cValues[r] + 1) + 2 * Math.Log(2.0 / 5) + cValues[r] * Math.Log(3.0 / 5);   // NB, μ = 3, r = 2: Γ(k + 2)/(Γ(2) k!) = k + 1
            if (kObserved)
                logLikelihood += logSoftmax[kValues[r] - 1];
            logLikelihood += (bValues[r] ? -1 : 0) - Softplus(-1);
            expected[r] = 0.5 * mean.Sum(m => m * m) - logLikelihood;
        }

        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(expected[r], scores[r], Math.Max(1e-4, 1e-6 * Math.Abs(expected[r])));
            Assert.Equal(expected[r] > 10, labels[r]);
        }
        Assert.Contains(labels, l => l);
        Assert.Contains(labels, l => !l);
    }

    [Fact]
    public void ARowTheModelCannotJudgeScoresInfinityAndIsFlagged()
    {
        // Row 0 is valid; each later row breaks one column's rule: an infinite real, a positive value of 0, a fractional count,
        // a negative count, a key above the count, a Double beyond float's range. A threshold above every finite score.
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { AnomalyScoreName = "Score", PredictedLabelName = "PredictedLabel", AnomalyThreshold = 1e6f });
        using var session = new InferenceSession(stream.ToArray());
        float[] aValues = [3f, float.PositiveInfinity, 3f, 3f, 3f, 3f, 3f];
        double[] pValues = [Math.E, Math.E, 0, Math.E, Math.E, Math.E, 1e300];
        float[] cValues = [4f, 4f, 4f, 2.5f, -1f, 4f, 4f];
        uint[] kValues = [1u, 1u, 1u, 1u, 1u, 9u, 1u];
        bool[] bValues = [true, true, true, true, true, true, true];
        var (scores, labels) = ScoresAndLabels(session, aValues, pValues, cValues, kValues, bValues);
        Assert.True(float.IsFinite(scores[0]));
        Assert.False(labels[0]);
        for (int r = 1; r < 7; r++)
        {
            Assert.True(float.IsPositiveInfinity(scores[r]), $"Row {r} scores {scores[r]}.");
            Assert.True(labels[r], $"Row {r} is not flagged.");
        }
    }

    /// <summary>Runs the table graph on columns A, P, C, K, B of one value a row; returns Score and PredictedLabel, checking Score's shape [rows, 1].</summary>
    private static (float[] Scores, bool[] Labels) ScoresAndLabels(InferenceSession session, float[] aValues, double[] pValues, float[] cValues, uint[] kValues, bool[] bValues)
    {
        long rows = aValues.Length;
        using var a = OrtValue.CreateTensorValueFromMemory(aValues, [rows, 1]);
        using var p = OrtValue.CreateTensorValueFromMemory(pValues, [rows, 1]);
        using var c = OrtValue.CreateTensorValueFromMemory(cValues, [rows, 1]);
        using var k = OrtValue.CreateTensorValueFromMemory(kValues, [rows, 1]);
        using var b = OrtValue.CreateTensorValueFromMemory(bValues, [rows, 1]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["A", "P", "C", "K", "B"], [a, p, c, k, b], ["Score", "PredictedLabel"]);
        Assert.Equal([rows, 1], results[0].GetTensorTypeAndShape().Shape);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<bool>().ToArray());
    }

    [Fact]
    public void ImputationNoiseMustBeWholeFiniteDraws()
    {
        var table = Table();
        int latent = table.Encoder.LatentDimension;
        var ragged = Assert.Throws<ArgumentException>(() => OnnxExporter.WriteTable(table, new MemoryStream(),
            new OnnxExportOptions { ImputedColumnSuffix = ".imputed", ImputationNoise = new float[2 * latent + 1] }));
        Assert.Contains($"ImputationNoise holds {2 * latent + 1} values", ragged.Message);
        var noise = new float[2 * latent];
        noise[latent + 1] = float.NaN;
        var notFinite = Assert.Throws<ArgumentException>(() => OnnxExporter.WriteTable(table, new MemoryStream(),
            new OnnxExportOptions { ImputedColumnSuffix = ".imputed", ImputationNoise = noise }));
        Assert.Contains($"ImputationNoise[{latent + 1}] (draw 1, dimension 1) is NaN", notFinite.Message);
    }

    [Fact]
    public void TheScoreNeedsItsNameAndTheLabelNeedsTheScoreAndAFiniteThreshold()
    {
        var table = Table();
        Assert.Contains("AnomalyScoreName is null", Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteTable(table, new MemoryStream(), new OnnxExportOptions { PredictedLabelName = "PredictedLabel" })).Message);
        Assert.Contains("AnomalyThreshold is NaN", Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteTable(table, new MemoryStream(), new OnnxExportOptions { AnomalyScoreName = "S", PredictedLabelName = "L", AnomalyThreshold = float.NaN })).Message);
        Assert.Contains("would use the name 'A' twice", Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteTable(table, new MemoryStream(), new OnnxExportOptions { AnomalyScoreName = "A" })).Message);

        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(table, stream, new OnnxExportOptions { TensorLayout = OnnxTensorLayout.SingleRow, AnomalyScoreName = "Score", PredictedLabelName = "PredictedLabel", IncludeLogVariance = true });
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal([1], session.OutputMetadata["Score"].Dimensions);
        Assert.Equal([1], session.OutputMetadata["PredictedLabel"].Dimensions);
    }

    [Fact]
    public void OneRowLayoutGivesVectorsAndNoImputedOutputsUnlessAsked()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { TensorLayout = OnnxTensorLayout.SingleRow, ImputedColumnSuffix = "_i" });
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal([NetworkWidth], session.OutputMetadata["mean"].Dimensions);
        Assert.Equal([1], session.OutputMetadata["K_i"].Dimensions);
        Assert.Equal([1, 1], session.InputMetadata["A"].Dimensions);

        using var plain = new MemoryStream();
        OnnxExporter.WriteTable(Table(), plain, new OnnxExportOptions());
        using var codeOnly = new InferenceSession(plain.ToArray());
        Assert.Equal(["mean"], codeOnly.OutputMetadata.Keys);
    }

    [Fact]
    public void InvalidColumnsAndTablesAreRefusedWithTheirNames()
    {
        Assert.Contains("Column 'A' cannot read Key values",
            Assert.Throws<ArgumentException>(() => TableColumn.Real("A", [0f], [1f], TableColumnType.Key)).Message);
        Assert.Contains("Column 'A': scale[0] is 0",
            Assert.Throws<ArgumentException>(() => TableColumn.Real("A", [0f], [0f])).Message);
        Assert.Contains("Column 'A' has 2 locations but 1 scales",
            Assert.Throws<ArgumentException>(() => TableColumn.Count("A", [0f, 1f], [1f])).Message);
        Assert.Contains("Column 'K' is categorical with 1 classes",
            Assert.Throws<ArgumentOutOfRangeException>(() => TableColumn.Categorical("K", 1)).Message);
        Assert.Contains("Column 'B' cannot read Double values",
            Assert.Throws<ArgumentException>(() => TableColumn.Binary("B", 1, TableColumnType.Double)).Message);

        var table = Table();
        Assert.Contains("Two columns are named 'A'", Assert.Throws<ArgumentException>(
            () => new TableDescription([.. Columns(), TableColumn.Real("A", [0f], [1f])], table.Encoder, [], table.DecoderHead)).Message);
        Assert.Contains("The encoder reads 12 values; the columns give 10", Assert.Throws<ArgumentException>(
            () => new TableDescription(Columns()[..4], table.Encoder, [], table.DecoderHead)).Message);
        Assert.Contains("Decoder head has OutputSize 10; the columns' likelihoods need 11", Assert.Throws<ArgumentException>(
            () => new TableDescription([.. Columns()[..4], TableColumn.Real("R", [0f], [1f])], table.Encoder, [], table.DecoderHead)).Message);
        Assert.Contains("would use the name 'A.imputed' twice", Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteTable(table, new MemoryStream(), new OnnxExportOptions { ImputedColumnSuffix = ".imputed", EncoderMeanName = "A.imputed" })).Message);
    }
}
