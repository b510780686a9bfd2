using Microsoft.ML.OnnxRuntime;

namespace Mae.Export.Tests;

/// <summary>
/// Ordinal columns of 3, 5 and 2 levels with a real column after the first, so that the graph reads the ordinal columns as one group
/// padded to 5 levels: the signed thermometer input, the median imputation and the cumulative-link likelihood against a hand
/// computation in double precision, with threshold gaps of 6.7e-3 and 6.1e-6 (the series of ln(1 − e^−Δ), and a softplus whose
/// ln(1 + d) must keep its digits: ln of 1 + d in float put the score 0.005 nat off, and this test failed on it) on the 5-level column.
/// </summary>
public sealed class OrdinalGraphTests
{
    // The head in column order: O1 (h, δ1, δ2), R (m, v), O2 (h, δ1, δ2, δ3, δ4), O3 (h, δ1).
    private static readonly float[] HeadBias = [0.5f, -0.3f, 0.8f, 0.2f, 0f, -0.4f, -1.2f, -5f, -12f, 1.1f, 0.3f, -0.2f];

    private const int NetworkWidth = 2 + 1 + 4 + 1, MaskWidth = 4;

    private static TableDescription Table() => TableGraphTests.HandComputable(
        [TableColumn.Ordinal("O1", 3), TableColumn.Real("R", [0f], [1f]), TableColumn.Ordinal("O2", 5), TableColumn.Ordinal("O3", 2)], NetworkWidth + MaskWidth, HeadBias);

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>Level probabilities of a head [h, δ₁, …]: θ₀ = δ₁, θ_k = θ_{k−1} + softplus(δ_{k+1}), P(x ≤ k) = σ(θ_k − h).</summary>
    private static double[] Probabilities(float[] head)
    {
        int levels = head.Length;
        double threshold = head[1];
        var cumulative = new double[levels];
        for (int k = 0; k < levels - 1; k++)
        {
            if (k > 0)
                threshold += Softplus(head[k + 1]);
            cumulative[k] = 1 / (1 + Math.Exp(head[0] - threshold));
        }
        cumulative[levels - 1] = 1;
        return [.. cumulative.Select((c, k) => c - (k == 0 ? 0 : cumulative[k - 1]))];
    }

    private static int Median(double[] probabilities)
    {
        double cumulative = 0;
        for (int k = 0; k < probabilities.Length; k++)
        {
            cumulative += probabilities[k];
            if (cumulative >= 0.5)
                return k;
        }
        return probabilities.Length - 1;
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, uint[] o1, float[] r, uint[] o2, uint[] o3, string[] outputs, List<OrtValue> inputs, RunOptions runOptions)
    {
        inputs.AddRange([OrtValue.CreateTensorValueFromMemory(o1, [2, 1]), OrtValue.CreateTensorValueFromMemory(r, [2, 1]), OrtValue.CreateTensorValueFromMemory(o2, [2, 1]), OrtValue.CreateTensorValueFromMemory(o3, [2, 1])]);
        return session.Run(runOptions, ["O1", "R", "O2", "O3"], inputs, outputs);
    }

    [Fact]
    public void TheGraphReadsImputesAndScoresOrdinalColumnsAsComputedByHand()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { ImputedColumnSuffix = ".imputed", AnomalyScoreName = "Score" });
        using var session = new InferenceSession(stream.ToArray());
        var inputs = new List<OrtValue>();
        using var runOptions = new RunOptions();
        // Row 0: every cell observed (levels 2, 2 and 1: O2's level 2 lies in the gap of 6.1e-6); row 1: every ordinal cell missing.
        using var results = Run(session, [3u, 0u], [1.5f, 0.5f], [3u, 0u], [2u, 0u], ["mean", "O1.imputed", "O2.imputed", "O3.imputed", "Score"], inputs, runOptions);

        double[][] expectedInput =
        [
            [1, 1, 1.5, 1, 1, -1, -1, 1, 1, 1, 1, 1],
            [0, 0, 0.5, 0, 0, 0, 0, 0, 0, 1, 0, 0],
        ];
        float[] mean = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < 2; r++)
        {
            for (int i = 0; i < expectedInput[r].Length; i++)
                Assert.True(Math.Abs(expectedInput[r][i] - mean[r * expectedInput[r].Length + i]) < 1e-6, $"Row {r}, input {i}: {mean[r * expectedInput[r].Length + i]}, expected {expectedInput[r][i]}.");
        }

        var first = Probabilities(HeadBias[..3]);
        var second = Probabilities(HeadBias[5..10]);
        var third = Probabilities(HeadBias[10..]);
        Assert.Equal([3u, (uint)Median(first) + 1], results[1].GetTensorDataAsSpan<uint>().ToArray());
        Assert.Equal([3u, (uint)Median(second) + 1], results[2].GetTensorDataAsSpan<uint>().ToArray());
        Assert.Equal([2u, (uint)Median(third) + 1], results[3].GetTensorDataAsSpan<uint>().ToArray());

        static double Gaussian(double u, double m, double v) => -0.5 * ((u - m) * (u - m) * Math.Exp(-v) + v + Math.Log(2 * Math.PI));
        const double floor = 1e-6;   // the likelihood takes ln(p + 10⁻⁶)
        Assert.InRange(second[2], 1e-6, 2e-6);
        double[] logLikelihood =
        [
            Math.Log(first[2] + floor) + Gaussian(1.5, 0.2, 0) + Math.Log(second[2] + floor) + Math.Log(third[1] + floor),
            Gaussian(0.5, 0.2, 0),
        ];
        float[] scores = results[4].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < 2; r++)
        {
            double expected = 0.5 * expectedInput[r].Take(NetworkWidth + MaskWidth).Sum(m => m * m) - logLikelihood[r];
            Assert.Equal(expected, scores[r], 1e-5);
        }
        foreach (var value in inputs)
            value.Dispose();
    }

    [Fact]
    public void AKeyInTheGroupsPaddingIsFlagged()
    {
        // O1 has 3 levels, padded to O2's 5: key 4 names a padding level, and key 6 none at all.
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { AnomalyScoreName = "Score" });
        using var session = new InferenceSession(stream.ToArray());
        foreach (uint key in new[] { 4u, 6u })
        {
            var inputs = new List<OrtValue>();
            using var runOptions = new RunOptions();
            using var results = Run(session, [1u, key], [0f, 0f], [1u, 1u], [1u, 2u], ["Score"], inputs, runOptions);
            float[] scores = results[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.True(float.IsFinite(scores[0]));
            Assert.True(float.IsPositiveInfinity(scores[1]), $"Key {key} of O1 scores {scores[1]}.");
            foreach (var value in inputs)
                value.Dispose();
        }
    }

    [Fact]
    public void AnOrdinalColumnNeedsTwoLevels()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TableColumn.Ordinal("Rank", 1));
        Assert.Contains("Column 'Rank' is ordinal with 1 levels; it needs at least 2.", error.Message);
        var column = TableColumn.Ordinal("Rank", 4);
        Assert.Equal(TableColumnKind.Ordinal, column.Kind);
        Assert.Equal(TableColumnType.Key, column.Type);
        Assert.Equal(4, column.ClassCount);
        Assert.Equal(3, column.NetworkWidth);
        Assert.Equal(4, column.HeadWidth);
    }
}
