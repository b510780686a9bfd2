using System.Globalization;
using Mae;
using Mae.Benchmarks;

// Mae.Benchmarks training             : median wall time of one training step on the problems of issue 2 and of the autoregressive
//                                       decoder, and of its sequential draw alone (compare with bench/peer; --only picks problems).
// Mae.Benchmarks penalties            : absolute vs squared vs adaptive penalty on the toy problems, against quadrature (--steps per run, default 4000).
// Mae.Benchmarks featurization        : rows/s of a trained 784→256→256→16 encoder, ONNX Runtime against the TorchSharp forward pass.
// Mae.Benchmarks pipeline-memory      : peak RSS of the ML.NET step's Fit on 10^5, 10^6, 10^7 generated rows (--rows N,N,... to choose), one child process each;
//                                       --only table fits the multi-column step at its defaults on 20 generated mixed columns instead.
// Mae.Benchmarks transform-throughput : rows/s of the ML.NET step's Transform against ONNX Runtime alone (--rows N, default 100000; --runs N, default 5).
// Mae.Benchmarks table-imputation     : the VAE and the MAE impute the public tables' hidden cells on the masks of bench/tables/impute_baselines.py (see TableImputation.cs).
// Mae.Benchmarks table-fit            : the multi-column step on 50,000 generated rows x 20 mixed columns (--rows N): Fit's wall time at the defaults and the saved pipeline's Transform throughput.
// Mae.Benchmarks table-fit-length     : the table-fit table at 5, 10 and 20 epochs (at least 1,000 steps): fit time and held-out log p(x).
// Mae.Benchmarks table-fit-size       : the table-fit table with hidden layers of 256, 128 and 64 at the default step budget: fit time, held-out I_q and log p(x).
// Mae.Benchmarks table-fit-rate       : the table-fit table at 1,100 steps with learning rates 1e-3, 2e-3 and 3e-3: fit time, held-out I_q and log p(x).
// Mae.Benchmarks table-fit-steps      : the table-fit table at 1,100, 1,300 and 1,500 steps: fit time, held-out I_q and log p(x), for a 30-second budget.
// Mae.Benchmarks table-fit-batch      : the table-fit table with batches of 384, 512 and 1,024 rows, as many rows seen as the default's 2,000 steps of 256.
// Mae.Benchmarks table-fit-diagnostics: the table-fit table with the per-epoch diagnostics on and off (EvaluateEveryEpoch), and off at 1,300 steps.
// Mae.Benchmarks count-likelihood     : the count kind as Poisson against a negative binomial (held-out log p(x)) on spam and on generated tables (--steps N, default 1000).
// Mae.Benchmarks table-layout-throughput : rows/s of 20 real values as 20 scalar columns and as one vector column, Mae's transformer and the saved pipeline (--rows N, --runs N).
// Mae.Benchmarks table-step-profile   : median ms of one training step on the 20 mixed columns, one part of the step off at a time, and on fewer, wider blocks.
// Mae.Benchmarks table-knob           : held-out I_q, Î_p and KL(q(z) ‖ p(z)) of the MAE at M = 1, 2, 3 on the public tables (see TableImputation.RunKnob).
// Mae.Benchmarks table-features       : accuracy of SDCA and LightGbm on the code (VAE, MAE at several M), the raw columns and PCA, with all and 1% of the labels, on income and spam (see TableFeatures.cs).
// Mae.Benchmarks anomaly-odds         : ROC-AUC and average precision of the anomaly detector (VAE, MAE at several M; three score estimators) and RandomizedPca on the ODDS tables (see AnomalyOdds.cs).
// Mae.Benchmarks knob-candidates      : held-out I_q, KL(q(z) ‖ p(z)), Î_p, ELBO and SDCA accuracy on Fashion-MNIST per configuration (see KnobCandidates.cs).
const string Usage = "Usage: Mae.Benchmarks [training|penalties|featurization|pipeline-memory|transform-throughput|knob-candidates|table-imputation|table-knob|table-features|table-fit|table-fit-imputation-draws|table-read|table-fit-profile|table-fit-length|table-fit-size|table-fit-rate|table-fit-steps|table-fit-batch|table-fit-diagnostics|count-likelihood|table-layout-throughput|table-step-profile|anomaly-odds] [--out DIR (default out/bench)] [--steps N] [--warmup N] [--threads N] [--rows N[,N...]] [--runs N] [--only NAME[,NAME...]]";
string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "training";
if (mode == "knob-candidates")
    return KnobCandidates.Run(args[1..]);
