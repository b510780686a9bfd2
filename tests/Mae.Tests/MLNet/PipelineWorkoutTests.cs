using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Mae.Tests.MLNet;

/// <summary>
/// ML.NET's estimator "workout": the estimator's schema equals the transformer's, bad input throws from both
/// GetOutputSchema and Fit, and saving and loading the pipeline gives the same output.
/// </summary>
public sealed class PipelineWorkoutTests
{
    [Fact]
    public void EstimatorSchemaMatchesTransformerSchemaAndOutputIsTheCode()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.Load(mlContext, PipelineData.Rows(300));
        var options = PipelineData.Quick();
        options.LogVarianceColumnName = "LogVariance";
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Features", options);

        var shape = estimator.GetOutputSchema(ShapeOf<PipelineData.Row>(mlContext, PipelineData.Definition()));
        using var transformer = estimator.Fit(data);
        var transformed = transformer.Transform(data);

        var fromShape = shape.Select(Describe).OrderBy(c => c.Name).ToArray();
        var fromSchema = transformed.Schema.Where(c => !c.IsHidden).Select(Describe).OrderBy(c => c.Name).ToArray();
        Assert.Equal(fromShape, fromSchema);
        Assert.Equal(transformer.GetOutputSchema(data.Schema).Select(c => (c.Name, c.Type)), transformed.Schema.Select(c => (c.Name, c.Type)));
        // The same type and slot names in the estimator's shape, the transformer's schema, the Transform view and a prediction engine.
        foreach (var column in (string[])["Code", "LogVariance"])
        {
            var annotation = Assert.Single(shape.Single(c => c.Name == column).Annotations);
            Assert.Equal(("SlotNames", SchemaShape.Column.VectorKind.Vector, (DataViewType)TextDataViewType.Instance), (annotation.Name, annotation.Kind, annotation.ItemType));
            PipelineData.AssertCodeColumn(transformer.GetOutputSchema(data.Schema), column, 3);
            PipelineData.AssertCodeColumn(transformed.Schema, column, 3);
        }
        using (var engine = mlContext.Model.CreatePredictionEngine<PipelineData.Row, CodeAndLogVarianceRow>(transformer,
            new PredictionEngineOptions { OwnsTransformer = false, InputSchemaDefinition = PipelineData.Definition() }))
        {
            PipelineData.AssertCodeColumn(engine.OutputSchema, "Code", 3);
            PipelineData.AssertCodeColumn(engine.OutputSchema, "LogVariance", 3);
            var predicted = engine.Predict(PipelineData.Rows(1)[0]);
            Assert.Equal(3, predicted.Code.Length);
            Assert.Equal(3, predicted.LogVariance.Length);
        }

