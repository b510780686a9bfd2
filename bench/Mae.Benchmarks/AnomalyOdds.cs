using System.Diagnostics;
using System.Globalization;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx = Mae.Export;

namespace Mae.Benchmarks;

/// <summary>
/// Anomaly detection on the ODDS versions of public tables (out/odds, written by scripts/fetch-tables.sh): the unsupervised protocol,
/// every row fitted with its label unseen and every row scored, ROC-AUC and average precision per seed. Detectors, as a user would
/// write them: ML.NET's RandomizedPca on the feature vector (its default rank 20, or d − 1 when the table has fewer columns), and the
/// Mae anomaly detector (<c>mlContext.AnomalyDetection.Trainers.MutualAutoencoder</c>) on the same vector as one real column, missing
/// cells modelled, at its defaults but for the objective (the VAE, or the MAE at each M of <c>--targets</c>) and a common budget of
/// steps. For every Mae fit the three score estimators of <see cref="AnomalyScoreEstimator"/> are compared on the same model, with
/// their scoring time. bench/anomaly/odds_baselines.py gives sklearn's detectors on the same rows.
/// </summary>
/// <remarks>
/// Mae.Benchmarks anomaly-odds [--odds DIR] [--out FILE] [--only shuttle,...] [--targets 1,2,4,8] [--seeds 1,2,3] [--steps N]
///   [--seeds-for vae,2] (the configurations run at every seed; the others at the first seed only) [--prior-draws N] (PriorSampleSize;
///   the README's tables were measured with 1,024, the default before a table's became 256) [--throughput TABLE]
/// </remarks>
internal static class AnomalyOdds
{
    private const int ImportanceSamples = 16;

