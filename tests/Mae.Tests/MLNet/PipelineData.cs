using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Tests.MLNet;

/// <summary>Small ML.NET data sets and option presets for the pipeline tests.</summary>
internal static class PipelineData
{
    public const int Width = 6;

    public sealed class Row
    {
        public float[] Features = [];

        public float Value;

        public float Label;
    }

    public sealed class KeyRow
    {
        public uint Class;
    }

    /// <summary>Rows on a noisy two-dimensional manifold in <see cref="Width"/> dimensions, plus a scalar and a label.</summary>
    public static Row[] Rows(int count, int seed = 11, int width = Width)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            double a = TestData.StandardNormal(random), b = TestData.StandardNormal(random);
            var features = new float[width];
            for (int j = 0; j < width; j++)
                features[j] = (float)(Math.Sin(a * (j + 1) * 0.5) + b * (j % 2 == 0 ? 0.5 : -0.3) + 0.05 * TestData.StandardNormal(random));
            rows[i] = new Row { Features = features, Value = (float)a, Label = a > 0 ? 1 : 0 };
        }
        return rows;
    }

    public static SchemaDefinition Definition(int width = Width)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return definition;
    }

    public static SchemaDefinition KeyDefinition(int keyCount)
    {
        var definition = SchemaDefinition.Create(typeof(KeyRow));
        definition[nameof(KeyRow.Class)].ColumnType = new KeyDataViewType(typeof(uint), keyCount);
        return definition;
    }

    public static IDataView Load(MLContext mlContext, Row[] rows, int width = Width) =>
        mlContext.Data.LoadFromEnumerable(rows, Definition(width));

    public static IDataView LoadKeys(MLContext mlContext, uint[] classes, int keyCount) =>
        mlContext.Data.LoadFromEnumerable(classes.Select(c => new KeyRow { Class = c }), KeyDefinition(keyCount));

    /// <summary>A quick model: two small layers, a few epochs, a fixed seed.</summary>
    public static Mae.MutualAutoencoderEstimator.Options Quick(int latentDimension = 3, int epochs = 3) => new()
    {
        LatentDimension = latentDimension,
        TargetInformation = 2,
        HiddenSizes = [16, 16],
        NumberOfEpochs = epochs,
        BatchSize = 32,
        Seed = 5,
        EvaluationSampleSize = 128,
        EvaluationPriorSampleSize = 256,
    };

    /// <summary>Every value of a Single-vector column, row after row.</summary>
    public static float[][] ReadVectors(IDataView data, string column)
    {
        var result = new List<float[]>();
        using var cursor = data.GetRowCursor([data.Schema[column]]);
        var getter = cursor.GetGetter<VBuffer<float>>(data.Schema[column]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            result.Add(buffer.DenseValues().ToArray());
        }
        return [.. result];
    }

    /// <summary>
    /// Checks that <paramref name="column"/> of <paramref name="schema"/> is a code column: Vector&lt;Single, d&gt; (one
    /// dimension, d) whose slots are named z0 … z(d−1).
    /// </summary>
    public static void AssertCodeColumn(DataViewSchema schema, string column, int latentDimension)
    {
        var type = Assert.IsType<VectorDataViewType>(schema[column].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, latentDimension), type);
        Assert.Equal([latentDimension], type.Dimensions.ToArray());
        Assert.True(schema[column].HasSlotNames(), $"Column '{column}' has no slot names.");
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema[column].GetSlotNames(ref names);
        Assert.Equal(Enumerable.Range(0, latentDimension).Select(i => $"z{i}"), names.DenseValues().Select(n => n.ToString()));
    }

    public static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[i][j] - actual[i][j]));
        }
        Assert.True(worst <= tolerance, $"Largest difference {worst:G3} exceeds {tolerance:G3}.");
    }

    /// <summary>
    /// Values that agree to <paramref name="tolerance"/> relative to their size (at least 1): what the in-memory step (ONNX Runtime in
    /// batches) and a reloaded pipeline (one run per row, other kernels) give for the same rows.
    /// </summary>
    public static void AssertRelativelyClose(IEnumerable<double> expected, IEnumerable<double> actual, double tolerance = 1e-5)
    {
        double[] e = [.. expected], a = [.. actual];
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"Value {i}: expected {e[i]:R}, got {a[i]:R}.");
    }
}