if (mode == "table-imputation")
    return TableImputation.Run(args[1..]);
if (mode == "table-features")
    return TableFeatures.Run(args[1..]);
if (mode == "table-knob")
    return TableImputation.RunKnob(args[1..]);
if (mode == "anomaly-odds")
    return AnomalyOdds.Run(args[1..]);
if (mode == "anomaly-odds-figure")
    return AnomalyFigure.Run(args[1..]);
string outputDirectory = Path.Combine("out", "bench"); // out/ is ignored by git
int steps = 200, warmup = 20, threads = 1, runs = 5;
long[]? rows = null;
string[]? only = null;
for (int i = mode == args.FirstOrDefault() ? 1 : 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outputDirectory = args[++i]; break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rows": rows = args[++i].Split(',').Select(r => long.Parse(r, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--only": only = args[++i].Split(','); break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage}");
            return 2;
    }
}

Directory.CreateDirectory(outputDirectory);
switch (mode)
{
    case "training":
        TrainingStepBenchmark.Run(outputDirectory, steps, warmup, threads, only);
        return 0;
    case "penalties":
        PenaltyComparison.Run(outputDirectory, steps == 200 ? 4000 : steps, threads);
        return 0;
    case "featurization":
        FeaturizationBenchmark.Run(outputDirectory, threads);
        return 0;
    case "pipeline-memory":
        PipelineMemoryBenchmark.Run(outputDirectory, rows ?? [100_000, 1_000_000, 10_000_000], threads, table: only is ["table"]);
        return 0;
    case PipelineMemoryBenchmark.ChildCommand when rows is [long childRows]:
        PipelineMemoryBenchmark.FitInThisProcess(childRows, threads, table: only is ["table"]);
        return 0;
    case "table-fit":
        TableFitBenchmark.Run(outputDirectory, rows is [long tableRows] ? checked((int)tableRows) : 50_000, threads);
        return 0;
    case "table-fit-imputation-draws":
        // The imputing step weighing 32 codes a row by importance (ImputationDraws), as the README recommends with the VAE objective.
        TableFitBenchmark.Run(outputDirectory, rows is [long drawRows] ? checked((int)drawRows) : 50_000, threads, codeToo: false, fileName: "table-fit-imputation-draws.csv",
            label: "vae-imputation-draws-32", configure: o => { o.Objective = MutualAutoencoderObjective.VariationalAutoencoder; o.ImputationDraws = 32; });
        return 0;
    case "table-read":
        TableFitBenchmark.ReadCost(rows is [long readRows] ? checked((int)readRows) : 50_000);
        return 0;
    case "table-fit-profile":
    {
        // Where a table fit's time goes: the defaults, then diagnostics on the last epoch only, then smaller networks and fewer prior draws.
        int profileRows = rows is [long r] ? checked((int)r) : 10_000;
        File.Delete(Path.Combine(outputDirectory, "table-fit-profile.csv"));
        TableFitBenchmark.Run(outputDirectory, profileRows, threads, imputeToo: false, fileName: "table-fit-profile.csv", label: "defaults-profile");
        TableFitBenchmark.Run(outputDirectory, profileRows, threads, imputeToo: false, fileName: "table-fit-profile.csv", label: "last-epoch-diagnostics",
            configure: o => { o.EvaluateEveryEpoch = false; o.NumberOfImportanceSamples = 0; });
        foreach (var (hidden, prior) in new (int[], int)[] { ([256, 256], 256), ([128, 128], 1024), ([128, 128], 256), ([64, 64], 256) })
        {
            TableFitBenchmark.Run(outputDirectory, profileRows, threads, imputeToo: false, fileName: "table-fit-profile.csv",
                label: $"hidden {string.Join("x", hidden)} prior {prior}",
                configure: o => { o.EvaluateEveryEpoch = false; o.NumberOfImportanceSamples = 0; o.HiddenSizes = hidden; o.PriorSampleSize = prior; });
        }
        return 0;
    }
    case "table-fit-length":
        // How long a table must train: the defaults' fit at 5, 10 and 20 epochs of the 50,000-row table (all the epochs, at least 1,000 steps).
        return TableFitVariants("table-fit-length.csv", [.. new[] { 5, 10, 20 }.Select(epochs => ($"{epochs} epochs",
            (Action<MutualAutoencoderEstimator.Options>)(o => { o.NumberOfEpochs = epochs; o.PriorSampleSize = 256; o.MaximumNumberOfSteps = int.MaxValue; })))]);
    case "table-fit-size":
        // Network width against fit time and quality at the default step budget: the table-fit table with hidden layers of 256, 128 and 64.
        return TableFitVariants("table-fit-size.csv", [.. new[] { 256, 128, 64 }.Select(width => ($"hidden {width}x{width}",
            (Action<MutualAutoencoderEstimator.Options>)(o => o.HiddenSizes = [width, width])))]);
    case "table-fit-rate":
        // Fewer steps at a larger learning rate: the table-fit table at 1,100 steps with learning rates 1e-3 (the default), 2e-3 and 3e-3.
        return TableFitVariants("table-fit-rate.csv", [.. new[] { 1e-3, 2e-3, 3e-3 }.Select(rate => (string.Create(CultureInfo.InvariantCulture, $"1100 steps learning rate {rate}"),
            (Action<MutualAutoencoderEstimator.Options>)(o => { o.MaximumNumberOfSteps = 1100; o.LearningRate = rate; o.AuxiliaryLearningRate = rate; })))]);
    case "table-fit-steps":
        // The step budget a user who needs the 30-second fit would set: the table-fit table at 1,100, 1,300 and 1,500 steps.
        return TableFitVariants("table-fit-steps.csv", [.. new[] { 1100, 1300, 1500 }.Select(budget => (string.Create(CultureInfo.InvariantCulture, $"{budget} steps"),
            (Action<MutualAutoencoderEstimator.Options>)(o => o.MaximumNumberOfSteps = budget)))]);
    case "table-fit-batch":
        // The same rows seen in fewer, larger steps: batches of 384, 512 and 1,024 rows for 2,000 · 256 / batch steps.
        return TableFitVariants("table-fit-batch.csv", [.. new[] { 384, 512, 1024 }.Select(batch => (string.Create(CultureInfo.InvariantCulture, $"batch {batch} x {2000 * 256 / batch} steps"),
            (Action<MutualAutoencoderEstimator.Options>)(o => { o.BatchSize = batch; o.MaximumNumberOfSteps = 2000 * 256 / batch; o.MinimumNumberOfSteps = Math.Min(1000, 2000 * 256 / batch); })))]);
    case "table-fit-diagnostics":
        // What the per-epoch diagnostics cost the fit: the table-fit table with them off, at the default budget and at 1,300 steps.
        return TableFitVariants("table-fit-diagnostics.csv", [
            ("2000 steps every epoch evaluated", o => { }),
            ("2000 steps last epoch evaluated", o => o.EvaluateEveryEpoch = false),
            ("1300 steps last epoch evaluated", o => { o.MaximumNumberOfSteps = 1300; o.EvaluateEveryEpoch = false; })]);
    case "count-likelihood":
        CountLikelihood.Run(outputDirectory, steps == 200 ? 1000 : steps);
        return 0;
    case "table-layout-throughput":
        TableLayoutThroughput.Run(outputDirectory, rows is [long layoutRows] ? checked((int)layoutRows) : 50_000, runs, threads);
        return 0;
    case "table-step-profile":
        TableStepProfile.Run(outputDirectory, steps, warmup, threads, only);
        return 0;
    case "transform-throughput":
        TransformThroughputBenchmark.Run(outputDirectory, rows is [long count] ? checked((int)count) : 100_000, runs, threads);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{mode}'. {Usage}");
        return 2;
}

// The table-fit table (--rows, default 50,000) once per variant, code only, into one CSV.
int TableFitVariants(string fileName, (string Label, Action<MutualAutoencoderEstimator.Options> Configure)[] variants)
{
    int tableRows = rows is [long r] ? checked((int)r) : 50_000;
    File.Delete(Path.Combine(outputDirectory, fileName));
    foreach (var (label, configure) in variants)
        TableFitBenchmark.Run(outputDirectory, tableRows, threads, imputeToo: false, fileName: fileName, label: label, configure: configure);
    return 0;
}
