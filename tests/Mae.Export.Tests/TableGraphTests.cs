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

    private static TableColumn[] Columns() =>
    [
        TableColumn.Real("A", [1f], [2f]),
        TableColumn.Positive("P", [0f], [1f], TableColumnType.Double),
        TableColumn.Count("C", [0.5f], [1f]),
        TableColumn.Categorical("K", 3),
        TableColumn.Binary("B"),
    ];

    private static TableDescription Table()
    {
        var identity = new float[NetworkWidth * NetworkWidth];
        for (int i = 0; i < NetworkWidth; i++)
            identity[i * NetworkWidth + i] = 1;
        var encoder = new EncoderDescription(InputPreprocessing.None, [], HiddenActivation.Tanh,
            new DenseLayer(NetworkWidth, NetworkWidth, identity, new float[NetworkWidth]),
            new DenseLayer(NetworkWidth, NetworkWidth, new float[NetworkWidth * NetworkWidth], new float[NetworkWidth]));
        // Head: A (mean, log-variance), P (mean, log-variance), C (log-rate), K (3 logits), B (logit); constants in the bias.
        float[] bias = [0.5f, 0f, 0.3f, 0f, MathF.Log(3f), 0f, 2f, 1f, -1f];
        var head = new DenseLayer(NetworkWidth, bias.Length, new float[NetworkWidth * bias.Length], bias);
        return new TableDescription(Columns(), encoder, [], head);
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
        Assert.Contains("Decoder head has OutputSize 9; the columns' likelihoods need 10", Assert.Throws<ArgumentException>(
            () => new TableDescription([.. Columns()[..4], TableColumn.Real("R", [0f], [1f])], table.Encoder, [], table.DecoderHead)).Message);
        Assert.Contains("would use the name 'A.imputed' twice", Assert.Throws<ArgumentException>(
            () => OnnxExporter.WriteTable(table, new MemoryStream(), new OnnxExportOptions { ImputedColumnSuffix = ".imputed", EncoderMeanName = "A.imputed" })).Message);
    }
}