    public static int Run(string[] args)
    {
        string folder = Path.Combine("out", "odds"), output = Path.Combine("docs", "results", "anomaly-odds.csv");
        string[] names = ["shuttle", "satellite", "ionosphere", "breastw", "pima"];
        double[] targets = [1, 2, 4, 8];
        int[] seeds = [1, 2, 3];
        string[]? everySeed = null;
        int steps = 1000;
        int? priorDraws = null;
        string? throughputTable = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--odds": folder = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--only": names = args[++i].Split(','); break;
                case "--targets": targets = args[++i].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seeds": seeds = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seeds-for": everySeed = args[++i].Split(','); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--prior-draws": priorDraws = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--throughput": throughputTable = args[++i]; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: anomaly-odds [--odds DIR] [--out FILE] [--only NAMES] [--targets 1,2,4,8] [--seeds 1,2,3] [--seeds-for vae,2] [--steps N] [--prior-draws N] [--throughput TABLE]");
                    return 2;
            }
        }
        if (throughputTable is not null)
            return Throughput(folder, throughputTable, steps);

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        bool append = File.Exists(output);
        using var writer = new StreamWriter(output, append);
        if (!append)
            writer.WriteLine("table,rows,features,anomalies,detector,target,seed,estimator,roc_auc,average_precision,fit_seconds,score_seconds,heldout_iq");
        var configurations = new List<(string Name, double? Target)> { ("vae", null) };
        configurations.AddRange(targets.Select(t => (t.ToString(CultureInfo.InvariantCulture), (double?)t)));
        foreach (string name in names)
        {
            var table = OddsTable.Load(folder, name);
            Console.WriteLine($"{name}: {table.Rows} rows, {table.Features} features, {table.Anomalies} anomalies ({(double)table.Anomalies / table.Rows:P1}), {table.MissingCells} missing cells");
            for (int s = 0; s < seeds.Length; s++)
            {
                int seed = seeds[s];
                if (table.MissingCells == 0)
                {
                    var (pcaAuc, pcaAp, pcaFit, pcaScore) = RandomizedPca(table, seed);
                    Write(writer, table, "RandomizedPca", "", seed, "relative-residual", pcaAuc, pcaAp, pcaFit, pcaScore, double.NaN);
                }
                foreach (var (configuration, target) in configurations)
                {
                    if (s > 0 && everySeed is not null && !everySeed.Contains(configuration))
                        continue;
                    Mae(table, target, seed, steps, priorDraws, writer);
                }
            }
        }
        Console.WriteLine($"Wrote {output}");
        return 0;
    }

    private static void Write(StreamWriter writer, OddsTable table, string detector, string target, int seed, string estimator,
        double auc, double ap, double fitSeconds, double scoreSeconds, double heldOutInformation)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{table.Name},{table.Rows},{table.Features},{table.Anomalies},{detector},{target},{seed},{estimator},{auc:F4},{ap:F4},{fitSeconds:F1},{scoreSeconds:F2},{heldOutInformation:F3}");
        writer.WriteLine(line);
        writer.Flush();
        Console.WriteLine("  " + line);
    }

    /// <summary>ML.NET's RandomizedPca on the feature vector: AUC, AP, fit seconds, scoring seconds.</summary>
    private static (double Auc, double Ap, double Fit, double Score) RandomizedPca(OddsTable table, int seed)
    {
        var mlContext = new MLContext(seed: seed);
        var data = mlContext.Data.Cache(table.ToDataView(mlContext));
        var clock = Stopwatch.StartNew();
        var model = mlContext.AnomalyDetection.Trainers.RandomizedPca("Features", rank: PcaRank(table.Features)).Fit(data);
        double fit = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var scores = mlContext.Data.CreateEnumerable<ScoreRow>(model.Transform(data), false).Select(r => r.Score).ToArray();
        double score = clock.Elapsed.TotalSeconds;
        return (Ranking.RocAuc(scores, table.Labels), Ranking.AveragePrecision(scores, table.Labels), fit, score);
    }

    /// <summary>RandomizedPca's default rank is 20; it must stay below the number of features.</summary>
    private static int PcaRank(int features) => Math.Min(20, features - 1);

    private static void Mae(OddsTable table, double? target, int seed, int steps, int? priorDraws, StreamWriter writer)
    {
        var mlContext = new MLContext(seed: seed);
        var data = mlContext.Data.Cache(table.ToDataView(mlContext));
        var options = Options(target, seed, steps);
        options.PriorSampleSize = priorDraws;
        var clock = Stopwatch.StartNew();
        using var detector = mlContext.AnomalyDetection.Trainers.MutualAutoencoder(["Features"], options).Fit(data);
        double fit = clock.Elapsed.TotalSeconds;
        double information = detector.Report.Final.AggregatePosteriorInformation;
        string name = target is null ? "Mae VAE" : "Mae MAE";
        string targetText = target?.ToString(CultureInfo.InvariantCulture) ?? "";

        // The step's own Score (ONNX, the posterior-mean estimator) through ML.NET, as a user reads it.
        clock.Restart();
        var stepScores = mlContext.Data.CreateEnumerable<ScoreRow>(detector.Transform(data), false).Select(r => r.Score).ToArray();
        double stepSeconds = clock.Elapsed.TotalSeconds;
        Write(writer, table, name, targetText, seed, "step", Ranking.RocAuc(stepScores, table.Labels), Ranking.AveragePrecision(stepScores, table.Labels), fit, stepSeconds, information);
        foreach (var estimator in Enum.GetValues<AnomalyScoreEstimator>())
        {
            clock.Restart();
            var scores = detector.Model.ScoreAnomalies(table.Values, estimator, ImportanceSamples);
            double seconds = clock.Elapsed.TotalSeconds;
            Write(writer, table, name, targetText, seed, estimator.ToString(), Ranking.RocAuc(scores, table.Labels), Ranking.AveragePrecision(scores, table.Labels), fit, seconds, information);
        }
    }

    internal static MutualAutoencoderAnomalyEstimator.Options Options(double? target, int seed, int steps) => new()
    {
        Objective = target is null ? MutualAutoencoderObjective.VariationalAutoencoder : MutualAutoencoderObjective.MutualAutoencoder,
        TargetInformation = target ?? MutualAutoencoderOptions.Defaults.TargetInformation,
        Seed = seed,
        NumberOfEpochs = 1,
        MinimumNumberOfSteps = steps,   // whole epochs up to at least this many steps, on every table
        EvaluateEveryEpoch = false,
    };

    /// <summary>
    /// Rows per second of scoring through the saved pipeline, loaded without the training objects, against RandomizedPca's on the same
    /// table: each model is saved, loaded, and its Score column read for every row, in turns, five times. A fifth pipeline is ML.NET's
    /// ONNX transformer on the smallest graph that reads the same row and writes a Score of the same type (one linear layer to one
    /// value): what any graph costs a row in the transformer that a saved Mae pipeline runs on, whatever its arithmetic.
    /// </summary>
    private static int Throughput(string folder, string name, int steps)
    {
        var table = OddsTable.Load(folder, name);
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.Cache(table.ToDataView(mlContext));
        var directory = Directory.CreateTempSubdirectory("mae-odds-throughput-");
        try
        {
            string pcaPath = Path.Combine(directory.FullName, "pca.zip"), maePath = Path.Combine(directory.FullName, "mae.zip");
            var fittedPca = mlContext.AnomalyDetection.Trainers.RandomizedPca("Features", rank: PcaRank(table.Features)).Fit(data);
            mlContext.Model.Save(fittedPca, data.Schema, pcaPath);
            using var detector = mlContext.AnomalyDetection.Trainers.MutualAutoencoder(["Features"], Options(null, 1, steps)).Fit(data);
            mlContext.Model.Save(detector, data.Schema, maePath);
            var pca = mlContext.Model.Load(pcaPath, out _);
            var mae = mlContext.Model.Load(maePath, out _);
            // The floor: Score = w·x + b in the single-row layout the saved detector uses, through ApplyOnnxModel, saved and loaded.
            string floorGraph = Path.Combine(directory.FullName, "linear.onnx"), floorPath = Path.Combine(directory.FullName, "linear.zip");
            var weights = Enumerable.Repeat(1f / table.Features, table.Features).ToArray();
            var linear = new Onnx.DenseLayer(table.Features, 1, weights, [0f]);
            Onnx.OnnxExporter.WriteEncoder(new Onnx.EncoderDescription(Onnx.InputPreprocessing.None, [], HiddenActivation.Tanh, linear, linear), floorGraph,
                new Onnx.OnnxExportOptions { EncoderInputName = "Features", EncoderMeanName = "Score", IncludeLogVariance = false, TensorLayout = Onnx.OnnxTensorLayout.SingleRow });
            var fittedFloor = mlContext.Transforms.ApplyOnnxModel("Score", "Features", floorGraph).Fit(data);
            mlContext.Model.Save(fittedFloor, data.Schema, floorPath);
            var floor = mlContext.Model.Load(floorPath, out _);
            // Rows per second of reading Score for every row, over as many passes as fill half a second (a small table's pass is too short to time).
            double ReadScores(ITransformer model, bool vector)
            {
                var clock = Stopwatch.StartNew();
                long rows = 0;
                float sum = 0;
                while (clock.Elapsed.TotalSeconds < 0.5)
                {
                    var scored = model.Transform(data);
                    using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
                    if (vector)
                    {
                        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
                        VBuffer<float> value = default;
                        while (cursor.MoveNext())
                        {
                            getter(ref value);
                            sum += value.GetItemOrDefault(0);
                        }
                    }
                    else
                    {
                        var getter = cursor.GetGetter<float>(scored.Schema["Score"]);
                        float value = 0;
                        while (cursor.MoveNext())
                        {
                            getter(ref value);
                            sum += value;
                        }
                    }
                    rows += table.Rows;
                }
                GC.KeepAlive(sum);
                return rows / clock.Elapsed.TotalSeconds;
            }
            // Saved and reloaded (what an app without Mae runs), and the fitted transformers in memory (Mae's runs the graph in batches).
            var paths = new (string Name, ITransformer Model, bool Vector)[]
            {
                ("saved RandomizedPca", pca, false), ("saved Mae detector", mae, true), ("in-memory RandomizedPca", fittedPca, false), ("in-memory Mae detector", detector, false),
                ("saved one-layer ONNX graph", floor, true),
            };
            foreach (var path in paths)
                ReadScores(path.Model, path.Vector);
            var rates = paths.Select(_ => new List<double>()).ToArray();
            for (int run = 0; run < 5; run++)
            {
                for (int p = 0; p < paths.Length; p++)
                    rates[p].Add(ReadScores(paths[p].Model, paths[p].Vector));
            }
            double[] medians = [.. rates.Select(r => r.Order().ElementAt(2))];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} ({table.Rows} rows x {table.Features}), rows/s, median of 5 interleaved runs of at least 0.5 s: {string.Join("; ", paths.Select((p, i) => $"{p.Name} {medians[i]:F0}"))}. Ratio saved {medians[1] / medians[0]:F3}, in memory {medians[3] / medians[2]:F3}, one-layer graph to saved RandomizedPca {medians[4] / medians[0]:F3}"));
            (mae as IDisposable)?.Dispose();
            (floor as IDisposable)?.Dispose();
            fittedFloor.Dispose();
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed class ScoreRow
    {
        public float Score { get; set; }
    }
}

