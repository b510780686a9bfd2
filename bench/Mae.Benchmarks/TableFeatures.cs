using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// Features on the labelled public tables, through ML.NET's public API as a user would write it: the multi-column step's code (VAE
/// and MAE at several M), the raw columns with ML.NET's own missing handling (numeric: mean replacement plus missing indicators,
/// then mean-variance normalisation; keys: one-hot, key 0 all zeros), and PCA of those raw features at the code's dimension,
/// each into SDCA (maximum entropy) and LightGbm, with all the training labels and with 1% of them. Every representation is fitted
/// on all training rows without labels; the classifiers see the labelled subset; accuracy is on a held-out fifth.
/// </summary>
internal static class TableFeatures
{
    private const int Dimension = 16;

    public static int Run(string[] args)
    {
        string tables = Path.Combine("out", "tables"), output = Path.Combine("docs", "results", "table-features.csv");
        string[] names = ["income", "spam"];
        double[] targets = [2, 4, 8];
        int[] seeds = [1];
        int labelDraws = 1;
        bool ordinal = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tables": tables = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--only": names = args[++i].Split(','); break;
                case "--targets": targets = args[++i].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seeds": seeds = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--label-draws": labelDraws = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ordinal": ordinal = true; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: table-features [--tables DIR] [--out FILE] [--only income,spam] [--targets 2,4,8] [--seeds 1] [--label-draws 1] [--ordinal]");
                    return 2;
            }
        }
        var lines = new List<string> { "table,seed,features,learner,label_fraction,labels,accuracy,heldout_iq,seconds,label_draw" };
        foreach (string name in names)
        {
            foreach (int seed in seeds)
                Evaluate(tables, name, seed, targets, labelDraws, lines, output, ordinal);
        }
        PrintFewLabelSummary(lines);
        Console.WriteLine($"Wrote {output}");
        return 0;
    }

    /// <summary>Mean and standard deviation over the label draws (and seeds) of each representation's accuracy with 1% of the labels.</summary>
    private static void PrintFewLabelSummary(List<string> lines)
    {
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[4] == "0.01" && f[6] != "NaN").ToArray();
        Console.WriteLine("\nWith 1% of the labels: accuracy, mean ± standard deviation over the label draws");
        foreach (var group in rows.GroupBy(f => (Table: f[0], Features: f[2], Learner: f[3])))
        {
            var accuracies = group.Select(f => double.Parse(f[6], CultureInfo.InvariantCulture)).ToArray();
            double mean = accuracies.Average();
            double sd = accuracies.Length > 1 ? Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Length - 1)) : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key.Table,-8} {group.Key.Features,-8} {group.Key.Learner,-8} {mean:F3} ± {sd:F3} ({accuracies.Length} draws)"));
        }
    }

    /// <summary>
    /// One table at one seed. With <paramref name="ordinal"/>, the code's step models R's ordered factors as ordinal columns
    /// (configuration names ending "-ordinal"); the raw columns and PCA read them one-hot either way.
    /// </summary>
    private static void Evaluate(string folder, string name, int seed, double[] targets, int labelDraws, List<string> lines, string output, bool ordinal)
    {
        var mlContext = new MLContext(seed: seed);
        var (data, reals, keys, ordered) = Load(mlContext, folder, name);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: seed);
        var train = mlContext.Data.Cache(split.TrainSet);
        var test = mlContext.Data.Cache(split.TestSet);
        string[] columns = [.. reals, .. keys];

        // Representations, each fitted on every training row without its label.
        var representations = new List<(string Name, ITransformer Model, string Column, double Information, double Seconds)>();
        var raw = RawFeatures(mlContext, reals, keys);
        var clock = Stopwatch.StartNew();
        representations.Add(("raw", raw.Fit(train), "Raw", double.NaN, clock.Elapsed.TotalSeconds));
        clock.Restart();
        representations.Add(("pca", raw.Append(mlContext.Transforms.ProjectToPrincipalComponents("Pca", "Raw", rank: Dimension, seed: seed)).Fit(train), "Pca", double.NaN, clock.Elapsed.TotalSeconds));
        var configurations = new List<(string Name, MutualAutoencoderObjective Objective, double Target)> { ("vae", MutualAutoencoderObjective.VariationalAutoencoder, 0) };
        configurations.AddRange(targets.Select(t => ($"mae-m{t.ToString(CultureInfo.InvariantCulture)}", MutualAutoencoderObjective.MutualAutoencoder, t)));
        foreach (var (baseName, objective, target) in configurations)
        {
            string configuration = baseName + (ordinal ? "-ordinal" : "");
            var options = new MutualAutoencoderEstimator.Options
            {
                Objective = objective,
                TargetInformation = target,
                LatentDimension = Dimension,
                Seed = seed,
                NumberOfThreads = 2,
                EvaluateEveryEpoch = false,
                NumberOfImportanceSamples = 0,
            };
            if (ordinal)
            {
                foreach (string column in ordered)
                    options.ColumnKinds[column] = ColumnKind.Ordinal;
            }
            clock.Restart();
            var model = mlContext.Transforms.MutualAutoencode("Code", columns, options).Fit(train);
            double information = model.EvaluateInformation(test).AggregatePosteriorInformation;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} seed {seed} {configuration}: held-out I_q {information:F2} nats, fit {clock.Elapsed.TotalSeconds:F1} s"));
            representations.Add((configuration, model, "Code", information, clock.Elapsed.TotalSeconds));
        }

        var random = new Random(seed);
        var trainIndices = mlContext.Data.CreateEnumerable<IndexRow>(train, reuseRowObject: false).Select(r => r.RowIndex).ToArray();
        // All the labels once, then as many draws of 1% of them as asked (the first the same draw at any count).
        foreach (var (fraction, draw) in new[] { (1.0, 1) }.Concat(Enumerable.Range(1, labelDraws).Select(d => (0.01, d))))
        {
            int labelled = (int)Math.Max(1, Math.Round(trainIndices.Length * fraction));
            var chosen = trainIndices.OrderBy(_ => random.Next()).Take(labelled).ToHashSet();
            var labelledRows = mlContext.Data.Cache(mlContext.Data.FilterByCustomPredicate<IndexRow>(train, row => !chosen.Contains(row.RowIndex)));
            foreach (var (representation, model, column, information, seconds) in representations)
            {
                foreach (var (learner, trainer) in Learners(mlContext, column))
                {
                    double accuracy;
                    try
                    {
                        // Cached: the learners pass over their data many times, and the table step scores row by row.
                        var features = mlContext.Data.Cache(model.Transform(labelledRows));
                        var classifier = trainer.Fit(features);
                        var scored = classifier.Transform(mlContext.Data.Cache(model.Transform(test)));
                        accuracy = mlContext.MulticlassClassification.Evaluate(scored).MicroAccuracy;
                    }
                    catch (Exception error) when (error is InvalidOperationException or ArgumentException)
                    {
                        Console.WriteLine($"  {representation} {learner} with {labelled} labels failed: {error.Message}");
                        accuracy = double.NaN;
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-8} seed {seed} {representation,-8} {learner,-8} labels {labelled,5} ({fraction:P0}, draw {draw}): accuracy {accuracy:F3}"));
                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{name},{seed},{representation},{learner},{fraction},{labelled},{accuracy:F4},{(double.IsNaN(information) ? "" : information.ToString("F3", CultureInfo.InvariantCulture))},{seconds:F1},{draw}"));
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
                    File.WriteAllLines(output, lines);
                }
            }
        }
        foreach (var representation in representations)
            (representation.Model as IDisposable)?.Dispose();
    }

    private static IEnumerable<(string Name, IEstimator<ITransformer> Trainer)> Learners(MLContext mlContext, string column)
    {
        yield return ("sdca", mlContext.Transforms.CopyColumns("Features", column)
            .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Features")));
        yield return ("lightgbm", mlContext.Transforms.CopyColumns("Features", column)
            .Append(mlContext.MulticlassClassification.Trainers.LightGbm(featureColumnName: "Features")));
    }

    /// <summary>The raw columns as ML.NET handles missing values: numeric means with missing indicators, normalised; keys one-hot.</summary>
    private static IEstimator<ITransformer> RawFeatures(MLContext mlContext, string[] reals, string[] keys)
    {
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        var parts = new List<string>();
        if (reals.Length > 0)
        {
            pipeline = pipeline.Append(mlContext.Transforms.Concatenate("RawNumeric", reals))
                .Append(mlContext.Transforms.IndicateMissingValues("RawMissing", "RawNumeric"))
                .Append(mlContext.Transforms.Conversion.ConvertType("RawMissingFloat", "RawMissing", DataKind.Single))
                .Append(mlContext.Transforms.ReplaceMissingValues("RawNumeric"))
                .Append(mlContext.Transforms.NormalizeMeanVariance("RawNumeric"));
            parts.AddRange(["RawNumeric", "RawMissingFloat"]);
        }
        foreach (var key in keys)
        {
            pipeline = pipeline.Append(mlContext.Transforms.Conversion.MapKeyToVector($"{key}OneHot", key));
            parts.Add($"{key}OneHot");
        }
        return pipeline.Append(mlContext.Transforms.Concatenate("Raw", [.. parts]));
    }

    /// <summary>
    /// The table as ML.NET columns: real columns as Single (NaN missing), categorical ones as keys (0 missing), the label as a key;
    /// through a CSV of numbers read by TextLoader, then MapValueToKey over the levels 1..K (in R's order, so that an ordered factor's
    /// keys follow its levels); and the key columns of R's ordered factors.
    /// </summary>
    private static (IDataView Data, string[] Reals, string[] Keys, string[] Ordered) Load(MLContext mlContext, string folder, string name)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, $"{name}.schema.json")));
        string label = schema.RootElement.GetProperty("label").GetString()!;
        var dropped = schema.RootElement.TryGetProperty("dropped", out var d) ? d.EnumerateArray().Select(x => x.GetString()).ToHashSet() : [];
        var columns = schema.RootElement.GetProperty("columns").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Kind: c.GetProperty("kind").GetString()!,
                Levels: c.TryGetProperty("levels", out var levels) && levels.ValueKind == JsonValueKind.Array ? levels.EnumerateArray().Select(x => x.GetString()!).ToArray() : [],
                Ordered: c.TryGetProperty("ordered", out var ordered) && ordered.ValueKind == JsonValueKind.True))
            .Where(c => !dropped.Contains(c.Name))
            .ToArray();
        string Safe(string column) => "c_" + new string(column.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_').ToArray());

        string path = Path.Combine(Path.GetTempPath(), $"mae-features-{name}-{Environment.ProcessId}.csv");
        using (var reader = new StreamReader(Path.Combine(folder, $"{name}.csv")))
        using (var writer = new StreamWriter(path))
        {
            var header = TableImputation.Fields(reader.ReadLine()!);
            var positions = columns.Select(c => Array.IndexOf(header, c.Name)).ToArray();
            writer.WriteLine(string.Join(",", columns.Select(c => Safe(c.Name)).Prepend("RowIndex")));
            int index = 0;
            for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                var fields = TableImputation.Fields(line);
                var cells = new string[columns.Length];
                for (int c = 0; c < columns.Length; c++)
                {
                    string cell = fields[positions[c]];
                    cells[c] = columns[c].Levels.Length > 0
                        ? (cell.Length == 0 ? "0" : (Array.IndexOf(columns[c].Levels, cell) + 1).ToString(CultureInfo.InvariantCulture))
                        : cell.Length == 0 ? "" : columns[c].Kind == "binary" ? (cell is "TRUE" or "1" ? "1" : "0") : cell;
                }
                writer.WriteLine(string.Join(",", cells.Prepend((index++).ToString(CultureInfo.InvariantCulture))));
            }
        }
        var loaderColumns = columns.Select((c, i) => new TextLoader.Column(Safe(c.Name) + (c.Levels.Length > 0 ? "_raw" : ""), c.Levels.Length > 0 ? DataKind.UInt32 : DataKind.Single, i + 1))
            .Prepend(new TextLoader.Column(nameof(IndexRow.RowIndex), DataKind.Int32, 0)).ToArray();
        var data = mlContext.Data.LoadFromTextFile(path, loaderColumns, separatorChar: ',', hasHeader: true);
        IEstimator<ITransformer> keys = new EstimatorChain<ITransformer>();
        foreach (var column in columns.Where(c => c.Levels.Length > 0))
        {
            var levels = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, column.Levels.Length).Select(v => new KeyValue { Value = (uint)v }));
            string target = column.Name == label ? "Label" : Safe(column.Name);
            keys = keys.Append(mlContext.Transforms.Conversion.MapValueToKey(target, Safe(column.Name) + "_raw", keyData: levels));
        }
        var mapped = mlContext.Data.Cache(keys.Fit(data).Transform(data));
        var reals = columns.Where(c => c.Levels.Length == 0 && c.Name != label).Select(c => Safe(c.Name)).ToArray();
        var keyColumns = columns.Where(c => c.Levels.Length > 0 && c.Name != label).Select(c => Safe(c.Name)).ToArray();
        var orderedColumns = columns.Where(c => c.Ordered && c.Levels.Length > 0 && c.Name != label).Select(c => Safe(c.Name)).ToArray();
        return (mapped, reals, keyColumns, orderedColumns);
    }

    private sealed class KeyValue
    {
        public uint Value { get; set; }
    }

    private sealed class IndexRow
    {
        public int RowIndex { get; set; }
    }
}
