using TorchSharp;
using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// Per-slot location and scale that a numeric column standardises with, from the observed training values (a constant column
/// gets scale 1). The networks see (t(x) − location)/scale, t being the column's transform (x, ln x, ln(1 + x)).
/// </summary>
internal sealed record Standardisation(float[] Location, float[] Scale)
{
    /// <summary>Running sums of transformed observed values per slot, a row at a time.</summary>
    internal sealed class Accumulator(int width, Func<float, double> transform)
    {
        private readonly double[] sum = new double[width];
        private readonly double[] squares = new double[width];
        private readonly long[] count = new long[width];

        /// <summary>Observed cells seen so far, over every slot.</summary>
        public long ObservedCount => count.Sum();

        /// <summary>Adds one row's slots; NaN (missing) is skipped.</summary>
        public void Add(ReadOnlySpan<float> row)
        {
            for (int slot = 0; slot < width; slot++)
            {
                if (float.IsNaN(row[slot]))
                    continue;
                double t = transform(row[slot]);
                sum[slot] += t;
                squares[slot] += t * t;
                count[slot]++;
            }
        }

        /// <summary>Location and scale per slot; a slot with fewer than two distinct values gets scale 1.</summary>
        public Standardisation Result()
        {
            var location = new float[width];
            var scale = new float[width];
            for (int f = 0; f < width; f++)
            {
                double mean = count[f] > 0 ? sum[f] / count[f] : 0;
                double variance = count[f] > 1 ? Math.Max(0, squares[f] / count[f] - mean * mean) : 0;
                location[f] = (float)mean;
                scale[f] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
            }
            return new Standardisation(location, scale);
        }
    }

    /// <summary>Throws unless the statistics have one location and scale per slot of a column <paramref name="width"/> wide.</summary>
    public Standardisation ForWidth(string column, int width) =>
        Location.Length == width && Scale.Length == width
            ? this
            : throw new ArgumentException($"Column '{column}': statistics for {Location.Length} slots, expected {width}.", "statistics");

    /// <summary>The statistics of a column's slots followed by <paramref name="next"/>'s.</summary>
    public Standardisation Then(Standardisation next) => new([.. Location, .. next.Location], [.. Scale, .. next.Scale]);

    public Tensor LocationTensor() => tensor(Location);

    public Tensor ScaleTensor() => tensor(Scale);
}

/// <summary>Masks and fills shared by the blocks.</summary>
internal static class Cells
{
    /// <summary>1 where a value is observed, 0 where it is NaN (missing).</summary>
    public static Tensor Observed(Tensor values) => values.isnan().logical_not().to_type(ScalarType.Float32);

    /// <summary>The values with every missing cell set to 0, so that no NaN reaches a product with the mask.</summary>
    public static Tensor Filled(Tensor values, Tensor observed) => where(observed.to_type(ScalarType.Bool), values, zeros_like(values));

    /// <summary>The rows with each cell set to NaN (missing) with probability <paramref name="probability"/>, independently.</summary>
    public static Tensor HideAtRandom(Tensor rows, Scalar probability, Generator generator) =>
        rows.masked_fill(rand(rows.shape, generator: generator).lt(probability), Scalars.NaN);
}

/// <summary>
/// A column whose standardised transform u = (t(x) − location)/scale is normal given z: p(u|z) = N(m(z), exp v(z)) per slot,
/// reparameterised draws. The likelihood is reported in the column's own units, Jacobian included.
/// </summary>
internal abstract class GaussianColumn : ColumnBlock
{
    protected GaussianColumn(string name, int width, Standardisation statistics)
        : base(name, width)
    {
        Statistics = statistics.ForWidth(name, width);
    }

    public Standardisation Statistics { get; }

    public override int InputWidth => ValueWidth;

    /// <summary>The means of the slots, then their log-variances.</summary>
    public override int HeadGroups => 2;

    public override int HeadWidth => HeadGroups * ValueWidth;

    public override bool Reparameterised => true;

    /// <summary>t(x), element-wise (NaN stays NaN).</summary>
    protected abstract Tensor Transform(Tensor values);

    /// <summary>x from t(x), element-wise.</summary>
    protected abstract Tensor Untransform(Tensor transformed);

    /// <summary>ln |dt/dx| at x, element-wise, for observed values (0 for the identity).</summary>
    protected abstract Tensor LogJacobian(Tensor values);