/// <summary>An ODDS table: numeric features (NaN where a cell is empty) and a 0/1 anomaly label, the CSV's last column.</summary>
internal sealed class OddsTable
{
    private OddsTable(string name, int features, float[] values, bool[] labels)
    {
        Name = name;
        Features = features;
        Values = values;
        Labels = labels;
    }

    public string Name { get; }

    public int Features { get; }

    public int Rows => Labels.Length;

    public float[] Values { get; }

    public bool[] Labels { get; }

    public int Anomalies => Labels.Count(l => l);

    public int MissingCells => Values.Count(float.IsNaN);

    public static OddsTable Load(string folder, string name)
    {
        string path = Path.Combine(folder, name + ".csv");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing; run scripts/fetch-tables.sh first.", path);
        var lines = File.ReadAllLines(path);
        int features = lines[0].Split(',').Length - 1;
        var values = new List<float>();
        var labels = new List<bool>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            if (cells.Length != features + 1)
                throw new InvalidDataException($"{path}: a row has {cells.Length} cells; the header has {features + 1}.");
            for (int f = 0; f < features; f++)
                values.Add(cells[f].Length == 0 ? float.NaN : float.Parse(cells[f], CultureInfo.InvariantCulture));
            labels.Add(cells[features] == "1");
        }
        return new OddsTable(name, features, [.. values], [.. labels]);
    }

    /// <summary>The table as a view: <c>Features</c>, a known-size vector of Single, and <c>Label</c>, a Single.</summary>
    public IDataView ToDataView(MLContext mlContext)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        var rows = Enumerable.Range(0, Rows).Select(r => new Row { Features = Values.AsSpan(r * Features, Features).ToArray(), Label = Labels[r] ? 1 : 0 });
        return mlContext.Data.LoadFromEnumerable(rows.ToList(), definition);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }
}