        // The code is finite and varies with the input (PipelineBehaviourTests compares it with the libtorch forward pass).
        var rows = PipelineData.ReadVectors(data, "Features");
        var code = PipelineData.ReadVectors(transformed, "Code");
        var logVariance = PipelineData.ReadVectors(transformed, "LogVariance");
        Assert.Equal(rows.Length, code.Length);
        Assert.All(code, c => Assert.All(c, v => Assert.True(float.IsFinite(v))));
        Assert.All(logVariance, c => Assert.All(c, v => Assert.True(float.IsFinite(v))));
        Assert.True(code.Select(c => c[0]).Distinct().Count() > rows.Length / 2, "The code should vary with the input.");
        Assert.Equal(options.TargetInformation, transformer.Report.TargetInformation);
        Assert.Equal(options.NumberOfEpochs, transformer.Report.Epochs.Count);
    }

    [Fact]
    public void SaveAndLoadGiveTheSameOutputAndTheLoadedStepIsOnnxTransformer()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.Load(mlContext, PipelineData.Rows(200));
        var pipeline = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick())
            .Append(mlContext.Transforms.Concatenate("Both", "Code", "Features"));
        var model = pipeline.Fit(data);
        var before = PipelineData.ReadVectors(model.Transform(data), "Both");

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = mlContext.Model.Load(stream, out var inputSchema);
        var after = PipelineData.ReadVectors(loaded.Transform(data), "Both");

        PipelineData.AssertClose(before, after, 1e-5);
        Assert.Equal(data.Schema["Features"].Type, inputSchema["Features"].Type);
        PipelineData.AssertCodeColumn(loaded.GetOutputSchema(data.Schema), "Code", 3);
        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        Assert.IsType<OnnxTransformer>(chain.First());
        foreach (var step in model)
            (step as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData("Text", "String")]
    [InlineData("Missing", "Could not find input column 'Missing'")]
    [InlineData("Ragged", "variable-size Vector<Single>")]
    public void BadInputColumnThrowsFromGetOutputSchemaAndFit(string column, string expectedInMessage)
    {
        var mlContext = new MLContext(seed: 1);
        var rows = new[] { new BadRow { Text = ["a", "b"], Ragged = [1f, 2f] }, new BadRow { Text = ["c", "d"], Ragged = [3f] } };
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var estimator = mlContext.Transforms.MutualAutoencode("Code", column, PipelineData.Quick());

        var fromShape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(ShapeOf<BadRow>(mlContext)));
        var fromFit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains(expectedInMessage, fromShape.Message);
        Assert.Contains(expectedInMessage, fromFit.Message);
        if (column != "Missing")
        {
            Assert.Contains($"Schema mismatch for input column '{column}'", fromShape.Message);
            Assert.Contains("expected known-size vector of Single", fromFit.Message);
        }
    }

    [Fact]
    public void KeyColumnNeedsTheCategoricalDecoder()
    {
        var mlContext = new MLContext(seed: 1);
        var data = PipelineData.LoadKeys(mlContext, [1, 2, 3], 3);
        var estimator = mlContext.Transforms.MutualAutoencode("Code", "Class", PipelineData.Quick());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(ShapeOf<PipelineData.KeyRow>(mlContext, PipelineData.KeyDefinition(3))));
        Assert.Contains("Schema mismatch for input column 'Class'", error.Message);
        Assert.Contains("Key<UInt32>", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
    }

    [Fact]
    public void TransformRejectsAVectorOfAnotherWidth()
    {
        var mlContext = new MLContext(seed: 1);
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick(epochs: 1))
            .Fit(PipelineData.Load(mlContext, PipelineData.Rows(64)));
        var wider = PipelineData.Load(mlContext, PipelineData.Rows(8, width: PipelineData.Width + 1), PipelineData.Width + 1);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(wider));
        Assert.Contains("Schema mismatch for input column 'Features': expected Vector<Single, 6>", error.Message);
        Assert.Contains("got Vector<Single, 7>", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetRowToRowMapper(wider.Schema));
    }

    /// <summary>A schema shape's column: name, kind, item type, whether a key, and the kinds of its annotations.</summary>
    private static (string Name, SchemaShape.Column.VectorKind Kind, DataViewType ItemType, bool IsKey, string Annotations) Describe(SchemaShape.Column column) =>
        (column.Name, column.Kind, column.ItemType, column.IsKey, string.Join(",", column.Annotations.Select(a => a.Name).Order()));

    /// <summary>A schema column as a schema shape describes it.</summary>
    private static (string Name, SchemaShape.Column.VectorKind Kind, DataViewType ItemType, bool IsKey, string Annotations) Describe(DataViewSchema.Column column)
    {
        var kind = column.Type is VectorDataViewType vector
            ? vector.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector
            : SchemaShape.Column.VectorKind.Scalar;
        var item = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        string annotations = string.Join(",", column.Annotations.Schema.Select(a => a.Name).Order());
        return item is KeyDataViewType key
            ? (column.Name, kind, key.RawType == typeof(uint) ? NumberDataViewType.UInt32 : item, true, annotations)
            : (column.Name, kind, item, false, annotations);
    }

    public sealed class CodeAndLogVarianceRow
    {
        public float[] Code = [];

        public float[] LogVariance = [];
    }

    public sealed class BadRow
    {
        [VectorType(2)]
        public string[] Text = [];

        public float[] Ragged = [];
    }

    /// <summary>
    /// The schema shape of a view of <typeparamref name="TRow"/> objects. ML.NET keeps SchemaShape.Create internal; a
    /// custom mapping that adds exactly those columns reports their shape through its public GetOutputSchema.
    /// </summary>
    internal static SchemaShape ShapeOf<TRow>(MLContext mlContext, SchemaDefinition? definition = null)
        where TRow : class, new() =>
        mlContext.Transforms.CustomMapping<NoInput, TRow>(static (_, _) => { }, null, outputSchemaDefinition: definition)
            .GetOutputSchema(new SchemaShape([]));

    internal sealed class NoInput;
}