    /// <summary>u = (t(x) − location)/scale with missing cells at 0.</summary>
    private Tensor Standardised(Tensor values, Tensor observed) =>
        Cells.Filled((Transform(values) - Statistics.LocationTensor()) / Statistics.ScaleTensor(), observed);

    public override Tensor NetworkInput(Tensor values, Tensor observed) => Standardised(values, observed);

    /// <summary>Per-cell log p(x|z) for standardised u and head [.., 2W]: log N(u; m, e^v) − ln scale + ln |dt/dx|.</summary>
    private Tensor CellLogDensity(Tensor u, Tensor mean, Tensor logVariance, Tensor logJacobian) =>
        (GaussianMath.LogDensity(u, mean, logVariance) - Statistics.ScaleTensor().log()).Plus(logJacobian);

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed)
    {
        var halves = head.chunk(2, 1);
        var logJacobian = Cells.Filled(LogJacobian(Cells.Filled(values, observed)), observed);
        return (CellLogDensity(Standardised(values, observed), halves[0], halves[1], logJacobian) * observed).sum(1);
    }

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed)
    {
        var halves = head.chunk(2, 1);
        var logJacobian = Cells.Filled(LogJacobian(Cells.Filled(values, observed)), observed);
        var cells = CellLogDensity(Standardised(values, observed).unsqueeze(1), halves[0].unsqueeze(0), halves[1].unsqueeze(0), logJacobian.unsqueeze(1));
        return (cells * observed.unsqueeze(1)).sum(2);
    }

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var halves = head.chunk(2, 1);
        return new BlockDraw(GaussianMath.Sample(halves[0], halves[1], generator), null);
    }

    /// <summary>The mean of the standardised u.</summary>
    public override Tensor Summary(Tensor head) => head.chunk(2, 1)[0];

    /// <summary>x at the mean of u: the mean of a real column, the median of a positive one.</summary>
    public override Tensor Decide(Tensor summary) => Untransform((summary * Statistics.ScaleTensor()).Plus(Statistics.LocationTensor()));
}

/// <summary>A real column (Single or Double, scalar or vector): Gaussian, standardised internally. Any finite value.</summary>
internal sealed class RealColumn(string name, int width, Standardisation statistics) : GaussianColumn(name, width, statistics)
{
    /// <summary>The value a real column standardises, t(x) = x, for the training statistics.</summary>
    public static double Transformed(float value) => value;

    public override string Kind => "real";

    public override string ValueRule => "must be finite";

    public override bool IsValid(float value) => float.IsFinite(value);

    protected override Tensor Transform(Tensor values) => values;

    protected override Tensor Untransform(Tensor transformed) => transformed;

    protected override Tensor LogJacobian(Tensor values) => zeros_like(values);

    public override ColumnBlock? Join(ColumnBlock next) =>
        next is RealColumn real ? new RealColumn(JoinedName(real), ValueWidth + real.ValueWidth, Statistics.Then(real.Statistics)) : null;

    public override TableColumn Describe(TableColumnType type) => TableColumn.Real(Name, Statistics.Location, Statistics.Scale, type);
}

/// <summary>A positive column: log-normal, ln x normal given z, standardised internally. Values must be finite and above 0.</summary>
internal sealed class PositiveColumn(string name, int width, Standardisation statistics) : GaussianColumn(name, width, statistics)
{
    /// <summary>The value a positive column standardises, t(x) = ln x, for the training statistics.</summary>
    public static double Transformed(float value) => Math.Log(value);

    public override string Kind => "positive";

    public override string ValueRule => "must be finite and above 0";

    public override bool IsValid(float value) => value > 0 && float.IsFinite(value);

    protected override Tensor Transform(Tensor values) => values.log();

    protected override Tensor Untransform(Tensor transformed) => transformed.exp();

    // t = ln x: dt/dx = 1/x. Missing cells arrive filled with 0; their ln is masked out by the caller, but must not be NaN·0.
    protected override Tensor LogJacobian(Tensor values) => -Cells.Filled(values.log(), values.gt(Scalars.Zero).to_type(ScalarType.Float32));

    public override ColumnBlock? Join(ColumnBlock next) =>
        next is PositiveColumn positive ? new PositiveColumn(JoinedName(positive), ValueWidth + positive.ValueWidth, Statistics.Then(positive.Statistics)) : null;

    public override TableColumn Describe(TableColumnType type) => TableColumn.Positive(Name, Statistics.Location, Statistics.Scale, type);
}
