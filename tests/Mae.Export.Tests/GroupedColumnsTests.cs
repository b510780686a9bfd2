using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Mae.Export.Tests;

/// <summary>
/// A table whose columns of one kind and input type are interleaved with others, so that the graph reads them as groups and must
/// gather the encoder's input and the decoder's head back into the table's order: the network input, the imputed columns and the
/// anomaly score against hand computation, column by column, with a distinct head constant for every parameter of every slot.
/// </summary>
public sealed class GroupedColumnsTests
{
    // Column order; groups: Single reals {R1, R2, R3}, Boolean binaries {B1, B2}, keys {K, L} (L padded to K's 3 classes), counts {C1, C2}, and D (a Double real), P alone.
    private static TableColumn[] Columns() =>
    [
        TableColumn.Real("R1", [1f], [2f]),
        TableColumn.Binary("B1"),
        TableColumn.Real("R2", [0f, 10f], [1f, 5f]),
        TableColumn.Categorical("K", 3),
        TableColumn.Real("D", [3f], [0.5f], TableColumnType.Double),
        TableColumn.Count("C1", [0.5f], [1f]),
        TableColumn.Binary("B2", 2),
        TableColumn.Count("C2", [1f], [2f]),
        TableColumn.Categorical("L", 2),
        TableColumn.Positive("P", [0f], [1f]),
        TableColumn.Real("R3", [-1f], [4f]),
    ];

    // The head in column order: R1 (m, v), B1 (h), R2 (m0, m1, v0, v1), K (3 logits), D (m, v), C1 (log-mean, log-dispersion), B2 (h0, h1), C2 (log-mean, log-dispersion), L (2 logits), P (m, v), R3 (m, v).
    private static readonly float[] HeadBias =
    [
        0.5f, 0.1f, 1.5f, 0.2f, -0.4f, 0f, 0.3f, 0f, 2f, 1f, -0.3f, 0.2f, MathF.Log(3f), MathF.Log(2f), -2f, 0.7f, MathF.Log(5f), MathF.Log(0.5f), 0.4f, -0.6f, 0.6f, -0.1f, 1.2f, 0.4f,
    ];

    private const int NetworkWidth = 16, MaskWidth = 13;

    internal static TableDescription Table() => TableGraphTests.HandComputable(Columns(), NetworkWidth + MaskWidth, HeadBias);

