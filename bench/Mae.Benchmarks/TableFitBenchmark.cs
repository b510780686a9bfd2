using System.Diagnostics;
using System.Globalization;
using Mae;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Benchmarks;

/// <summary>
/// The multi-column step on a generated table of 20 mixed columns (8 real, 2 positive, 2 count, 4 categorical keys, 4 Boolean;
/// a tenth of the cells missing at random, none in the Booleans) from 4 latent factors: the wall time of Fit at the defaults
/// (only the column names and kinds given), and the per-value throughput of the saved pipeline's Transform, with and without
/// imputation. Writes table-fit.csv.
/// </summary>
internal static class TableFitBenchmark
{
    private const int Reals = 8, Positives = 2, Counts = 2, Keys = 4, Booleans = 4, Factors = 4;

    public static void Run(string outputDirectory, int rows, int threads, bool imputeToo = true, Action<MutualAutoencoderEstimator.Options>? configure = null, string fileName = "table-fit.csv", string label = "defaults", bool codeToo = true)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.Cache(Generate(mlContext, rows, seed: 1));
        string[] names = Names().ToArray();
        var lines = File.Exists(Path.Combine(outputDirectory, fileName)) && label != "defaults" ? File.ReadAllLines(Path.Combine(outputDirectory, fileName)).ToList() : new List<string> { "configuration,case,rows,columns,values_per_row,seconds,epochs,steps,heldout_iq,target,rows_per_second,values_per_second,heldout_log_p" };
        int valuesPerRow = names.Length;

