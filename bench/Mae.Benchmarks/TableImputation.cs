using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mae.Modeling.Columns;

namespace Mae.Benchmarks;

/// <summary>
/// Imputation on the public tables with real missing cells, by the HI-VAE protocol, on the very masks of
/// bench/tables/impute_baselines.py (run scripts/fetch-tables.sh and that script first):
///
///   dotnet run -c Release --project bench/Mae.Benchmarks -- table-imputation [--tables out/tables] [--out docs/results/imputation-mae.csv]
///       [--seeds 1,2,3] [--steps 2000] [--only TABLE,...] [--methods vae,m2,m5] [--cell-dropout P] [--ordinal]
///
/// Each table's feature columns become a table of the model (real → Gaussian standardised, categorical → categorical over the
/// schema's levels, binary → Bernoulli; the label column is left out), the cells of the seed's mask are hidden (NaN), and the
/// plain VAE and the MAE at M = 2 and 5 train on every row of the masked table with the library's other defaults, for as many
/// epochs as make at least --steps steps. The missing cells are filled by each of three rules: p(x|z)'s prediction at the posterior
/// mean (the mean of a real cell, the most probable class; method names as above), and the same summaries averaged over 16
/// posterior draws before the decision (the posterior predictive's mean or mode, exp of the averaged log-scale mean for a positive
/// column; method names ending "-draws"), and the summaries of 32 draws per row from q(z|x_obs) weighted by their self-normalised
/// importance weights p(x_obs|z)p(z)/q(z|x_obs) (the model's own predictive, as MIWAE imputes; names ending "-weighted"). Then the hidden cells are scored as the baselines are: per real column the RMSE over
/// its hidden cells divided by its standard deviation over the observed cells of the original table, averaged over real columns;
/// per categorical column the error rate, averaged. Writes a CSV with the baselines' columns.
/// <para>
/// With --ordinal, the factors that R declares ordered are modelled twice, as categorical and as ordinal (ColumnKind.Ordinal, a
/// cumulative link whose prediction is the median level; method names ending "-ordinal"), and every run also reports the mean
/// absolute distance in levels between the imputed and the true level on the ordered columns' hidden cells, with the column's mode
/// as a baseline (method "mode"). Writes docs/results/imputation-ordinal.csv by default.
/// </para>
/// </summary>
internal static class TableImputation
{
    /// <summary>Posterior draws of the second imputation rule (each column's summary of p(x|z) averaged over them).</summary>
    private const int RuleDraws = 16;

    /// <summary>Draws per row of the third rule: the summaries weighted by self-normalised importance weights (MIWAE's rule).</summary>
    private const int WeightedDraws = 32;

    private sealed record Column(string Name, string Kind, string[] Levels, bool Ordered = false);

    private sealed record Table(string Name, Column[] Columns, float[] Values, int Rows);

