using System.Globalization;
using Mae;
using Mae.Export;
using Mae.Modeling;
using Mae.Modeling.Columns;
using Mae.Training;
using static TorchSharp.torch;

namespace Mae.Benchmarks;

/// <summary>
/// Poisson or negative binomial for the count kind, by measurement: the same table model (VAE objective, the table defaults,
/// 1,000 steps) with its count columns as negative binomial (the library's count kind: a log-mean and a log-dispersion per
/// slot) and as Poisson (this benchmark's own block, the library's count kind before), compared by the importance-sampled log p(x) of
/// held-out rows (K = 100). Tables: spam's 57 columns (capitalLong and capitalTotal as counts, capitalAve positive, the word and
/// character frequencies real; scripts/fetch-tables.sh), and two generated tables whose counts are Poisson and negative binomial
/// given 2 latent factors. Writes count-likelihood.csv.
/// </summary>
internal static class CountLikelihood
{
    public static void Run(string outputDirectory, int steps)
    {
        TorchRuntime.Configure(1);
        var lines = new List<string> { "table,count_likelihood,rows,heldout_rows,steps,heldout_log_p,seconds" };
        foreach (var (name, columns, values) in Tables())
        {
            int width = columns.Sum(c => c.Width);
            int rows = values.Length / width, heldOut = rows / 5;
            var training = values[..((rows - heldOut) * width)];
            var test = values[((rows - heldOut) * width)..];
            foreach (bool negativeBinomial in new[] { false, true })
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                double logP = Fit(columns, training, test, width, negativeBinomial, steps);
                string likelihood = negativeBinomial ? "negative binomial" : "Poisson";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-22} counts {likelihood,-18}: held-out log p(x) {logP:F3} nats a row ({heldOut} rows, {watch.Elapsed.TotalSeconds:F0} s)"));
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name},{likelihood},{rows},{heldOut},{steps},{logP:F4},{watch.Elapsed.TotalSeconds:F1}"));
            }
        }
        string path = Path.Combine(outputDirectory, "count-likelihood.csv");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}");
    }

    private static double Fit(ColumnSpecification[] columns, float[] training, float[] test, int width, bool negativeBinomial, int steps)
    {
        var options = new MutualAutoencoderOptions { Seed = 1, Objective = MutualAutoencoderObjective.VariationalAutoencoder, Table = new TableSpecification(columns) };
        var blocks = options.Table.Build(TrainingData.FromArray(training, width))
            .Select(b => !negativeBinomial && b is CountColumn count ? new PoissonCountColumn(count) : b).ToArray();
        var settings = options.Networks;
        var (networks, generator) = TorchRuntime.CreateSeeded(1, () => MutualAutoencoderNetworks.Create(settings,
            new TabularDecoder(settings.LatentDimension, settings.HiddenSizes, settings.Activation, blocks)));
        using var _ = networks;
        using var __ = generator;
        using (var step = new TrainingStep(networks, options.Step(networks.Decoder), steps, generator))
        {
            networks.train();
            var random = new Random(1);
            int rows = training.Length / width;
            var order = Enumerable.Range(0, rows).ToArray();
            int batch = Math.Min(options.BatchSize, rows), next = rows;
            var values = new float[batch * width];
            for (int s = 0; s < steps; s++)
            {
                if (next + batch > rows)
                {
                    random.Shuffle(order);
                    next = 0;
                }
                for (int r = 0; r < batch; r++)
                    training.AsSpan(order[next + r] * width, width).CopyTo(values.AsSpan(r * width));
                next += batch;
                using var scope = NewDisposeScope();
                step.Run(tensor(values, [batch, width]), s);
            }
        }
        networks.eval();
        using var heldOut = tensor(test, [test.Length / width, width]);
        return Diagnostics.ImportanceSampledLogLikelihood(networks, heldOut, 100, generator);
    }

    private static IEnumerable<(string Name, ColumnSpecification[] Columns, float[] Values)> Tables()
    {
        // Generated: 20,000 rows of 6 real columns and 4 counts from 2 latent factors; the counts Poisson, or negative binomial with r = 2.
        foreach (bool overdispersed in new[] { false, true })
        {
            var random = new Random(7);
            double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            const int rows = 20_000, reals = 6, counts = 4;
            var values = new float[rows * (reals + counts)];
            for (int r = 0; r < rows; r++)
            {
                double a = Normal(), b = Normal();
                for (int c = 0; c < reals; c++)
                    values[r * (reals + counts) + c] = (float)((c % 2 == 0 ? a : b) * (1 + 0.2 * c) + 0.3 * Normal());
                for (int c = 0; c < counts; c++)
                {
                    double mean = Math.Exp(1 + 0.6 * (c % 2 == 0 ? a : b));
                    double rate = overdispersed ? Gamma(random, 2) * mean / 2 : mean;
                    values[r * (reals + counts) + reals + c] = Poisson(random, rate);
                }
            }
            ColumnSpecification[] columns =
            [
                .. Enumerable.Range(0, reals).Select(i => new ColumnSpecification($"Real{i}", ColumnKind.Real)),
                .. Enumerable.Range(0, counts).Select(i => new ColumnSpecification($"Count{i}", ColumnKind.Count)),
            ];
            yield return (overdispersed ? "generated, NB counts" : "generated, Poisson counts", columns, values);
        }

        string spam = Path.Combine("out", "tables", "spam.csv");
        if (!File.Exists(spam))
        {
            Console.WriteLine($"{spam} is missing (run scripts/fetch-tables.sh); spam is left out.");
            yield break;
        }
        string[] lines = File.ReadAllLines(spam);
        string[] header = lines[0].Split(',')[..^1];   // the last column is the label
        var spamValues = new List<float>();
        var shuffled = lines[1..].ToArray();
        new Random(3).Shuffle(shuffled);                 // the file is sorted by label; hold out a random fifth
        foreach (string line in shuffled)
            spamValues.AddRange(line.Split(',')[..^1].Select(v => float.Parse(v, CultureInfo.InvariantCulture)));
        var spamColumns = header.Select(name => new ColumnSpecification(name, name switch
        {
            "capitalLong" or "capitalTotal" => ColumnKind.Count,
            "capitalAve" => ColumnKind.Positive,
            _ => ColumnKind.Real,
        })).ToArray();
        yield return ("spam", spamColumns, [.. spamValues]);
    }

    private static float Poisson(Random random, double rate)
    {
        // Knuth's product of uniforms for small rates, a rounded normal for large ones (the generated means stay below ~30).
        if (rate > 50)
            return (float)Math.Max(0, Math.Round(rate + Math.Sqrt(rate) * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())));
        double limit = Math.Exp(-rate), product = random.NextDouble();
        int k = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            k++;
        }
        return k;
    }

    /// <summary>A Gamma(shape, 1) draw for shape ≥ 1 (Marsaglia and Tsang).</summary>
    private static double Gamma(Random random, double shape)
    {
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()), v = Math.Pow(1 + c * x, 3);
            if (v > 0 && Math.Log(1 - random.NextDouble()) < 0.5 * x * x + d - d * v + d * Math.Log(v))
                return d * v;
        }
    }
}

