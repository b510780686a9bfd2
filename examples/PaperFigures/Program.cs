using System.CommandLine;
using System.Globalization;
using Mae;
using Spectre.Console;

// Reproduces the two toy experiments of "The Mutual Autoencoder" (Phuong et al., 2018):
//   Figure 5: x uniform on {0..9}, a 1-D code z ~ N(0, 1); the learnt p(x|z) for a range of target informations M.
//   Figure 6: "splitting the normal", x ~ N(0, 1) with a Gaussian decoder; the MAE at M = 0 … 1.2 against a plain VAE.
//
//   dotnet run -c Release --project examples/PaperFigures -- [--out DIR] [--full] [--seed N] [--threads N]
//
// Writes figure5-categorical.png, figure6-splitting-normal.png and results.csv to DIR (default out/paper-figures).
// The default run (3,000 steps per model) takes a few minutes on two cores; --full trains as long as the paper
// (20,000 steps for the categorical toy, 30,000 for the normal one, batches of 1,024).

double[] categoricalTargets = [0.5, 1.0, 1.5, 2.0, 2.2]; // nats; I(z, x) ≤ H(x) = ln 10 ≈ 2.303
double[] normalTargets = [0.0, 0.4, 0.8, 1.2];

var outOption = new Option<string>("--out") { Description = "Output directory.", HelpName = "DIR", DefaultValueFactory = _ => "out/paper-figures" };
var fullOption = new Option<bool>("--full") { Description = "Train as long as the paper: 20,000 steps (categorical) and 30,000 (normal)." };
var seedOption = new Option<int>("--seed") { Description = "Seed of every run.", HelpName = "N", DefaultValueFactory = _ => 1 };
var threadsOption = new Option<int>("--threads") { Description = "Tensor threads per run.", HelpName = "N", DefaultValueFactory = _ => 1 };
var stepsOption = new Option<int?>("--steps") { Description = "Training steps of every run (for quick tests).", HelpName = "N", Hidden = true };
threadsOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1)
        result.AddError("--threads must be at least 1.");
});
var command = new RootCommand("Reproduces Figures 5 and 6 of the Mutual Autoencoder paper.") { outOption, fullOption, seedOption, threadsOption, stepsOption };
command.SetAction(parsed => Run(
    parsed.GetValue(outOption)!, parsed.GetValue(fullOption), parsed.GetValue(seedOption), parsed.GetValue(threadsOption), parsed.GetValue(stepsOption)));
return command.Parse(args).Invoke();

int Run(string outputDirectory, bool full, int seed, int threads, int? steps)
{
    try
    {
        Figures.UseDejaVuSans(); // before training: without a font the figures would have no text
    }
    catch (Exception exception) when (exception is FileNotFoundException or InvalidOperationException)
    {
        Console.Error.WriteLine(exception.Message);
        return 1;
    }

    // The paper's setting: a 1-D code, networks of two tanh layers of 64 units, batches of 1,024.
    MutualAutoencoderOptions Toy(DecoderFamily decoder, MutualAutoencoderObjective objective, double target, Schedule schedule) => new()
    {
        Decoder = decoder,
        NumberOfClasses = decoder == DecoderFamily.Categorical ? Toys.Classes : 0,
        LatentDimension = 1,
        HiddenSizes = [64, 64],
        Activation = HiddenActivation.Tanh,
        BatchSize = Toys.BatchSize,
        NumberOfEpochs = schedule.Epochs,
        Objective = objective,
        TargetInformation = target,
        Seed = seed,
        NumberOfThreads = threads,
    };

    static string Label(double target) => string.Create(CultureInfo.InvariantCulture, $"M={target:F2}");

    var categorical = Schedule.ForSteps(steps ?? (full ? 20_000 : 3_000));
    var normal = Schedule.ForSteps(steps ?? (full ? 30_000 : 3_000));
    var runs = new List<ToyRun>();
    foreach (double target in categoricalTargets)
    {
        runs.Add(new ToyRun("categorical", Label(target),
            Toy(DecoderFamily.Categorical, MutualAutoencoderObjective.MutualAutoencoder, target, categorical), Toys.UniformClasses(categorical)));
    }
    foreach (double target in normalTargets)
    {
        runs.Add(new ToyRun("splitting-normal", Label(target),
            Toy(DecoderFamily.Gaussian, MutualAutoencoderObjective.MutualAutoencoder, target, normal), Toys.StandardNormal(normal)));
    }
    runs.Add(new ToyRun("splitting-normal", "VAE",
        Toy(DecoderFamily.Gaussian, MutualAutoencoderObjective.VariationalAutoencoder, 0, normal), Toys.StandardNormal(normal)));

    Console.WriteLine($"{runs.Count} runs: {categorical.Steps:N0} steps (categorical) and {normal.Steps:N0} steps (normal) of {Toys.BatchSize} rows each, seed {seed}, {threads} thread(s).");
    var models = new List<MutualAutoencoderModel>();
    try
    {
        // One model at a time (libtorch's threads and random state are process-wide), with a progress bar per run.
        TrainingDisplay.Run(runs, (run, progress) => models.Add(new MutualAutoencoderTrainer(run.Options).Fit(run.Data, progress)));

        var trained = runs.Zip(models, (run, model) => new TrainedRun(run, model)).ToList();
        Directory.CreateDirectory(outputDirectory);
        PrintTable(trained);
        WriteCsv(trained, Path.Combine(outputDirectory, "results.csv"));
        Figures.Categorical(trained.Where(t => t.Run.Experiment == "categorical").ToList(), Path.Combine(outputDirectory, "figure5-categorical.png"));
        Figures.SplittingTheNormal(trained.Where(t => t.Run.Experiment == "splitting-normal").ToList(), Path.Combine(outputDirectory, "figure6-splitting-normal.png"));
        foreach (string file in new[] { "results.csv", "figure5-categorical.png", "figure6-splitting-normal.png" })
            Console.WriteLine($"Wrote {Path.Combine(outputDirectory, file)}");
        return 0;
    }
    finally
    {
        foreach (var model in models)
            model.Dispose();
    }
}