    public static int Run(string[] args)
    {
        string tables = Path.Combine("out", "tables");
        string? output = null;
        int[] seeds = [1, 2, 3];
        int steps = 2000;
        string[]? only = null, onlyMethods = null;
        double cellDropout = 0;
        bool ordinal = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tables": tables = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--cell-dropout": cellDropout = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--methods": onlyMethods = args[++i].Split(','); break;
                case "--seeds": seeds = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i].Split(','); break;
                case "--ordinal": ordinal = true; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: table-imputation [--tables DIR] [--out FILE] [--seeds 1,2,3] [--steps N] [--only TABLE,...] [--methods vae,m2,m5] [--cell-dropout P] [--ordinal]");
                    return 2;
            }
        }
        string index = Path.Combine(tables, "index.json");
        if (!File.Exists(index))
        {
            Console.Error.WriteLine($"No {index}: run 'bash scripts/fetch-tables.sh' and '/usr/bin/python3 bench/tables/impute_baselines.py' first.");
            return 1;
        }

        var names = ReadIndex(index).Where(n => only is null || only.Contains(n)).ToArray();
        var lines = new List<string> { "table,method,seed,numeric_nrmse,categorical_error,seconds,information" + (ordinal ? ",ordered_level_error" : "") };
        // With --cell-dropout P the methods train with EncoderCellDropout = P, their names end "-dropP", and so does the default file's.
        string dropoutSuffix = cellDropout > 0 ? string.Create(CultureInfo.InvariantCulture, $"-drop{cellDropout:0.##}") : "";
        output ??= Path.Combine("docs", "results", ordinal ? "imputation-ordinal.csv" : $"imputation-mae{dropoutSuffix.Replace("-drop", "-dropout", StringComparison.Ordinal)}.csv");
        string[] known = ["vae", "m2", "m5"];
        if (onlyMethods?.FirstOrDefault(m => !known.Contains(m)) is string unknown)
        {
            Console.Error.WriteLine($"Unknown method '{unknown}' in --methods; the methods are {string.Join(", ", known)}.");
            return 2;
        }
        var methods = new (string Name, MutualAutoencoderObjective Objective, double Target)[]
        {
            ("vae", MutualAutoencoderObjective.VariationalAutoencoder, 0),
            ("m2", MutualAutoencoderObjective.MutualAutoencoder, 2),
            ("m5", MutualAutoencoderObjective.MutualAutoencoder, 5),
        }
        .Where(m => onlyMethods is null || onlyMethods.Contains(m.Name))
        .SelectMany(m => (ordinal ? new[] { false, true } : [false]).Select(asOrdinal => ("mae-" + m.Name + dropoutSuffix + (asOrdinal ? "-ordinal" : ""), m.Objective, m.Target, asOrdinal)))
        .ToArray();
        var summary = new List<(string Table, string Method, double? Nrmse, double? Error, double Information)>();
        foreach (string name in names)
        {
            var table = ReadTable(tables, name);
            foreach (int seed in seeds)
            {
                string maskPath = Path.Combine(tables, "masks", $"{name}-seed{seed}.csv");
                if (!File.Exists(maskPath))
                {
                    Console.Error.WriteLine($"No {maskPath}; run bench/tables/impute_baselines.py first. Skipping {name}, seed {seed}.");
                    continue;
                }
                var hidden = ReadMask(maskPath, table);
                var masked = (float[])table.Values.Clone();
                for (int i = 0; i < masked.Length; i++)
                {
                    if (hidden[i])
                        masked[i] = float.NaN;
                }
                // The model refuses a row with no visible cell (HouseVotes84 has one, all its votes missing in R's data, and masking
                // can empty others): such rows neither train nor reach the model, and their hidden cells get the column's mean or mode.
                int width = table.Columns.Length;
                var visible = Enumerable.Range(0, table.Rows).Where(r => !masked.AsSpan(r * width, width).ToArray().All(float.IsNaN)).ToArray();
                var visibleRows = RowsAt(masked, width, visible);
                var fallback = MeanOrMode(table, masked);
                if (ordinal)
                {
                    var modes = new float[masked.Length];
                    for (int i = 0; i < masked.Length; i++)
                        modes[i] = float.IsNaN(masked[i]) ? fallback[i % width] : masked[i];
                    var (modeNrmse, modeError) = Score(table, modes, hidden);
                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{name},mode,{seed},{Csv(modeNrmse)},{Csv(modeError)},0,0,{Csv(OrderedLevelError(table, modes, hidden))}"));
                }
                foreach (var (method, objective, target, asOrdinal) in methods)
                {
                    var clock = Stopwatch.StartNew();
                    using var model = Fit(table with { Rows = visible.Length }, visibleRows, objective, target, seed, steps, cellDropout, asOrdinal);
                    double fitSeconds = clock.Elapsed.TotalSeconds;
                    // The three imputation rules on the same model: the posterior mean's prediction, the summaries averaged over 16 draws, and
                    // weighted by importance over 32.
                    foreach (var (rule, draws, weighted) in new[] { ("", 0, false), ("-draws", RuleDraws, false), ("-weighted", WeightedDraws, true) })
                    {
                        var ruleClock = Stopwatch.StartNew();
                        var imputed = model.Impute(visibleRows, draws, weighted);
                        var filled = new float[masked.Length];
                        for (int r = 0; r < table.Rows; r++)
                            for (int c = 0; c < width; c++)
                                filled[r * width + c] = float.IsNaN(masked[r * width + c]) ? fallback[c] : masked[r * width + c];
                        for (int v = 0; v < visible.Length; v++)
                            imputed.AsSpan(v * width, width).CopyTo(filled.AsSpan(visible[v] * width, width));
                        double seconds = fitSeconds + ruleClock.Elapsed.TotalSeconds;
                        var (nrmse, error) = Score(table, filled, hidden);
                        double information = model.Report.Final.AggregatePosteriorInformation;
                        string label = method + rule;
                        double? levelError = ordinal ? OrderedLevelError(table, filled, hidden) : null;
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{name,-22} seed {seed} {label,-14} nrmse {Format(nrmse),7} error {Format(error),7}{(ordinal ? $" ordered level error {Format(levelError),7}" : "")}  I_q {information,5:F2}  {seconds,6:F1} s"));
                        lines.Add(string.Create(CultureInfo.InvariantCulture,
                            $"{name},{label},{seed},{Csv(nrmse)},{Csv(error)},{seconds:F2},{information:F4}{(ordinal ? "," + Csv(levelError) : "")}"));
                        summary.Add((name, label, nrmse, error, information));
                    }
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
                    File.WriteAllLines(output, lines); // as it goes, so that an interrupted run keeps what it measured
                }
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllLines(output, lines);
        Console.WriteLine($"\nMean over seeds {string.Join(", ", seeds)} (numeric: RMSE / column std on hidden cells; categorical: error rate)");
        Console.WriteLine($"| {"table",-22} | {"method",-14} | {"numeric",7} | {"categorical",11} | {"I_q",5} |");
        foreach (var group in summary.GroupBy(s => (s.Table, s.Method)))
        {
            double? Mean(Func<(string, string, double?, double?, double), double?> pick)
            {
                var values = group.Select(pick).Where(v => v.HasValue).Select(v => v!.Value).ToArray();
                return values.Length > 0 ? values.Average() : null;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Table,-22} | {group.Key.Method,-14} | {Format(Mean(s => s.Item3)),7} | {Format(Mean(s => s.Item4)),11} | {group.Average(s => s.Information),5:F2} |"));
        }
        Console.WriteLine($"Wrote {output}");
        return 0;
    }

    /// <summary>
    /// The knob on the real tables: the MAE at three targets M, fitted on every row with a visible cell (the tables' own missing
    /// cells, no extra mask); reports the held-out I_q with its cap ln N, Î_p and KL(q(z) ‖ p(z)) of the final evaluation.
    /// </summary>
    public static int RunKnob(string[] args)
    {
        string tables = Path.Combine("out", "tables"), output = Path.Combine("docs", "results", "table-knob.csv");
        double[] targets = [1, 2, 3];
        int steps = 1500, seed = 1;
        string[]? knobOnly = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tables": tables = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--targets": targets = args[++i].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": knobOnly = args[++i].Split(','); break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: table-knob [--tables DIR] [--out FILE] [--steps N] [--targets 1,2,3] [--seed N] [--only NAMES]");
                    return 2;
            }
        }
        string index = Path.Combine(tables, "index.json");
        if (!File.Exists(index))
        {
            Console.Error.WriteLine($"No {index}: run 'bash scripts/fetch-tables.sh' first.");
            return 1;
        }
        var lines = new List<string> { "table,rows,seed,target,heldout_iq,cap_ln_n,information_bound,marginal_kl,rate,seconds,heldout_iq_16_draws,heldout_leave_one_out_16_draws,training_subsets_iq_16_draws,training_subsets_low,training_subsets_high,training_rows,training_iq" };
        foreach (string name in ReadIndex(index).Where(n => knobOnly is null || knobOnly.Contains(n)))
        {
            var table = ReadTable(tables, name);
            int width = table.Columns.Length;
            var visible = Enumerable.Range(0, table.Rows).Where(r => !table.Values.AsSpan(r * width, width).ToArray().All(float.IsNaN)).ToArray();
            var rows = RowsAt(table.Values, width, visible);
            foreach (double target in targets)
            {
                var clock = Stopwatch.StartNew();
                using var model = Fit(table with { Rows = visible.Length }, rows, MutualAutoencoderObjective.MutualAutoencoder, target, seed, steps);
                var final = model.Report.Final;
                double seconds = clock.Elapsed.TotalSeconds;
                var gap = Gap(target, seed, model, rows, width);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-22} M {target,3:F1}: held-out I_q {final.AggregatePosteriorInformation,5:F2} (cap {final.InformationCap:F2}; {KnobDraws} draws {gap.HeldOut:F2}, leave-one-out {gap.LeaveOneOut:F2})  training rows: as many {gap.TrainingSubsets:F2} ({gap.SubsetsLow:F2}-{gap.SubsetsHigh:F2}), all {gap.TrainingRows} {gap.TrainingAll:F2}  I_p bound {final.InformationBound,5:F2}  KL(q(z)||p(z)) {final.MarginalDivergence,5:F2}  rate {final.Rate,5:F2}  {seconds,5:F1} s"));
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{name},{visible.Length},{seed},{target},{final.AggregatePosteriorInformation:F4},{final.InformationCap:F4},{final.InformationBound:F4},{final.MarginalDivergence:F4},{final.Rate:F4},{seconds:F1},{gap.HeldOut:F4},{gap.LeaveOneOut:F4},{gap.TrainingSubsets:F4},{gap.SubsetsLow:F4},{gap.SubsetsHigh:F4},{gap.TrainingRows},{gap.TrainingAll:F4}"));
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
                File.WriteAllLines(output, lines);
            }
        }
        Console.WriteLine($"Wrote {output}");
        return 0;
    }

    /// <summary>Draws per row of the steadier estimates that <see cref="RunKnob"/> adds to the training report's one-draw figure.</summary>
    private const int KnobDraws = 16;

    /// <summary>
    /// The figures behind the held-out I_q of a fitted knob run, from the model's public <c>EvaluateInformation</c> with
    /// <see cref="KnobDraws"/> draws a row: on the held-out rows, the aggregate-posterior estimate (capped at ln N) and the
    /// leave-one-out one (an upper bound); the same lower estimate on ten random sets of training rows of the held-out size
    /// (the same cap; its mean and range) and on all the training rows (a larger N). The held-out rows are the trainer's own
    /// (<c>MutualAutoencoderTrainer.SplitForEvaluation</c>); the rate, which takes no draws, must equal the report's, or this throws.
    /// </summary>
    private static (double HeldOut, double LeaveOneOut, double TrainingSubsets, double SubsetsLow, double SubsetsHigh, double TrainingAll, int TrainingRows) Gap(
        double target, int seed, MutualAutoencoderModel model, float[] rows, int width)
    {
        var split = MutualAutoencoderTrainer.SplitForEvaluation(TrainingData.FromArray(rows, width), new MutualAutoencoderOptions { TargetInformation = target }, seed);
        if (!split.HeldOut || split.RowNumbers is null)
            throw new InvalidOperationException("The table is too small to hold rows out.");
        var heldOut = split.RowNumbers.Select(r => (int)r).ToArray();
        float[] Gather(IEnumerable<int> chosen) => RowsAt(rows, width, chosen);
        var held = model.EvaluateInformation(Gather(heldOut), KnobDraws);
        double reported = model.Report.Final.EvaluationRate;
        if (Math.Abs(held.Rate - reported) > 1e-4 * Math.Max(1, Math.Abs(reported)))
            throw new InvalidOperationException($"The held-out rows found here give a rate of {held.Rate}, the report {reported}: the split is not the trainer's.");
        var training = Enumerable.Range(0, rows.Length / width).Except(heldOut).ToArray();
        var random = new Random(7);
        var subsets = Enumerable.Range(0, 10)
            .Select(_ => model.EvaluateInformation(Gather(training.OrderBy(_ => random.Next()).Take(heldOut.Length)), KnobDraws).AggregatePosteriorInformation)
            .ToArray();
        var all = model.EvaluateInformation(Gather(training), training.Length > 4096 ? 1 : KnobDraws);
        return (held.AggregatePosteriorInformation, held.LeaveOneOutInformation, subsets.Average(), subsets.Min(), subsets.Max(), all.AggregatePosteriorInformation, training.Length);
    }

    /// <summary>The rows <paramref name="chosen"/> of <paramref name="values"/> (<paramref name="width"/> values a row), one after another.</summary>
    private static float[] RowsAt(float[] values, int width, IEnumerable<int> chosen) =>
        chosen.SelectMany(r => values.AsSpan(r * width, width).ToArray()).ToArray();

    /// <summary>Per column, the mean of the visible cells of a real column and the most frequent class of a categorical or binary one.</summary>
    private static float[] MeanOrMode(Table table, float[] masked)
    {
        int width = table.Columns.Length;
        var result = new float[width];
        for (int c = 0; c < width; c++)
        {
            var cells = Enumerable.Range(0, table.Rows).Select(r => masked[r * width + c]).Where(v => !float.IsNaN(v)).ToArray();
            result[c] = cells.Length == 0 ? 0f
                : table.Columns[c].Kind == "real" ? cells.Average()
                : cells.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        }
        return result;
    }

    private static string Format(double? value) => value is double v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Csv(double? value) => value is double v ? v.ToString("F6", CultureInfo.InvariantCulture) : "";

    /// <summary>Per ordered column, the mean absolute distance in levels between the filled and the true level over its hidden cells; averaged over the ordered columns.</summary>
    private static double? OrderedLevelError(Table table, float[] filled, bool[] hidden)
    {
        int width = table.Columns.Length;
        var errors = new List<double>();
        for (int c = 0; c < width; c++)
        {
            if (!table.Columns[c].Ordered)
                continue;
            double distance = 0;
            int count = 0;
            for (int r = 0; r < table.Rows; r++)
            {
                int i = r * width + c;
                if (!hidden[i] || float.IsNaN(table.Values[i]))
                    continue;
                distance += Math.Abs(filled[i] - table.Values[i]);
                count++;
            }
            if (count > 0)
                errors.Add(distance / count);
        }
        return errors.Count > 0 ? errors.Average() : null;
    }

    /// <summary>Trains on <paramref name="masked"/>, <c>table.Rows</c> rows of the table's columns; with <paramref name="ordinal"/>, R's ordered factors as ordinal columns.</summary>
    private static MutualAutoencoderModel Fit(Table table, float[] masked, MutualAutoencoderObjective objective, double target, int seed, int steps, double cellDropout = 0, bool ordinal = false)
    {
        var options = new MutualAutoencoderOptions
        {
            Objective = objective,
            TargetInformation = target,
            Table = new TableSpecification([.. table.Columns.Select(c => c.Kind switch
            {
                "categorical" when ordinal && c.Ordered => new ColumnSpecification(c.Name, ColumnKind.Ordinal, ClassCount: c.Levels.Length),
                "categorical" => new ColumnSpecification(c.Name, ColumnKind.Categorical, ClassCount: c.Levels.Length),
                "binary" => new ColumnSpecification(c.Name, ColumnKind.Binary),
                _ => new ColumnSpecification(c.Name, ColumnKind.Real),
            })]),
            Seed = seed,
            NumberOfImportanceSamples = 0,
            EncoderCellDropout = cellDropout,
        };
        // Every row trains but the held-out fifth at most; epochs enough for the steps.
        int trainingRows = Math.Max(1, table.Rows - Math.Min(table.Rows / 5, MutualAutoencoderTrainer.EvaluationRowCount(options)));
        int batches = (trainingRows + options.BatchSize - 1) / options.BatchSize;
        options.NumberOfEpochs = Math.Max(1, (steps + batches - 1) / batches);
        options.EvaluateEveryEpoch = false;
        options.MinimumNumberOfSteps = 0;   // the epochs above set the steps
        return new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(masked, table.Columns.Length));
    }

    private static (double? Nrmse, double? Error) Score(Table table, float[] filled, bool[] hidden)
    {
        int width = table.Columns.Length;
        var nrmse = new List<double>();
        var errors = new List<double>();
        for (int c = 0; c < width; c++)
        {
            double squares = 0, sum = 0, sumOfSquares = 0;
            int count = 0, observed = 0, wrong = 0;
            for (int r = 0; r < table.Rows; r++)
            {
                int i = r * width + c;
                float truth = table.Values[i];
                if (float.IsNaN(truth))
                    continue;
                observed++;
                sum += truth;
                sumOfSquares += (double)truth * truth;
                if (!hidden[i])
                    continue;
                count++;
                squares += Math.Pow(filled[i] - truth, 2);
                wrong += filled[i] == truth ? 0 : 1;
            }
            if (count == 0)
                continue;
            if (table.Columns[c].Kind == "real")
            {
                double mean = sum / observed, sd = Math.Sqrt(Math.Max(0, sumOfSquares / observed - mean * mean));
                nrmse.Add(Math.Sqrt(squares / count) / sd);
            }
            else
            {
                errors.Add((double)wrong / count);
            }
        }
        return (nrmse.Count > 0 ? nrmse.Average() : null, errors.Count > 0 ? errors.Average() : null);
    }

    private static string[] ReadIndex(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var tables = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("tables");
        return tables.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : t.GetProperty("table").GetString()!).ToArray();
    }

    private static Table ReadTable(string folder, string name)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, $"{name}.schema.json")));
        string? label = schema.RootElement.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        var dropped = schema.RootElement.TryGetProperty("dropped", out var d) ? d.EnumerateArray().Select(x => x.GetString()).ToHashSet() : [];
        var columns = schema.RootElement.GetProperty("columns").EnumerateArray()
            .Select(c => new Column(c.GetProperty("name").GetString()!, c.GetProperty("kind").GetString()!,
                c.TryGetProperty("levels", out var levels) && levels.ValueKind == JsonValueKind.Array ? levels.EnumerateArray().Select(x => x.GetString()!).ToArray() : [],
                c.TryGetProperty("ordered", out var ordered) && ordered.ValueKind == JsonValueKind.True))
            .Where(c => c.Name != label && !dropped.Contains(c.Name))
            .ToArray();

        using var reader = new StreamReader(Path.Combine(folder, $"{name}.csv"));
        var header = Fields(reader.ReadLine() ?? throw new InvalidDataException($"{name}.csv is empty."));
        var positions = columns.Select(c => Array.IndexOf(header, c.Name)).ToArray();
        var values = new List<float>();
        int rows = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var fields = Fields(line);
            for (int c = 0; c < columns.Length; c++)
            {
                var column = columns[c];
                string cell = fields[positions[c]];
                values.Add(cell.Length == 0 ? float.NaN : column.Kind switch
                {
                    "categorical" or "binary" when column.Levels.Length > 0 => Level(column, cell),
                    "binary" => cell is "TRUE" or "1" ? 1f : 0f,
                    _ => float.Parse(cell, CultureInfo.InvariantCulture),
                });
            }
            rows++;
        }
        return new Table(name, columns, [.. values], rows);
    }

    private static float Level(Column column, string cell)
    {
        int index = Array.IndexOf(column.Levels, cell);
        if (index < 0)
            throw new InvalidDataException($"Column '{column.Name}': '{cell}' is not one of its levels ({string.Join(", ", column.Levels)}).");
        return index;
    }

    private static bool[] ReadMask(string path, Table table)
    {
        using var reader = new StreamReader(path);
        var header = Fields(reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty."));
        var positions = table.Columns.Select(c => Array.IndexOf(header, c.Name)).ToArray();
        var hidden = new bool[table.Values.Length];
        int r = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var fields = Fields(line);
            for (int c = 0; c < table.Columns.Length; c++)
                hidden[r * table.Columns.Length + c] = fields[positions[c]] == "1";
            r++;
        }
        if (r != table.Rows)
            throw new InvalidDataException($"{path} has {r} rows; the table has {table.Rows}.");
        return hidden;
    }

    /// <summary>The fields of one CSV line (RFC 4180 quoting, "" for a quote inside quotes).</summary>
    internal static string[] Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return [.. fields];
    }
}