/// <summary>Ranking metrics of scores (higher is more anomalous) against labels.</summary>
internal static class Ranking
{
    /// <summary>The area under the ROC curve: the chance that an anomaly outscores a normal row, ties counting half (Mann–Whitney).</summary>
    public static double RocAuc(float[] scores, bool[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        int i = 0;
        while (i < order.Length)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
                j++;
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++)
            {
                if (labels[order[k]])
                    rankSum += averageRank;
            }
            i = j + 1;
        }
        long positives = labels.Count(l => l), negatives = labels.Length - positives;
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Average precision: the mean over anomalies of the precision among the rows scoring at least as high (sklearn's definition, ties grouped).</summary>
    public static double AveragePrecision(float[] scores, bool[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        long positives = labels.Count(l => l);
        double sum = 0, previousRecall = 0;
        int truePositives = 0, i = 0;
        while (i < order.Length)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
                j++;
            for (int k = i; k <= j; k++)
            {
                if (labels[order[k]])
                    truePositives++;
            }
            double recall = (double)truePositives / positives, precision = (double)truePositives / (j + 1);
            sum += (recall - previousRecall) * precision;
            previousRecall = recall;
            i = j + 1;
        }
        return sum;
    }
}

/// <summary>
/// The figure of ROC-AUC against the code's information: per ODDS table, the step's score (mean over the seeds run) for the VAE and the
/// MAE at each M, with RandomizedPca and sklearn's Isolation Forest as dashed lines of the table's colour.
/// </summary>
internal static class AnomalyFigure
{
    public static int Run(string[] args)
    {
        string results = Path.Combine("docs", "results", "anomaly-odds.csv"), baselines = Path.Combine("docs", "results", "odds-baselines.csv");
        string output = Path.Combine("docs", "images", "anomaly-auc-vs-m.png");
        var rows = File.ReadAllLines(results).Skip(1).Select(l => l.Split(',')).ToArray();
        var forest = File.ReadAllLines(baselines).Skip(1).Select(l => l.Split(',')).Where(c => c[1] == "iforest")
            .GroupBy(c => c[0]).ToDictionary(g => g.Key, g => g.Average(c => double.Parse(c[6], CultureInfo.InvariantCulture)));
        string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        if (File.Exists(font))
        {
            ScottPlot.Fonts.AddFontFile("DejaVu Sans", font);
            ScottPlot.Fonts.Default = "DejaVu Sans";
        }
        var targets = rows.Where(c => c[4] == "Mae MAE").Select(c => double.Parse(c[5], CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
        string[] ticks = ["VAE", .. targets.Select(t => $"M = {t.ToString(CultureInfo.InvariantCulture)}")];
        using var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var table in rows.Select(c => c[0]).Distinct())
        {
            var color = palette.GetColor(colour++);
            double Mean(IEnumerable<string[]> selected) => selected.Average(c => double.Parse(c[8], CultureInfo.InvariantCulture));
            var step = rows.Where(c => c[0] == table && c[7] == "step").ToArray();
            var x = Enumerable.Range(0, ticks.Length).Select(i => (double)i).ToArray();
            var y = new double[ticks.Length];
            y[0] = Mean(step.Where(c => c[4] == "Mae VAE"));
            for (int t = 0; t < targets.Length; t++)
                y[t + 1] = Mean(step.Where(c => c[4] == "Mae MAE" && double.Parse(c[5], CultureInfo.InvariantCulture) == targets[t]));
            var line = plot.Add.ScatterLine(x, y, color);
            line.LegendText = table;
            line.LineWidth = 2;
            line.MarkerSize = 8;
            if (forest.TryGetValue(table, out double iforest))
            {
                var reference = plot.Add.HorizontalLine(iforest, 1, color, ScottPlot.LinePattern.Dashed);
                reference.LabelText = "";
            }
            var pca = rows.Where(c => c[0] == table && c[4] == "RandomizedPca").ToArray();
            if (pca.Length > 0)
            {
                var marker = plot.Add.Marker(-0.3, Mean(pca), ScottPlot.MarkerShape.OpenTriangleUp, 10, color);
                marker.LegendText = "";
            }
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ticks.Length).Select(i => (double)i).ToArray(), ticks);
        plot.Axes.SetLimitsX(-0.5, ticks.Length - 0.5);
        plot.YLabel("ROC-AUC (mean over seeds)");
        plot.Title("Anomaly detector on the ODDS tables: ROC-AUC against the code's information M");
        plot.Add.Annotation("dashed: sklearn Isolation Forest; triangles (left): ML.NET RandomizedPca", ScottPlot.Alignment.LowerLeft);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        plot.SavePng(output, 900, 560);
        Console.WriteLine($"Wrote {output}");
        return 0;
    }
}