        foreach (bool impute in new[] { false, true }.Where(impute => impute ? imputeToo : codeToo))
        {
            var options = new MutualAutoencoderEstimator.Options { Seed = 1, NumberOfThreads = threads, ImputeMissingValues = impute };
            configure?.Invoke(options);
            foreach (var (name, kind) in KindOverrides())
                options.ColumnKinds[name] = kind;
            var watch = Stopwatch.StartNew();
            var transformer = mlContext.Transforms.MutualAutoencode("Code", names, options).Fit(data);
            double fitSeconds = watch.Elapsed.TotalSeconds;
            var final = transformer.Report.Final;
            var elapsed = transformer.Report.Epochs.Select(e => e.Seconds).ToArray();
            var epochSeconds = elapsed.Select((t, i) => i == 0 ? t : t - elapsed[i - 1]).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  epoch seconds: first {epochSeconds[0]:F2}, median {epochSeconds.Order().ElementAt(epochSeconds.Length / 2):F2}, last {epochSeconds[^1]:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fit{(impute ? " (imputing)" : "")}: {rows:N0} rows x {names.Length} columns in {fitSeconds:F1} s, {transformer.Report.Epochs.Count} epochs, {final.Step} steps; held-out I_q {final.AggregatePosteriorInformation:F2} nats (M = {options.TargetInformation}), held-out log p(x) {final.ImportanceSampledLogLikelihood:F3}"));

            // Transform throughput through the saved pipeline, as an app without Mae runs it.
            using var stream = new MemoryStream();
            mlContext.Model.Save(transformer, data.Schema, stream);
            stream.Position = 0;
            var loaded = mlContext.Model.Load(stream, out _);
            double best = double.MaxValue;
            for (int run = 0; run < 3; run++)
            {
                watch.Restart();
                var output = loaded.Transform(data);
                using var cursor = output.GetRowCursor(output.Schema.Where(c => c.Name == "Code" || (impute && names.Contains(c.Name))));
                var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Code"]);
                VBuffer<float> code = default;
                while (cursor.MoveNext())
                    getter(ref code);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  saved pipeline Transform: {rows / best:N0} rows/s, {rows * (double)valuesPerRow / best:N0} values/s (best of 3)"));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{label},{(impute ? "impute" : "code")},{rows},{names.Length},{valuesPerRow},{fitSeconds:F2},{transformer.Report.Epochs.Count},{final.Step},{final.AggregatePosteriorInformation:F3},{options.TargetInformation},{rows / best:F0},{rows * (double)valuesPerRow / best:F0},{final.ImportanceSampledLogLikelihood:F3}"));
            transformer.Dispose();
        }
        string path = Path.Combine(outputDirectory, fileName);
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>
    /// What reading the training batches of <c>table-fit</c>'s table costs the fit's thread: epochs of shuffled batches of 256 through
    /// the ML.NET cursor, the columns' conversions and the shuffle buffer, as the fit reads them, with no training (median of five).
    /// </summary>
    public static void ReadCost(int rows)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.Cache(Generate(mlContext, rows, seed: 1));
        var table = Mae.MLNet.TableInput.FromSchema(data.Schema, [.. Names()], KindOverrides());
        var training = new Mae.MLNet.DataViewTrainingData(data, table, MutualAutoencoderEstimator.EstimatorDefaults.ShuffleBufferSize, CancellationToken.None);
        var perBatch = new List<double>();
        for (int run = 0; run < 6; run++)
        {
            var watch = Stopwatch.StartNew();
            int batches = training.GetBatches(256, new Random(run)).Count();
            if (run > 0)   // the first epoch warms up
                perBatch.Add(watch.Elapsed.TotalMilliseconds / batches);
        }
        double median = perBatch.Order().ElementAt(perBatch.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows:N0} rows x {Names().Count()} columns, batches of 256: {median:F3} ms a batch; 2,000 steps read {median * 2000 / 1000:F1} s of the fit"));
    }

    /// <summary>The kinds the columns' types do not give: the positive and count columns (Single in the data view).</summary>
    private static Dictionary<string, ColumnKind> KindOverrides() => GeneratedTableView.KindOverrides;

    /// <summary>The columns, as <see cref="GeneratedTableView"/> names them (the same 20 columns, stored here).</summary>
    private static IEnumerable<string> Names() => GeneratedTableView.Names;

    /// <summary>Rows from 4 latent factors through fixed random loadings; a tenth of the non-Boolean cells missing.</summary>
    private static IDataView Generate(MLContext mlContext, int rows, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        int total = Reals + Positives + Counts + Keys + Booleans;
        var loadings = new double[total, Factors];
        for (int c = 0; c < total; c++)
            for (int f = 0; f < Factors; f++)
                loadings[c, f] = Normal() / Math.Sqrt(Factors);
        int[] classes = [3, 4, 5, 6];
        var list = new Row[rows];
        var z = new double[Factors];
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < Factors; f++)
                z[f] = Normal();
            double Signal(int c)
            {
                double s = 0;
                for (int f = 0; f < Factors; f++)
                    s += loadings[c, f] * z[f];
                return s;
            }
            bool Missing() => random.NextDouble() < 0.1;
            var reals = new float[Reals];
            for (int c = 0; c < Reals; c++)
                reals[c] = Missing() ? float.NaN : (float)(Signal(c) + 0.3 * Normal());
            var row = new Row
            {
                Real0 = reals[0], Real1 = reals[1], Real2 = reals[2], Real3 = reals[3],
                Real4 = reals[4], Real5 = reals[5], Real6 = reals[6], Real7 = reals[7],
            };
            row.Positive0 = Missing() ? double.NaN : Math.Exp(Signal(Reals) + 0.3 * Normal());
            row.Positive1 = Missing() ? double.NaN : Math.Exp(Signal(Reals + 1) + 0.3 * Normal());
            row.Count0 = Missing() ? float.NaN : Poisson(Math.Exp(1 + 0.5 * Signal(Reals + 2)));
            row.Count1 = Missing() ? float.NaN : Poisson(Math.Exp(0.5 * Signal(Reals + 3)));
            uint Key(int k) => Missing() ? 0u : (uint)(1 + Math.Clamp((int)Math.Floor((Signal(Reals + 4 + k) + 0.3 * Normal() + 1.5) * classes[k] / 3), 0, classes[k] - 1));
            row.Key0 = Key(0);
            row.Key1 = Key(1);
            row.Key2 = Key(2);
            row.Key3 = Key(3);
            row.Flag0 = Signal(Reals + 8) + 0.3 * Normal() > 0;
            row.Flag1 = Signal(Reals + 9) + 0.3 * Normal() > 0;
            row.Flag2 = Signal(Reals + 10) + 0.3 * Normal() > 0;
            row.Flag3 = Signal(Reals + 11) + 0.3 * Normal() > 0;
            list[r] = row;
        }
        var view = mlContext.Data.LoadFromEnumerable(list);
        // The keys as ML.NET holds categories: Key<UInt32> over 1..K, 0 missing.
        IEstimator<ITransformer> keys = new EstimatorChain<ITransformer>();
        for (int k = 0; k < Keys; k++)
        {
            var values = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, classes[k]).Select(v => new KeyValue { Value = (uint)v }));
            keys = keys.Append(mlContext.Transforms.Conversion.MapValueToKey($"Key{k}", $"Key{k}", keyData: values));
        }
        return keys.Fit(view).Transform(view);

        float Poisson(double rate) => GeneratedTableView.Poisson(rate, random.NextDouble());
    }

    private sealed class Row
    {
        public float Real0 { get; set; }

        public float Real1 { get; set; }

        public float Real2 { get; set; }

        public float Real3 { get; set; }

        public float Real4 { get; set; }

        public float Real5 { get; set; }

        public float Real6 { get; set; }

        public float Real7 { get; set; }

        public double Positive0 { get; set; }

        public double Positive1 { get; set; }

        public float Count0 { get; set; }

        public float Count1 { get; set; }

        public uint Key0 { get; set; }

        public uint Key1 { get; set; }

        public uint Key2 { get; set; }

        public uint Key3 { get; set; }

        public bool Flag0 { get; set; }

        public bool Flag1 { get; set; }

        public bool Flag2 { get; set; }

        public bool Flag3 { get; set; }
    }

    private sealed class KeyValue
    {
        public uint Value { get; set; }
    }
}
