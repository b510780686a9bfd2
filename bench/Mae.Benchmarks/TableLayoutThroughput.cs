using System.Diagnostics;
using System.Globalization;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// Where the saved table pipeline's per-row time goes: the same 20 real values per row read as 20 scalar columns (20 graph
/// inputs, each with its own masking and standardising nodes) and as one 20-slot vector column (one input, one set of nodes),
/// through Mae's own transformer and through the saved pipeline that an app without Mae loads (ML.NET's OnnxTransformer, one
/// ONNX Runtime call per row). Median of interleaved runs. Writes table-layout-throughput.csv.
/// </summary>
internal static class TableLayoutThroughput
{
    private const int Width = 20;

    public static void Run(string outputDirectory, int rows, int runs, int threads)
    {
        var mlContext = new MLContext(seed: 1);
        var random = new Random(1);
        var list = new Row[rows];
        for (int r = 0; r < rows; r++)
        {
            var values = new float[Width];
            double shared = random.NextDouble();
            for (int c = 0; c < Width; c++)
                values[c] = random.NextDouble() < 0.1 ? float.NaN : (float)(shared + random.NextDouble());
            list[r] = new Row { Features = values };
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Width);
        var vectorData = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(list, definition));
        string[] names = Enumerable.Range(0, Width).Select(c => $"C{c}").ToArray();
        var scalarRows = list.Select(r =>
        {
            var values = r.Features;
            var row = new ScalarRow();
            row.C0 = values[0];
            row.C1 = values[1];
            row.C2 = values[2];
            row.C3 = values[3];
            row.C4 = values[4];
            row.C5 = values[5];
            row.C6 = values[6];
            row.C7 = values[7];
            row.C8 = values[8];
            row.C9 = values[9];
            row.C10 = values[10];
            row.C11 = values[11];
            row.C12 = values[12];
            row.C13 = values[13];
            row.C14 = values[14];
            row.C15 = values[15];
            row.C16 = values[16];
            row.C17 = values[17];
            row.C18 = values[18];
            row.C19 = values[19];
            return row;
        }).ToArray();
        var scalarData = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(scalarRows));

        var layouts = new (string Name, IDataView Data, string[] Columns)[]
        {
            ("20 scalar columns", scalarData, names),
            ("one 20-slot vector column", vectorData, ["Features"]),
        };
        var inMemory = new ITransformer[layouts.Length];
        var saved = new ITransformer[layouts.Length];
        for (int l = 0; l < layouts.Length; l++)
        {
            var options = new MutualAutoencoderEstimator.Options
            {
                Seed = 1, NumberOfThreads = threads, MinimumNumberOfSteps = 200, MaximumNumberOfSteps = 200, EvaluateEveryEpoch = false, NumberOfImportanceSamples = 0,
            };
            inMemory[l] = mlContext.Transforms.MutualAutoencode("Code", layouts[l].Columns, options).Fit(layouts[l].Data);
            using var stream = new MemoryStream();
            mlContext.Model.Save(inMemory[l], layouts[l].Data.Schema, stream);
            stream.Position = 0;
            saved[l] = mlContext.Model.Load(stream, out _);
        }

        var times = new List<double>[layouts.Length, 2];
        for (int l = 0; l < layouts.Length; l++)
            for (int p = 0; p < 2; p++)
                times[l, p] = [];
        for (int run = 0; run < runs; run++)
        {
            for (int l = 0; l < layouts.Length; l++)
            {
                times[l, 0].Add(Score(inMemory[l], layouts[l].Data));
                times[l, 1].Add(Score(saved[l], layouts[l].Data));
            }
        }

        var lines = new List<string> { "layout,path,rows,rows_per_second,microseconds_per_row" };
        for (int l = 0; l < layouts.Length; l++)
        {
            foreach (var (p, path) in new[] { (0, "Mae transformer"), (1, "saved pipeline") })
            {
                double seconds = times[l, p].Order().ElementAt(times[l, p].Count / 2);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{layouts[l].Name}, {path}: {rows / seconds:N0} rows/s ({1e6 * seconds / rows:F1} µs a row; median of {runs})"));
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{layouts[l].Name},{path},{rows},{rows / seconds:F0},{1e6 * seconds / rows:F2}"));
            }
        }
        string file = Path.Combine(outputDirectory, "table-layout-throughput.csv");
        File.WriteAllLines(file, lines);
        Console.WriteLine($"Wrote {file}");
        foreach (var transformer in inMemory)
            (transformer as IDisposable)?.Dispose();
    }

    /// <summary>Seconds to read the code of every row.</summary>
    private static double Score(ITransformer transformer, IDataView data)
    {
        var watch = Stopwatch.StartNew();
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["Code"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Code"]);
        VBuffer<float> code = default;
        while (cursor.MoveNext())
            getter(ref code);
        return watch.Elapsed.TotalSeconds;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>The same 20 values as 20 Single columns <c>C0</c>..<c>C19</c>.</summary>
    private sealed class ScalarRow
    {
        public float C0 { get; set; }
        public float C1 { get; set; }
        public float C2 { get; set; }
        public float C3 { get; set; }
        public float C4 { get; set; }
        public float C5 { get; set; }
        public float C6 { get; set; }
        public float C7 { get; set; }
        public float C8 { get; set; }
        public float C9 { get; set; }
        public float C10 { get; set; }
        public float C11 { get; set; }
        public float C12 { get; set; }
        public float C13 { get; set; }
        public float C14 { get; set; }
        public float C15 { get; set; }
        public float C16 { get; set; }
        public float C17 { get; set; }
        public float C18 { get; set; }
        public float C19 { get; set; }
    }
}