static void PrintTable(IReadOnlyList<TrainedRun> trained)
{
    // Narrow enough for 80 columns; results.csv has the same figures with the objectives' full names.
    var table = new Table().AddColumns("run", "M", "Î_p", "I_p", "ELBO", "log p(x)", "seconds");
    foreach (var column in table.Columns.Skip(1))
        column.RightAligned();
    foreach (var (run, model) in trained)
    {
        var final = model.Report.Final;
        string objective = run.Options.Objective switch
        {
            MutualAutoencoderObjective.MutualAutoencoder => "MAE",
            MutualAutoencoderObjective.VariationalAutoencoder => "VAE",
            var other => other.ToString(),
        };
        table.AddRow($"{run.Experiment} {objective}", run.Target is double m ? m.ToString("F2", CultureInfo.InvariantCulture) : "-",
            Number(final.InformationBound), Number(final.ExactInformation), Number(final.Elbo), Number(final.ExactLogLikelihood),
            final.Seconds.ToString("F1", CultureInfo.InvariantCulture));
    }
    AnsiConsole.Write(table);
    Console.WriteLine("M: target, Î_p: bound, I_p: exact information, in nats. MAE: MutualAutoencoder, VAE: VariationalAutoencoder.");

    static string Number(double? value) => value?.ToString("F3", CultureInfo.InvariantCulture) ?? "-";
}

static void WriteCsv(IReadOnlyList<TrainedRun> trained, string path)
{
    var lines = new List<string> { "experiment,objective,target_nats,bound_nats,exact_nats,elbo,log_likelihood,seconds" };
    foreach (var (run, model) in trained)
    {
        var final = model.Report.Final;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"{run.Experiment},{run.Options.Objective},{run.Target:F2},{final.InformationBound:F4},{final.ExactInformation:F4},{final.Elbo:F4},{final.ExactLogLikelihood:F4},{final.Seconds:F2}"));
    }
    File.WriteAllLines(path, lines);
}

// Output of the default run (seed 1, one thread; the seconds are from a busy two-core machine):
// ┌──────────────────────┬──────┬───────┬───────┬────────┬──────────┬─────────┐
// │ run                  │    M │   Î_p │   I_p │   ELBO │ log p(x) │ seconds │
// ├──────────────────────┼──────┼───────┼───────┼────────┼──────────┼─────────┤
// │ categorical MAE      │ 0.50 │ 0.504 │ 0.505 │ -2.308 │   -2.303 │    58.3 │
// │ categorical MAE      │ 1.00 │ 1.002 │ 1.015 │ -2.314 │   -2.303 │    49.1 │
// │ categorical MAE      │ 1.50 │ 1.501 │ 1.536 │ -2.336 │   -2.307 │    48.3 │
// │ categorical MAE      │ 2.00 │ 1.988 │ 2.051 │ -2.379 │   -2.311 │    51.4 │
// │ categorical MAE      │ 2.20 │ 2.051 │ 2.125 │ -2.402 │   -2.307 │    40.9 │
// │ splitting-normal MAE │ 0.00 │ 0.007 │ 0.000 │ -1.418 │   -1.446 │    26.4 │
// │ splitting-normal MAE │ 0.40 │ 0.390 │ 0.403 │ -1.419 │   -1.446 │    19.8 │
// │ splitting-normal MAE │ 0.80 │ 0.788 │ 0.807 │ -1.421 │   -1.445 │    23.1 │
// │ splitting-normal MAE │ 1.20 │ 1.190 │ 1.210 │ -1.427 │   -1.447 │    21.4 │
// │ splitting-normal VAE │    - │ 0.042 │ 0.029 │ -1.418 │   -1.446 │    23.2 │
// └──────────────────────┴──────┴───────┴───────┴────────┴──────────┴─────────┘
// M: target, Î_p: bound, I_p: exact information, in nats. MAE: MutualAutoencoder, VAE: VariationalAutoencoder.

/// <summary>One training run of a figure: <paramref name="Label"/> names it in the progress display.</summary>
sealed record ToyRun(string Experiment, string Label, MutualAutoencoderOptions Options, TrainingData Data)
{
    /// <summary>The target information M, or <c>null</c> for a baseline, which has none.</summary>
    public double? Target => Options.Objective == MutualAutoencoderObjective.MutualAutoencoder ? Options.TargetInformation : null;
}

/// <summary>A run and the model it trained.</summary>
sealed record TrainedRun(ToyRun Run, MutualAutoencoderModel Model);
