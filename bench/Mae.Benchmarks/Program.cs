using System.Globalization;
using Mae.Benchmarks;

// Mae.Benchmarks training      : median wall time of one training step on the problems of issue 2 (compare with bench/peer).
// Mae.Benchmarks penalties     : absolute vs squared vs adaptive penalty on the toy problems, against quadrature (--steps per run, default 4000).
// Mae.Benchmarks featurization : rows/s of a trained 784→256→256→16 encoder, ONNX Runtime against the TorchSharp forward pass.
string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "training";
string outputDirectory = ".";
int steps = 200, warmup = 20, threads = 1;
for (int i = mode == args.FirstOrDefault() ? 1 : 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outputDirectory = args[++i]; break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: Mae.Benchmarks [training|penalties|featurization] [--out DIR] [--steps N] [--warmup N] [--threads N]");
            return 2;
    }
}

Directory.CreateDirectory(outputDirectory);
switch (mode)
{
    case "training":
        TrainingStepBenchmark.Run(outputDirectory, steps, warmup, threads);
        return 0;
    case "penalties":
        PenaltyComparison.Run(outputDirectory, steps == 200 ? 4000 : steps, threads);
        return 0;
    case "featurization":
        FeaturizationBenchmark.Run(outputDirectory, threads);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{mode}'; expected training, penalties or featurization.");
        return 2;
}
