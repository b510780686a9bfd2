using System.Diagnostics;
using System.Globalization;
using Mae.Modeling;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Benchmarks;

/// <summary>
/// Median wall time of one full training step (forward, backward, both Adam updates, data sampling) at a fixed thread count.
/// bench/peer/direct_step.py is the same step written directly in PyTorch; bench/peer/interleaved.sh runs both in rounds.
/// </summary>
internal static class TrainingStepBenchmark
{
    public static void Run(string outputDirectory, int steps, int warmup, int threads)
    {
        var cases = new (string Name, string Architecture, MutualAutoencoderOptions Options, int Features, Func<Random, float> Sample)[]
        {
            ("categorical", "10-64-64-tanh,d=1", Toy(DecoderFamily.Categorical, 1.5, 10), 1, r => r.Next(10)),
            ("splitting-normal", "1-64-64-tanh,d=1", Toy(DecoderFamily.Gaussian, 0.8, 0), 1, r => (float)StandardNormal(r)),
            ("bernoulli-784", "784-256-256-tanh,d=16", new MutualAutoencoderOptions
            {
                Decoder = DecoderFamily.Bernoulli, LatentDimension = 16, HiddenSizes = [256, 256], BatchSize = 256, TargetInformation = 10,
                NumberOfThreads = threads, Seed = 1,
            }, 784, r => r.NextDouble() < 0.3 ? 1f : 0f),
        };

        var lines = new List<string> { "benchmark,implementation,architecture,batch,threads,median_step_ms,steps_per_second" };
        Console.WriteLine($"{"benchmark",-18} {"architecture",-24} {"batch",6} {"threads",7} {"median ms",10} {"steps/s",9}");
        foreach (var (name, architecture, options, features, sample) in cases)
        {
            double median = MedianStepMilliseconds(options, features, sample, steps, warmup);
            Console.WriteLine($"{name,-18} {architecture,-24} {options.BatchSize,6} {threads,7} {median,10:F3} {1000 / median,9:F1}");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name},torchsharp-0.107.0,\"{architecture}\",{options.BatchSize},{threads},{median:F4},{1000 / median:F2}"));
        }
        string path = Path.Combine(outputDirectory, "mae-torchsharp.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");

        MutualAutoencoderOptions Toy(DecoderFamily family, double target, int classes) => new()
        {
            Decoder = family, NumberOfClasses = classes, LatentDimension = 1, HiddenSizes = [64, 64], BatchSize = 1024,
            TargetInformation = target, NumberOfThreads = threads, Seed = 1,
        };

        static double StandardNormal(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

        static double MedianStepMilliseconds(MutualAutoencoderOptions options, int features, Func<Random, float> sample, int steps, int warmup)
        {
            options.Validate();
            TorchRuntime.Configure(options.NumberOfThreads);
            TorchSharp.torch.random.manual_seed(1);
            var random = new Random(1);
            using var networks = MutualAutoencoderNetworks.Create(options.Decoder, features, options.NumberOfClasses, options.LatentDimension, options.HiddenSizes, options.Activation);
            using var draws = new TorchSharp.torch.Generator(1);
            using var step = new TrainingStep(networks, options, warmup + steps, draws);
            var values = new float[options.BatchSize * features];
            var times = new double[steps];
            for (int i = 0; i < warmup + steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int v = 0; v < values.Length; v++)
                    values[v] = sample(random);
                using (var scope = NewDisposeScope())
                    step.Run(tensor(values, [options.BatchSize, features]), i);
                if (i >= warmup)
                    times[i - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(times);
            return times[steps / 2];
        }
    }
}
