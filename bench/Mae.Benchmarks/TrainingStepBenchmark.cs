using System.Diagnostics;
using System.Globalization;
using Mae.Modeling;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Benchmarks;

/// <summary>
/// Median wall time of one full training step (forward, backward, both Adam updates, data sampling) at a fixed thread count.
/// bench/peer/direct_step.py is the same step written directly in PyTorch; bench/peer/interleaved.sh runs both in rounds.
/// The autoregressive problem also gets a row <c>ar-bernoulli-784-draw</c>: the sequential draw x ~ p(x|z) of the information
/// term alone (its 2 × 1,024 sequences, 28 GRU steps, no gradients), timed on the model the steps left.
/// </summary>
internal static class TrainingStepBenchmark
{
    public static void Run(string outputDirectory, int steps, int warmup, int threads, IReadOnlyCollection<string>? only = null)
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
            ("ar-bernoulli-784", "784-256-256-tanh,d=16,gru256x28", new MutualAutoencoderOptions
            {
                Decoder = DecoderFamily.AutoregressiveBernoulli, GroupSize = 28, DecoderHiddenSize = 256, LatentDimension = 16, HiddenSizes = [256, 256],
                BatchSize = 256, TargetInformation = 10, NumberOfThreads = threads, Seed = 1,
            }, 784, r => r.NextDouble() < 0.3 ? 1f : 0f),
        };
        if (only is not null)
        {
            var unknown = only.Except(cases.Select(c => c.Name)).ToArray();
            if (unknown.Length > 0)
                throw new ArgumentException($"--only names unknown problems: {string.Join(", ", unknown)}; known: {string.Join(", ", cases.Select(c => c.Name))}.");
            cases = cases.Where(c => only.Contains(c.Name)).ToArray();
        }

        var lines = new List<string> { "benchmark,implementation,architecture,batch,threads,median_step_ms,steps_per_second" };
        Console.WriteLine($"{"benchmark",-22} {"architecture",-32} {"batch",6} {"threads",7} {"median ms",10} {"steps/s",9}");
        foreach (var (name, architecture, options, features, sample) in cases)
        {
            var (median, drawMedian) = MedianStepMilliseconds(options, features, sample, steps, warmup);
            Report(name, median);
            if (drawMedian is double draw)
                Report(name + "-draw", draw);

            void Report(string row, double milliseconds)
            {
                Console.WriteLine($"{row,-22} {architecture,-32} {options.BatchSize,6} {threads,7} {milliseconds,10:F3} {1000 / milliseconds,9:F1}");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{row},torchsharp-0.107.0,\"{architecture}\",{options.BatchSize},{threads},{milliseconds:F4},{1000 / milliseconds:F2}"));
            }
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

        static (double Step, double? Draw) MedianStepMilliseconds(MutualAutoencoderOptions options, int features, Func<Random, float> sample, int steps, int warmup)
        {
            options.Validate();
            TorchRuntime.Configure(options.NumberOfThreads);
            TorchSharp.torch.random.manual_seed(1);
            var random = new Random(1);
            using var networks = MutualAutoencoderNetworks.Create(options.Networks, features);
            using var draws = new TorchSharp.torch.Generator(1);
            using var step = new TrainingStep(networks, options.Step(networks.Decoder), warmup + steps, draws);
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
            double? draw = networks.Decoder is AutoregressiveDecoder autoregressive ? MedianDrawMilliseconds(autoregressive, options, steps, warmup) : null;
            return (times[steps / 2], draw);
        }

        // The draw of one step's information term: z ~ p(z), the condition, and x ~ p(x|z) twice per z, without gradients.
        static double MedianDrawMilliseconds(AutoregressiveDecoder decoder, MutualAutoencoderOptions options, int steps, int warmup)
        {
            using var draws = new TorchSharp.torch.Generator(2);
            using var _ = no_grad();
            var times = new double[steps];
            for (int i = 0; i < warmup + steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                using (var scope = NewDisposeScope())
                {
                    var z = randn(new long[] { options.EffectivePriorSampleSize, options.LatentDimension }, generator: draws);
                    var condition = decoder.Condition(z);
                    decoder.Draw(cat([condition, condition], 0), draws).sum().item<float>();
                }
                if (i >= warmup)
                    times[i - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(times);
            return times[steps / 2];
        }
    }
}