    // Two rows: every cell observed; every cell that can be missing missing.
    private static readonly float[] R1 = [3f, float.NaN], R2 = [1f, 20f, float.NaN, float.NaN], C1 = [4f, float.NaN], C2 = [2f, float.NaN], P = [2f, float.NaN], R3 = [7f, float.NaN];
    private static readonly double[] D = [2.5, double.NaN];
    private static readonly uint[] K = [3u, 0u], L = [2u, 0u];
    private static readonly bool[] B1 = [true, false], B2 = [false, true, true, false];

    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, string[] outputs, RunOptions runOptions, List<OrtValue> inputs, uint[]? l = null)
    {
        inputs.AddRange(
        [
            OrtValue.CreateTensorValueFromMemory(R1, [2, 1]), OrtValue.CreateTensorValueFromMemory(B1, [2, 1]), OrtValue.CreateTensorValueFromMemory(R2, [2, 2]),
            OrtValue.CreateTensorValueFromMemory(K, [2, 1]), OrtValue.CreateTensorValueFromMemory(D, [2, 1]), OrtValue.CreateTensorValueFromMemory(C1, [2, 1]),
            OrtValue.CreateTensorValueFromMemory(B2, [2, 2]), OrtValue.CreateTensorValueFromMemory(C2, [2, 1]), OrtValue.CreateTensorValueFromMemory(l ?? L, [2, 1]), OrtValue.CreateTensorValueFromMemory(P, [2, 1]),
            OrtValue.CreateTensorValueFromMemory(R3, [2, 1]),
        ]);
        return session.Run(runOptions, ["R1", "B1", "R2", "K", "D", "C1", "B2", "C2", "L", "P", "R3"], inputs, outputs);
    }

    /// <summary>The network input of row <paramref name="r"/> in the table's order: standardised values (0 if missing), one-hot keys, then the masks.</summary>
    private static double[] ExpectedNetworkInput(int r)
    {
        static double Standard(double x, double location, double scale) => double.IsNaN(x) ? 0 : (x - location) / scale;
        var input = new List<double>
        {
            Standard(R1[r], 1, 2), B1[r] ? 1 : 0, Standard(R2[2 * r], 0, 1), Standard(R2[2 * r + 1], 10, 5),
        };
        input.AddRange(Enumerable.Range(1, 3).Select(k => K[r] == k ? 1.0 : 0.0));
        input.AddRange([Standard(D[r], 3, 0.5), Standard(Math.Log(1 + C1[r]), 0.5, 1), B2[2 * r] ? 1 : 0, B2[2 * r + 1] ? 1 : 0,
            Standard(Math.Log(1 + C2[r]), 1, 2)]);
        input.AddRange(Enumerable.Range(1, 2).Select(k => L[r] == k ? 1.0 : 0.0));
        input.AddRange([Standard(Math.Log(P[r]), 0, 1), Standard(R3[r], -1, 4)]);
        static double Seen(double x) => double.IsNaN(x) ? 0 : 1;
        input.AddRange([Seen(R1[r]), 1, Seen(R2[2 * r]), Seen(R2[2 * r + 1]), K[r] > 0 ? 1 : 0, Seen(D[r]), Seen(C1[r]), 1, 1, Seen(C2[r]), L[r] > 0 ? 1 : 0, Seen(P[r]), Seen(R3[r])]);
        return [.. input];
    }

    [Fact]
    public void TheGroupedGraphGivesEachColumnItsOwnInputPredictionAndMask()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { ImputedColumnSuffix = ".imputed" });
        // One masking node per group, not per column: the Single reals, the binaries, D, the counts and P (the key has none).
        Assert.Equal(5, CountNodes(stream.ToArray(), "IsNaN"));
        Assert.Equal(2, CountNodes(stream.ToArray(), "Gather"));  // the encoder's input and the decoder's head back into the table's order

        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal(["mean", "R1.imputed", "R2.imputed", "K.imputed", "D.imputed", "C1.imputed", "C2.imputed", "L.imputed", "P.imputed", "R3.imputed"], session.OutputMetadata.Keys);
        var inputs = new List<OrtValue>();
        using var runOptions = new RunOptions();
        using var results = Run(session, [.. session.OutputMetadata.Keys], runOptions, inputs);

        float[] mean = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < 2; r++)
        {
            double[] expected = ExpectedNetworkInput(r);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - mean[r * expected.Length + i]) < 1e-6, $"Row {r}, network input {i}: expected {expected[i]}, got {mean[r * expected.Length + i]}.");
        }

        // Observed cells pass through; missing ones get the column's own prediction from its own head outputs.
        Assert.Equal([3f, 1f + 2f * 0.5f], results[1].GetTensorDataAsSpan<float>().ToArray());
        var r2 = results[2].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([1f, 20f], r2[..2]);
        Assert.Equal(0.2f, r2[2], 1e-6f);
        Assert.Equal(10f + 5f * -0.4f, r2[3], 1e-5f);
        Assert.Equal([3u, 2u], results[3].GetTensorDataAsSpan<uint>().ToArray());
        var d = results[4].GetTensorDataAsSpan<double>().ToArray();
        Assert.Equal(2.5, d[0]);
        Assert.Equal(3 + 0.5 * -0.3, d[1], 1e-6);
        Assert.Equal(4f, results[5].GetTensorDataAsSpan<float>()[0]);
        Assert.Equal(3f, results[5].GetTensorDataAsSpan<float>()[1], 1e-5f);
        Assert.Equal(2f, results[6].GetTensorDataAsSpan<float>()[0]);
        Assert.Equal(5f, results[6].GetTensorDataAsSpan<float>()[1], 1e-5f);
        Assert.Equal([2u, 1u], results[7].GetTensorDataAsSpan<uint>().ToArray());                // class 0 of L's two, never its padding
        Assert.Equal(2f, results[8].GetTensorDataAsSpan<float>()[0]);
        Assert.Equal(MathF.Exp(0.6f), results[8].GetTensorDataAsSpan<float>()[1], 1e-5f);
        Assert.Equal([7f, -1f + 4f * 1.2f], results[9].GetTensorDataAsSpan<float>().ToArray());
        foreach (var value in inputs)
            value.Dispose();
    }

    [Fact]
    public void TheGroupedGraphScoresEveryColumnFromItsOwnHeadOutputs()
    {
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { AnomalyScoreName = "Score" });
        using var session = new InferenceSession(stream.ToArray());
        var inputs = new List<OrtValue>();
        using var runOptions = new RunOptions();
        using var results = Run(session, ["Score"], runOptions, inputs);
        float[] scores = results[0].GetTensorDataAsSpan<float>().ToArray();

        static double Gaussian(double u, double m, double v) => -0.5 * ((u - m) * (u - m) * Math.Exp(-v) + v + Math.Log(2 * Math.PI));
        static double Softplus(double h) => Math.Log(1 + Math.Exp(h));
        // Negative binomial with mean μ and dispersion r at a whole count k: Γ(k + r)/(Γ(r) k!) = Π_{j<k} (r + j)/(j + 1).
        static double NegativeBinomial(int k, double mean, double r) =>
            Enumerable.Range(0, k).Sum(j => Math.Log((r + j) / (j + 1))) + r * Math.Log(r / (r + mean)) + k * Math.Log(mean / (r + mean));
        double[] logits = [0, 2, 1];
        double logSumExp = Math.Log(logits.Sum(Math.Exp));
        for (int r = 0; r < 2; r++)
        {
            double[] input = ExpectedNetworkInput(r);
            double logLikelihood = 0;
            if (!float.IsNaN(R1[r]))
                logLikelihood += Gaussian(input[0], 0.5, 0.1) - Math.Log(2);
            logLikelihood += (B1[r] ? 1.5 : 0) - Softplus(1.5);
            if (!float.IsNaN(R2[2 * r]))
                logLikelihood += Gaussian(input[2], 0.2, 0) - Math.Log(1) + Gaussian(input[3], -0.4, 0.3) - Math.Log(5);
            if (K[r] > 0)
                logLikelihood += logits[K[r] - 1] - logSumExp;
            if (!double.IsNaN(D[r]))
                logLikelihood += Gaussian(input[7], -0.3, 0.2) - Math.Log(0.5);
            if (!float.IsNaN(C1[r]))
                logLikelihood += NegativeBinomial((int)C1[r], 3, 2);
            logLikelihood += (B2[2 * r] ? -2 : 0) - Softplus(-2) + (B2[2 * r + 1] ? 0.7 : 0) - Softplus(0.7);
            if (!float.IsNaN(C2[r]))
                logLikelihood += NegativeBinomial((int)C2[r], 5, 0.5);
            if (L[r] > 0)
                logLikelihood += (L[r] == 1 ? 0.4 : -0.6) - Math.Log(Math.Exp(0.4) + Math.Exp(-0.6));
            if (!float.IsNaN(P[r]))
                logLikelihood += Gaussian(input[14], 0.6, -0.1) - Math.Log(P[r]);
            if (!float.IsNaN(R3[r]))
                logLikelihood += Gaussian(input[15], 1.2, 0.4) - Math.Log(4);
            double expected = 0.5 * input.Sum(m => m * m) - logLikelihood;
            Assert.Equal(expected, scores[r], Math.Max(1e-4, 1e-6 * Math.Abs(expected)));
        }

        foreach (var value in inputs)
            value.Dispose();
    }

    [Fact]
    public void AKeyAboveItsColumnsCountIsFlaggedEvenWhereTheGroupPadsItsClasses()
    {
        // L has 2 classes, padded to K's 3: key 3 names L's padding class, and key 4 no class at all.
        using var stream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), stream, new OnnxExportOptions { AnomalyScoreName = "Score", PredictedLabelName = "PredictedLabel", AnomalyThreshold = 1e6f });
        using var session = new InferenceSession(stream.ToArray());
        foreach (uint key in new[] { 3u, 4u })
        {
            var inputs = new List<OrtValue>();
            using var runOptions = new RunOptions();
            using var results = Run(session, ["Score", "PredictedLabel"], runOptions, inputs, [1u, key]);
            float[] scores = results[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.True(float.IsFinite(scores[0]));
            Assert.True(float.IsPositiveInfinity(scores[1]), $"Key {key} of L scores {scores[1]}.");
            Assert.Equal([false, true], results[1].GetTensorDataAsSpan<bool>().ToArray());
            foreach (var value in inputs)
                value.Dispose();
        }
    }

    [Fact]
    public void TheOneRowGraphGivesEachRowWhatTheBatchGraphGivesIt()
    {
        // What ML.NET's ONNX transformer runs after a reload: every output of the one-row graph against the batch graph's row.
        var options = (OnnxTensorLayout layout) => new OnnxExportOptions { TensorLayout = layout, ImputedColumnSuffix = ".imputed", AnomalyScoreName = "Score" };
        using var batchStream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), batchStream, options(OnnxTensorLayout.Batch));
        using var rowStream = new MemoryStream();
        OnnxExporter.WriteTable(Table(), rowStream, options(OnnxTensorLayout.SingleRow));
        using var batchSession = new InferenceSession(batchStream.ToArray());
        using var rowSession = new InferenceSession(rowStream.ToArray());
        string[] outputs = [.. batchSession.OutputMetadata.Keys];
        Assert.Equal(outputs, rowSession.OutputMetadata.Keys);
        var batchInputs = new List<OrtValue>();
        using var runOptions = new RunOptions();
        using var batch = Run(batchSession, outputs, runOptions, batchInputs);
        string[] names = ["R1", "B1", "R2", "K", "D", "C1", "B2", "C2", "L", "P", "R3"];
        for (int r = 0; r < 2; r++)
        {
            var rowInputs = names.Select((name, i) => RowOf(batchInputs[i], r)).ToArray();
            using var row = rowSession.Run(runOptions, names, rowInputs, outputs);
            for (int o = 0; o < outputs.Length; o++)
            {
                double[] expected = Values(batch[o]), actual = Values(row[o]);
                int width = actual.Length;
                for (int k = 0; k < width; k++)
                    Assert.True(Math.Abs(expected[r * width + k] - actual[k]) <= 1e-5 * Math.Max(1, Math.Abs(actual[k])), $"Row {r}, output {outputs[o]}[{k}]: batch {expected[r * width + k]}, one row {actual[k]}.");
            }
            foreach (var value in rowInputs)
                value.Dispose();
        }
        foreach (var value in batchInputs)
            value.Dispose();
    }

    /// <summary>Row <paramref name="row"/> of a [rows, width] tensor as a [1, width] tensor.</summary>
    private static OrtValue RowOf(OrtValue value, int row)
    {
        long width = value.GetTensorTypeAndShape().Shape[1];
        OrtValue Slice<T>() where T : unmanaged =>
            OrtValue.CreateTensorValueFromMemory(value.GetTensorDataAsSpan<T>().Slice(row * (int)width, (int)width).ToArray(), [1, width]);
        return value.GetTensorTypeAndShape().ElementDataType switch
        {
            TensorElementType.Float => Slice<float>(),
            TensorElementType.Double => Slice<double>(),
            TensorElementType.UInt32 => Slice<uint>(),
            TensorElementType.Bool => Slice<bool>(),
            var other => throw new NotSupportedException($"{other}"),
        };
    }

    /// <summary>An output's values as doubles (keys as their numbers).</summary>
    private static double[] Values(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float => [.. value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)],
        TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
        TensorElementType.UInt32 => [.. value.GetTensorDataAsSpan<uint>().ToArray().Select(v => (double)v)],
        var other => throw new NotSupportedException($"{other}"),
    };

    /// <summary>Nodes of operator <paramref name="operatorType"/> in a serialised model: NodeProto's op_type is field 4, a string (tag 0x22, then its length).</summary>
    private static int CountNodes(byte[] model, string operatorType)
    {
        byte[] pattern = [0x22, (byte)operatorType.Length, .. System.Text.Encoding.ASCII.GetBytes(operatorType)];
        int count = 0;
        for (int i = model.AsSpan().IndexOf(pattern); i >= 0; i = model.AsSpan(i + 1).IndexOf(pattern) is int next && next >= 0 ? i + 1 + next : -1)
            count++;
        return count;
    }
}
