using System.Diagnostics;
using System.Globalization;
using Mae.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Mae.Benchmarks;

/// <summary>
/// Rows/s of the ML.NET step's <c>Transform</c> on 784 features (a 784→256→256→16 tanh encoder), against the same encoder in
/// ONNX Runtime called directly in batches of 1024, ML.NET's own OnnxTransformer (the step after Save and Load), and the
/// cursor over the input alone. Every ONNX Runtime session runs one intra-op thread except ML.NET's reloaded one, which
/// keeps ML.NET's defaults.
/// </summary>
internal static class TransformThroughputBenchmark
{
    private const int Features = 784;
    private const int RawBatch = 1024;

    private sealed class Row
    {
        public float[] Features = [];
    }

    public static void Run(string outputDirectory, int rows, int runs, int threads)
    {
        var random = new Random(1);
        var values = new float[(long)rows * Features];
        for (long i = 0; i < values.LongLength; i++)
            values[i] = random.NextSingle();
        var table = new Row[rows];
        for (int r = 0; r < rows; r++)
            table[r] = new Row { Features = values.AsSpan(r * Features, Features).ToArray() };

        var mlContext = new MLContext(seed: 1);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        var data = mlContext.Data.LoadFromEnumerable(table, definition);

        // Speed does not depend on the weights: one epoch on a subset is enough.
        var options = new MutualAutoencoderEstimator.Options
        {
            Decoder = DecoderFamily.Bernoulli, LatentDimension = 16, HiddenSizes = [256, 256], BatchSize = 256, NumberOfEpochs = 1,
            TargetInformation = 10, Seed = 1, NumberOfThreads = threads,
        };
        using var transformer = mlContext.Transforms.MutualAutoencode("Code", "Features", options).Fit(mlContext.Data.TakeRows(data, 2048));

        using var encoder = new MemoryStream();
        transformer.ExportEncoderToOnnx(encoder);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(encoder.ToArray(), sessionOptions);
        using var runOptions = new RunOptions();

        using var saved = new MemoryStream();
        mlContext.Model.Save(transformer, data.Schema, saved);
        saved.Position = 0;
        var reloaded = mlContext.Model.Load(saved, out _);

        var codes = new float[RawBatch * transformer.LatentDimension];
        var paths = new (string Name, string Description, Func<long> Pass)[]
        {
            ("mae-transform", "(1) Mae step: Transform + cursor over Code", () => CursorColumn(transformer.Transform(data), "Code")),
            ("onnxruntime-batch-1024", "(2) ONNX Runtime alone, batches of 1024", () =>
            {
                long done = 0;
                for (int start = 0; start < rows; start += RawBatch)
                {
                    int count = Math.Min(RawBatch, rows - start);
                    using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values.AsMemory(start * Features, count * Features), [count, Features]);
                    using var outputs = session.Run(runOptions, [OnnxTensorNames.Features], [input], [OnnxTensorNames.Mean]);
                    outputs[0].GetTensorDataAsSpan<float>().CopyTo(codes);
                    done += count;
                }
                return done;
            }),
            ("mlnet-onnxtransformer-reloaded", "(3) ML.NET OnnxTransformer (after Save/Load), row by row", () => CursorColumn(reloaded.Transform(data), "Code")),
            ("input-cursor", "(4) cursor over the input alone", () => CursorColumn(data, "Features")),
        };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows:N0} rows of {Features} features, 784-256-256-tanh-16 encoder; median of {runs} interleaved runs after one warm-up run."));
        Console.WriteLine($"{"path",-58} {"median s",9} {"rows/s",11} {"vs (2)",7}");
        var medians = MedianSeconds(paths.Select(p => p.Pass).ToArray(), rows, runs);

        var lines = new List<string> { "benchmark,path,rows,features,architecture,runs,median_seconds,rows_per_second,relative_to_onnxruntime" };
        for (int p = 0; p < paths.Length; p++)
        {
            double relative = medians[1] / medians[p];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{paths[p].Description,-58} {medians[p],9:F3} {rows / medians[p],11:N0} {relative,7:P0}"));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"transform-throughput,{paths[p].Name},{rows},{Features},784-256-256-tanh-16,{runs},{medians[p]:F4},{rows / medians[p]:F0},{relative:F3}"));
        }
        // The step has to read the input and run the encoder: the sum of (2) and (4) is the best it could do in sequence.
        double floor = medians[1] + medians[3];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(1)/(2) = {medians[1] / medians[0]:P0}; (2) + (4) in sequence would give {rows / floor:N0} rows/s, and (1) reaches {floor / medians[0]:P0} of that."));

        string path = Path.Combine(outputDirectory, "transform-throughput.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
        (reloaded as IDisposable)?.Dispose();
    }

    /// <summary>Reads one Single-vector column through every row; returns the number of rows.</summary>
    private static long CursorColumn(IDataView view, string name)
    {
        var column = view.Schema[name];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        long count = 0;
        float sink = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            sink += buffer.GetValues()[0];
            count++;
        }
        GC.KeepAlive(sink);
        return count;
    }

    /// <summary>
    /// Runs every pass once to warm up, then <paramref name="runs"/> rounds of all passes in turn (so that a change in the
    /// machine's load touches every path alike); returns each pass's median seconds.
    /// </summary>
    private static double[] MedianSeconds(Func<long>[] passes, int rows, int runs)
    {
        var times = new double[passes.Length][];
        for (int p = 0; p < passes.Length; p++)
            times[p] = new double[runs];
        for (int run = -1; run < runs; run++)
        {
            for (int p = 0; p < passes.Length; p++)
            {
                var clock = Stopwatch.StartNew();
                long done = passes[p]();
                double seconds = clock.Elapsed.TotalSeconds;
                if (done != rows)
                    throw new InvalidOperationException($"A pass read {done} rows; expected {rows}.");
                if (run >= 0)
                    times[p][run] = seconds;
            }
        }
        return times.Select(t =>
        {
            Array.Sort(t);
            return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        }).ToArray();
    }
}
