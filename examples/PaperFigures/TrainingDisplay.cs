using System.Globalization;
using Mae;
using Spectre.Console;

/// <summary>Shows training progress: live bars on a terminal, one plain line per epoch otherwise (CI logs, redirected output).</summary>
/// <remarks>
/// The bars are redrawn from the training thread after each epoch, not by Spectre's refresh thread. TorchSharp 0.107
/// passes temporary Scalars to native code by raw handle, so a garbage collection started by another allocating thread
/// can free one mid-call. Mae's trainer holds its own Scalars (with TorchSharp's Adam and a refresh thread, training
/// once failed with "Exception raised from toFloat"), but keeping other threads quiet while training costs nothing here.
/// </remarks>
static class TrainingDisplay
{
    /// <summary>Calls <paramref name="train"/> for each run in turn, passing the progress sink that run should report to.</summary>
    public static void Run(IReadOnlyList<ToyRun> runs, Action<ToyRun, IProgress<MutualAutoencoderEpochReport>> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            foreach (var run in runs)
                train(run, new Callback(report => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Describe(run, report)}  ELBO {report.Elbo,7:F3}  {report.Seconds,6:F1} s"))));
            return;
        }

        AnsiConsole.Progress()
            .AutoRefresh(false)
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 15 }, new ElapsedTimeColumn())
            .Start(context =>
            {
                var tasks = runs.Select(run => context.AddTask(Markup.Escape(Describe(run, null)), autoStart: false, maxValue: run.Options.NumberOfEpochs)).ToList();
                foreach (var (run, task) in runs.Zip(tasks))
                {
                    task.StartTask();
                    context.Refresh();
                    train(run, new Callback(report =>
                    {
                        task.Description = Markup.Escape(Describe(run, report));
                        task.Value = report.Epoch;
                        context.Refresh();
                    }));
                    task.StopTask();
                    context.Refresh();
                }
            });
    }

    private static string Describe(ToyRun run, MutualAutoencoderEpochReport? report)
    {
        string name = $"{run.Experiment,-16} {run.Label,-6}";
        if (report is null)
            return name;
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} {report.Epoch,2}/{run.Options.NumberOfEpochs}  Î_p {report.InformationBound,6:F3}  I_p {report.ExactInformation,6:F3}");
    }

    /// <summary>Reports synchronously on the training thread (<see cref="Progress{T}"/> would post to the thread pool: another thread, see above).</summary>
    private sealed class Callback(Action<MutualAutoencoderEpochReport> report) : IProgress<MutualAutoencoderEpochReport>
    {
        public void Report(MutualAutoencoderEpochReport value) => report(value);
    }
}