/// <summary>
/// The count kind as a Poisson, for this benchmark only (the library's count kind before the measurement): a log-rate η per slot,
/// log p(k) = kη − e^η − ln k!; the network input is the library block's. It has no ONNX description.
/// </summary>
internal sealed class PoissonCountColumn(CountColumn count) : ColumnBlock(count.Name, count.ValueWidth)
{
    public override string Kind => "count (Poisson)";

    public override int InputWidth => ValueWidth;

    public override int HeadWidth => ValueWidth;

    public override bool Reparameterised => false;

    public override string ValueRule => count.ValueRule;

    public override bool IsValid(float value) => count.IsValid(value);

    public override Tensor NetworkInput(Tensor values, Tensor observed) => count.NetworkInput(values, observed);

    private static Tensor CellLogLikelihood(Tensor counts, Tensor logRate) => counts * logRate - logRate.exp() - counts.Plus(Scalars.One).lgamma();

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        (CellLogLikelihood(Cells.Filled(values, observed), head) * observed).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed)
    {
        var counts = Cells.Filled(values, observed);
        var factorials = (counts.Plus(Scalars.One).lgamma() * observed).sum(1, keepdim: true);
        return (counts * observed).mm(head.t()) - observed.mm(head.exp().t()) - factorials;
    }

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var draw = poisson(head.detach().exp(), generator);
        return new BlockDraw(count.NetworkInput(draw, ones_like(draw)), CellLogLikelihood(draw, head).sum(1));
    }

    public override Tensor Summary(Tensor head) => head.exp();

    public override Tensor Decide(Tensor summary) => summary;

    public override TableColumn Describe(TableColumnType type) => throw new NotSupportedException("The benchmark's Poisson block has no ONNX description.");
}
