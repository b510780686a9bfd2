using System.Diagnostics;
using System.Globalization;
using Mae.Export;
using Microsoft.ML.OnnxRuntime;

namespace Mae.Benchmarks;

/// <summary>
/// Featurization throughput of a trained 784→256→256→16 tanh encoder, measured side by side in one process:
/// ONNX Runtime at batch 1 and 1024, and the TorchSharp forward pass (<see cref="MutualAutoencoderModel.Encode(ReadOnlySpan{float})"/>) at the same batches.
/// </summary>
internal static class FeaturizationBenchmark
{
    private const int Features = 784;

    public static void Run(string outputDirectory, int threads)
    {
        var random = new Random(1);
        var pixels = new float[4096 * Features];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = random.NextDouble() < 0.3 ? 1f : 0f;
        var options = new MutualAutoencoderOptions
        {
            Decoder = DecoderFamily.Bernoulli, LatentDimension = 16, HiddenSizes = [256, 256], BatchSize = 256,
            NumberOfEpochs = 1, TargetInformation = 10, NumberOfThreads = threads, Seed = 1,
        };
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(pixels, Features));
        using var encoderBytes = new MemoryStream();
        model.ExportEncoderToOnnx(encoderBytes);

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(encoderBytes.ToArray(), sessionOptions);
        using var runOptions = new RunOptions();

        var results = new List<(string Implementation, int Batch, int Rows, double Seconds)>();
        foreach (int batch in (int[])[1, 1024])
        {
            // About 100k rows at batch 1024 and 20k at batch 1; the first pass warms up.
            int rows = batch == 1 ? 20_000 : 100 * 1024;
            results.Add(("onnxruntime-" + OrtEnv.Instance().GetVersionString(), batch, rows, Time(rows, batch, pixels, (input, count) =>
            {
                using var value = OrtValue.CreateTensorValueFromMemory(input, [count, Features]);
                using var outputs = session.Run(runOptions, [OnnxTensorNames.Features], [value], [OnnxTensorNames.Mean]);
                return outputs[0].GetTensorDataAsSpan<float>()[0];
            })));
            results.Add(("torchsharp-0.107.0", batch, rows, Time(rows, batch, pixels, (input, count) => model.Encode(input)[0])));
        }

        var lines = new List<string> { "benchmark,implementation,architecture,batch,threads,rows,seconds,rows_per_second" };
        Console.WriteLine($"{"implementation",-22} {"batch",6} {"threads",7} {"rows",8} {"rows/s",12}");
        foreach (var (implementation, batch, rows, seconds) in results)
        {
            Console.WriteLine($"{implementation,-22} {batch,6} {threads,7} {rows,8} {rows / seconds,12:N0}");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"featurization,{implementation},784-256-256-tanh-16,{batch},{threads},{rows},{seconds:F4},{rows / seconds:F1}"));
        }
        string path = Path.Combine(outputDirectory, "featurization.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>Encodes <paramref name="rows"/> rows in batches, once to warm up and once timed.</summary>
    private static double Time(int rows, int batch, float[] pixels, Func<float[], int, float> encode)
    {
        int available = pixels.Length / Features;
        var batches = Enumerable.Range(0, available / batch)
            .Select(b => pixels.AsSpan(b * batch * Features, batch * Features).ToArray())
            .ToArray();
        float sink = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var clock = Stopwatch.StartNew();
            for (int done = 0, b = 0; done < rows; done += batch, b = (b + 1) % batches.Length)
                sink += encode(batches[b], batch);
            if (pass == 1)
            {
                GC.KeepAlive(sink);
                return clock.Elapsed.TotalSeconds;
            }
        }
        throw new UnreachableException();
    }
}
