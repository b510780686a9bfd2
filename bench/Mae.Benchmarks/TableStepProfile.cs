using System.Diagnostics;
using System.Globalization;
using Mae.Modeling;
using Mae.Modeling.Columns;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Benchmarks;

/// <summary>
/// Where a table's training step goes: the median wall time of <c>TrainingStep.Run</c> on the 20 mixed columns of the table-fit
/// benchmark (8 real, 2 positive, 2 count, 4 keys of 3–6 classes, 4 binary; a tenth of the cells missing), with one part of the
/// step switched off at a time, and on tables of the same values as scalar columns and as one vector column (adjacent scalar
/// columns of one kind compute as one block, so the two should cost about the same). Writes table-step-profile.csv.
/// </summary>
internal static class TableStepProfile
{
    public static void Run(string outputDirectory, int steps, int warmup, int threads, string[]? only)
    {
        TorchRuntime.Configure(threads);
        var lines = new List<string> { "configuration,columns,computed_blocks,median_ms,p10_ms,p90_ms,mean_ms" };
        var mixed = MixedColumns();
        var cases = new (string Name, IReadOnlyList<ColumnSpecification> Columns, Action<MutualAutoencoderOptions> Configure)[]
        {
            ("defaults", mixed, _ => { }),
            ("no marginal matching", mixed, o => o.MarginalMatchingWeight = 0),
            ("no code-side control", mixed, o => o.RateMultiplierLearningRate = 0),
            ("prior draws 256", mixed, o => o.PriorSampleSize = 256),
            ("VAE objective", mixed, o => o.Objective = MutualAutoencoderObjective.VariationalAutoencoder),
            ("encoder serves as r", mixed, o => o.EncoderServesAsAuxiliary = true),
            ("hidden 64x64", mixed, o => o.HiddenSizes = [64, 64]),
            ("relu", mixed, o => o.Activation = HiddenActivation.Relu),
            ("prior 256 without matching", mixed, o => { o.PriorSampleSize = 256; o.MarginalMatchingWeight = 0; }),
            ("prior 256 VAE", mixed, o => { o.PriorSampleSize = 256; o.Objective = MutualAutoencoderObjective.VariationalAutoencoder; }),
            ("prior 256 relu", mixed, o => { o.PriorSampleSize = 256; o.Activation = HiddenActivation.Relu; }),
            ("prior 256 hidden 128x128", mixed, o => { o.PriorSampleSize = 256; o.HiddenSizes = [128, 128]; }),
            ("prior 256 one real column of 20", [new ColumnSpecification("R", ColumnKind.Real, 20)], o => o.PriorSampleSize = 256),
            ("prior 256 20 real columns", Enumerable.Range(0, 20).Select(i => new ColumnSpecification($"R{i}", ColumnKind.Real)).ToArray(), o => o.PriorSampleSize = 256),
            ("20 real columns", Enumerable.Range(0, 20).Select(i => new ColumnSpecification($"R{i}", ColumnKind.Real)).ToArray(), _ => { }),
            ("one real column of 20", [new ColumnSpecification("R", ColumnKind.Real, 20)], _ => { }),
            ("20 binary columns", Enumerable.Range(0, 20).Select(i => new ColumnSpecification($"B{i}", ColumnKind.Binary)).ToArray(), _ => { }),
            ("one binary column of 20", [new ColumnSpecification("B", ColumnKind.Binary, 20)], _ => { }),
            ("20 categorical columns", Enumerable.Range(0, 20).Select(i => new ColumnSpecification($"K{i}", ColumnKind.Categorical, ClassCount: 2 + i % 5)).ToArray(), _ => { }),
        };
        foreach (var (name, columns, configure) in cases.Where(c => only is null || only.Contains(c.Name)))
        {
            var options = new MutualAutoencoderOptions { Seed = 1, TargetInformation = 5, Table = new TableSpecification(columns) };
            configure(options);
            var (times, computed) = Time(options, steps, warmup);
            double mean = times.Average();
            Array.Sort(times);
            double Quantile(double q) => times[(int)Math.Round(q * (times.Length - 1))];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-32} {columns.Count,3} columns, {computed,2} computed blocks: median {Quantile(0.5):F1} ms (p10 {Quantile(0.1):F1}, p90 {Quantile(0.9):F1}, mean {mean:F1})"));
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name},{columns.Count},{computed},{Quantile(0.5):F2},{Quantile(0.1):F2},{Quantile(0.9):F2},{mean:F2}"));
        }
        string path = Path.Combine(outputDirectory, "table-step-profile.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    private static ColumnSpecification[] MixedColumns() =>
    [
        .. Enumerable.Range(0, 8).Select(i => new ColumnSpecification($"Real{i}", ColumnKind.Real)),
        .. Enumerable.Range(0, 2).Select(i => new ColumnSpecification($"Positive{i}", ColumnKind.Positive)),
        .. Enumerable.Range(0, 2).Select(i => new ColumnSpecification($"Count{i}", ColumnKind.Count)),
        .. Enumerable.Range(0, 4).Select(i => new ColumnSpecification($"Key{i}", ColumnKind.Categorical, ClassCount: 3 + i)),
        .. Enumerable.Range(0, 4).Select(i => new ColumnSpecification($"Flag{i}", ColumnKind.Binary)),
    ];

    /// <summary>
    /// Milliseconds of each of <paramref name="steps"/> training steps on random valid batches of 256 rows, after <paramref name="warmup"/>
    /// steps, and the blocks the decoder computes (its runs of adjacent columns of one kind).
    /// </summary>
    private static (double[] Times, int ComputedBlocks) Time(MutualAutoencoderOptions options, int steps, int warmup)
    {
        var columns = options.Table!.Columns;
        int width = options.Table.RowWidth;
        var random = new Random(1);
        var values = new float[4096 * width];
        for (int r = 0; r < 4096; r++)
        {
            int offset = r * width;
            foreach (var column in columns)
            {
                for (int c = 0; c < column.Width; c++, offset++)
                {
                    values[offset] = random.NextDouble() < 0.1 && column.Kind != ColumnKind.Binary ? float.NaN : column.Kind switch
                    {
                        ColumnKind.Real => (float)(random.NextDouble() * 4 - 2),
                        ColumnKind.Positive => (float)Math.Exp(random.NextDouble() * 2 - 1),
                        ColumnKind.Count => random.Next(0, 6),
                        ColumnKind.Categorical => random.Next(0, column.ClassCount),
                        _ => random.Next(0, 2),
                    };
                }
            }
        }
        var data = TrainingData.FromArray(values, width);
        var blocks = options.Table.Build(data);
        var (networks, generator) = TorchRuntime.CreateSeeded(1, () => MutualAutoencoderNetworks.Create(options.Networks,
            new TabularDecoder(options.LatentDimension, options.HiddenSizes, options.Activation, blocks)));
        using var _ = networks;
        using var __ = generator;
        long totalSteps = warmup + steps;
        using var step = new TrainingStep(networks, options.Step(networks.Decoder), totalSteps, generator);
        networks.train();
        var times = new double[steps];
        var watch = new Stopwatch();
        for (int s = 0; s < totalSteps; s++)
        {
            int start = (s * options.BatchSize) % (4096 - options.BatchSize);
            using var batch = tensor(values.AsSpan(start * width, options.BatchSize * width).ToArray(), [options.BatchSize, width]);
            watch.Restart();
            step.Run(batch, s);
            if (s >= warmup)
                times[s - warmup] = watch.Elapsed.TotalMilliseconds;
        }
        return (times, ((TabularDecoder)networks.Decoder).ComputedBlocks);
    }
}
