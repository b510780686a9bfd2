using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;

namespace Mae.Benchmarks;

/// <summary>
/// Peak resident memory of the ML.NET step's <c>Fit</c> on 10⁵, 10⁶ and 10⁷ rows generated as the cursor moves (nothing stored):
/// 100 features in one vector column (<see cref="GeneratedDataView"/>), or, with <c>--only table</c>, the 20 mixed columns of
/// <see cref="GeneratedTableView"/> fitted by the multi-column step at its defaults. Each size runs in a fresh child process (this
/// executable with the hidden <c>pipeline-memory-fit</c> command), which reports VmHWM from /proc/self/status after Fit, so one
/// size's peak cannot hide another's.
/// </summary>
internal static class PipelineMemoryBenchmark
{
    public const string ChildCommand = "pipeline-memory-fit";
    private const string ResultPrefix = "pipeline-memory-result:";
    private const int Features = 100;

    private static MutualAutoencoderEstimator.Options Options(int threads) => new()
    {
        HiddenSizes = [32], LatentDimension = 8, BatchSize = 1024, NumberOfEpochs = 1, Seed = 1, NumberOfThreads = threads,
    };

    /// <summary>The multi-column step's options: the defaults, with the kinds that the columns' types do not give.</summary>
    private static MutualAutoencoderEstimator.Options TableOptions(int threads)
    {
        var options = new MutualAutoencoderEstimator.Options { Seed = 1, NumberOfThreads = threads };
        foreach (var (name, kind) in GeneratedTableView.KindOverrides)
            options.ColumnKinds[name] = kind;
        return options;
    }

    public static void Run(string outputDirectory, IReadOnlyList<long> sizes, int threads, bool table)
    {
        if (table)
        {
            RunTable(outputDirectory, sizes, threads);
            return;
        }
        var options = Options(threads);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Fit of a {Features}-{string.Join('-', options.HiddenSizes)}-d{options.LatentDimension} {options.Decoder} model, batch {options.BatchSize}, {options.NumberOfEpochs} epoch, shuffle buffer {options.ShuffleBufferSize:N0} rows, {threads} thread(s); one child process per size."));
        Console.WriteLine($"{"rows",12} {"stored size MiB",16} {"RSS before Fit MiB",19} {"peak after data pass MiB",25} {"peak RSS MiB",13} {"fit s",9} {"rows/s",10}");
        var lines = new List<string> { "benchmark,rows,features,hidden,latent,batch,shuffle_buffer,epochs,threads,rss_before_fit_mib,peak_rss_after_data_pass_mib,peak_rss_mib,fit_seconds,rows_per_second" };
        foreach (long rows in sizes)
        {
            var (before, dataPassPeak, peak, seconds, _) = FitInChildProcess(rows, threads, table: false);
            double stored = rows * Features * 4.0 / (1 << 20);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rows,12:N0} {stored,16:N0} {before / 1024.0,19:N1} {dataPassPeak / 1024.0,25:N1} {peak / 1024.0,13:N1} {seconds,9:F1} {rows / seconds,10:N0}"));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"pipeline-memory,{rows},{Features},{string.Join('-', options.HiddenSizes)},{options.LatentDimension},{options.BatchSize},{options.ShuffleBufferSize},{options.NumberOfEpochs},{threads},{before / 1024.0:F1},{dataPassPeak / 1024.0:F1},{peak / 1024.0:F1},{seconds:F2},{rows / seconds:F0}"));
        }
        string path = Path.Combine(outputDirectory, "pipeline-memory.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    private static void RunTable(string outputDirectory, IReadOnlyList<long> sizes, int threads)
    {
        int columns = GeneratedTableView.Names.Length;
        Console.WriteLine($"Fit of the multi-column step at its defaults on {columns} mixed columns, {threads} thread(s); one child process per size.");
        Console.WriteLine($"{"rows",12} {"stored size MiB",16} {"RSS before Fit MiB",19} {"peak after data pass MiB",25} {"peak RSS MiB",13} {"fit s",9} {"steps",6}");
        var lines = new List<string> { "benchmark,rows,columns,threads,rss_before_fit_mib,peak_rss_after_data_pass_mib,peak_rss_mib,fit_seconds,steps" };
        foreach (long rows in sizes)
        {
            var (before, dataPassPeak, peak, seconds, steps) = FitInChildProcess(rows, threads, table: true);
            double stored = rows * columns * 4.0 / (1 << 20);   // a value a cell, at 4 bytes
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rows,12:N0} {stored,16:N0} {before / 1024.0,19:N1} {dataPassPeak / 1024.0,25:N1} {peak / 1024.0,13:N1} {seconds,9:F1} {steps,6}"));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"pipeline-memory-table,{rows},{columns},{threads},{before / 1024.0:F1},{dataPassPeak / 1024.0:F1},{peak / 1024.0:F1},{seconds:F2},{steps}"));
        }
        string path = Path.Combine(outputDirectory, "pipeline-memory-table.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>
    /// The child: one Fit, then one result line: RSS before Fit, the peak when the cursor has read every row (before the
    /// end-of-epoch diagnostics and the encoder export), the peak after Fit (KiB), and the seconds.
    /// </summary>
    public static void FitInThisProcess(long rows, int threads, bool table)
    {
        var mlContext = new MLContext(seed: 1);
        long? peakAfterDataPass = null;
        void PassEnded() => peakAfterDataPass ??= ReadStatusKib("VmHWM");
        IDataView data = table ? new GeneratedTableView(rows, seed: 1, PassEnded) : new GeneratedDataView(rows, Features, seed: 1, PassEnded);
        var estimator = table
            ? mlContext.Transforms.MutualAutoencode("Code", GeneratedTableView.Names, TableOptions(threads))
            : mlContext.Transforms.MutualAutoencode("Code", GeneratedDataView.ColumnName, Options(threads));
        long before = ReadStatusKib("VmRSS");
        var clock = Stopwatch.StartNew();
        using var transformer = estimator.Fit(data);
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ReadStatusKib("VmHWM");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ResultPrefix} {before} {peakAfterDataPass ?? -1} {peak} {seconds:R} {transformer.Report.Final.Step}"));
    }

    private static (long BeforeKib, long DataPassPeakKib, long PeakKib, double Seconds, long Steps) FitInChildProcess(long rows, int threads, bool table)
    {
        // Run as `dotnet Mae.Benchmarks.dll` when this process runs that way, or the apphost directly.
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(typeof(PipelineMemoryBenchmark).Assembly.Location);
        foreach (var argument in new[] { ChildCommand, "--rows", rows.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        if (table)
        {
            start.ArgumentList.Add("--only");
            start.ArgumentList.Add("table");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var result = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"The child for {rows} rows exited with {process.ExitCode} and printed:\n{output}");
        var fields = result[ResultPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[2], CultureInfo.InvariantCulture), double.Parse(fields[3], CultureInfo.InvariantCulture), long.Parse(fields[4], CultureInfo.InvariantCulture));
    }

    /// <summary>A "kB" field of /proc/self/status (VmRSS: resident now; VmHWM: the peak).</summary>
    private static long ReadStatusKib(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/self/status has no {field} line (this benchmark needs Linux).");
    }
}
