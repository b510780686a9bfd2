using TorchSharp;
using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// Where the per-level values of adjacent key columns lie (a class or level of each): flat, each column's levels one after the
/// other, [N, ΣK]; or padded, [N, columns, widest K], a column's missing levels filled. Key blocks compute on the padded layout,
/// so that a joined block costs the same few tensor operations as one column, and read and write the flat one.
/// </summary>
internal sealed class LevelLayout
{
    /// <summary>The alpha of an addition of level indices (an integer tensor refuses a floating-point alpha); held, as every Scalar handed to libtorch.</summary>
    private static readonly Scalar WholeOne = 1L.ToScalar();

    private readonly int[] counts;
    private readonly long[] firstLevel;   // per column: where its levels start in the flat layout
    private readonly long[] toPadded;     // per padded position (column, level): its flat position, or Total for a level the column lacks
    private readonly long[] toFlat;       // per flat position: its padded position

    /// <param name="counts">Each column's number of levels, at least 1.</param>
    public LevelLayout(int[] counts)
    {
        this.counts = counts;
        Widest = counts.Max();
        Total = counts.Sum();
        firstLevel = new long[counts.Length];
        toPadded = new long[counts.Length * Widest];
        toFlat = new long[Total];
        for (int column = 0, flat = 0; column < counts.Length; column++)
        {
            firstLevel[column] = flat;
            for (int k = 0; k < Widest; k++)
            {
                long padded = (long)column * Widest + k;
                toPadded[padded] = k < counts[column] ? flat + k : Total;
                if (k < counts[column])
                    toFlat[flat + k] = padded;
            }
            flat += counts[column];
        }
    }

    /// <summary>The columns.</summary>
    public int Columns => counts.Length;

    /// <summary>The widest column's levels.</summary>
    public int Widest { get; }

    /// <summary>Every column's levels together, the flat width.</summary>
    public int Total { get; }

    /// <summary>The flat one-hot [N, ΣK] of level indices [N, columns], each column's one scaled by <paramref name="weights"/> [N, columns].</summary>
    public Tensor OneHot(Tensor levels, Tensor weights) =>
        zeros(levels.shape[0], Total).scatter(1, levels.add(tensor(firstLevel), WholeOne), weights);

    /// <summary>Flat per-level values [N, ΣK] laid out [N, columns, widest K], <paramref name="fill"/> where a column lacks the level.</summary>
    public Tensor Padded(Tensor flat, float fill)
    {
        long rows = flat.shape[0];
        if (counts.Length == 1)
            return flat.reshape(rows, 1, Widest);
        using var filler = fill.ToScalar();
        return cat([flat, full(rows, 1, filler)], 1).index_select(1, tensor(toPadded)).view(rows, counts.Length, Widest);
    }

    /// <summary>Padded per-level values [N, columns, widest K] back to the flat [N, ΣK].</summary>
    public Tensor Flat(Tensor padded)
    {
        long rows = padded.shape[0];
        var byRow = padded.reshape(rows, (long)counts.Length * Widest);
        return counts.Length == 1 ? byRow : byRow.index_select(1, tensor(toFlat));
    }

    /// <summary>One level of each column drawn from padded probabilities [S, columns, widest K] (0 for the levels a column lacks): [S, columns].</summary>
    public static Tensor Sample(Tensor probabilities, Generator generator)
    {
        long draws = probabilities.shape[0], columns = probabilities.shape[1];
        return multinomial(probabilities.view(-1, probabilities.shape[2]), 1, replacement: true, generator: generator).view(draws, columns);
    }

    /// <summary>The padded values [N, columns, widest K] at each column's level [N, columns].</summary>
    public static Tensor Picked(Tensor padded, Tensor levels) => padded.gather(2, levels.unsqueeze(2)).squeeze(2);

    /// <summary>The level index of every cell [N, columns] (0 where missing).</summary>
    public static Tensor Levels(Tensor values, Tensor observed) => Cells.Filled(values, observed).to_type(ScalarType.Int64);

    /// <summary>
    /// Whether adjacent key columns of <paramref name="counts"/> levels may compute as one block: unless padding them to the widest would
    /// more than double the values they compute on (a column of 1,000 classes beside two-class ones).
    /// </summary>
    public static bool PaddingIsBounded(int[] counts) => (long)counts.Length * counts.Max() <= 2L * counts.Sum();
}

/// <summary>
/// A categorical column (an ML.NET key): one value per row, the class index 0..K−1 (key k is class k − 1; key 0, missing, is NaN).
/// p(x|z) is categorical over K logits; the network sees the one-hot class (all zeros when missing); draws are discrete
/// (score-function gradient). Adjacent categorical columns join into one block (<see cref="ColumnBlock.Join"/>) of one value per
/// column, whose input and head are the columns' one-hots and logits one after the other; it computes on the logits laid out
/// [rows, columns, widest K] (<see cref="LevelLayout"/>), the classes a column lacks standing at a log-probability that exponentiates to 0.
/// </summary>
internal sealed class CategoricalColumn : ColumnBlock
{
    /// <summary>The padded logit of a class that a column of a joined block does not have: finite, so that 0 times it is 0, and exp of it 0.</summary>
    private const float Absent = -1e30f;

    private readonly int[] classCounts;
    private readonly LevelLayout classes;

    public CategoricalColumn(string name, int classCount)
        : this(name, [classCount >= 2
            ? classCount
            : throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"Column '{name}' is categorical with {classCount} classes; a categorical column needs at least 2.")])
    {
    }

    /// <summary>Adjacent columns of <paramref name="classCounts"/> classes each, every count already checked.</summary>
    private CategoricalColumn(string name, int[] classCounts)
        : base(name, classCounts.Length)
    {
        this.classCounts = classCounts;
        classes = new LevelLayout(classCounts);
    }

    /// <summary>The column's classes K (of a joined block: the widest column's).</summary>
    public int ClassCount => classes.Widest;

    public override string Kind => "categorical";

    public override int InputWidth => classes.Total;

    public override int HeadWidth => classes.Total;

    public override bool Reparameterised => false;

    public override string ValueRule => $"must be a class index, a whole number in [0, {ClassCount})";

    public override bool IsValid(float value) => value >= 0 && value < ClassCount && value == MathF.Floor(value);

    /// <summary>The categorical columns side by side, unless the padding would be unbounded (<see cref="LevelLayout.PaddingIsBounded"/>): then <c>null</c>, and the run of joined columns stops here.</summary>
    public override ColumnBlock? Join(ColumnBlock next)
    {
        if (next is not CategoricalColumn categorical)
            return null;
        int[] joined = [.. classCounts, .. categorical.classCounts];
        return LevelLayout.PaddingIsBounded(joined) ? new CategoricalColumn(JoinedName(categorical), joined) : null;
    }

    public override Tensor NetworkInput(Tensor values, Tensor observed) => classes.OneHot(LevelLayout.Levels(values, observed), observed);

    /// <summary>Log-probabilities [N, columns, widest K] of logits [N, ΣK].</summary>
    private Tensor LogSoftmax(Tensor head)
    {
        var logits = classes.Padded(head, Absent);
        return logits - logits.logsumexp(2, keepdim: true);
    }

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        (LevelLayout.Picked(LogSoftmax(head), LevelLayout.Levels(values, observed)) * observed).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        classes.OneHot(LevelLayout.Levels(values, observed), observed).mm(classes.Flat(LogSoftmax(head)).t());

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var logProbabilities = LogSoftmax(head);                                                   // [S, columns, widest]
        var drawn = LevelLayout.Sample(logProbabilities.detach().exp(), generator);
        return new BlockDraw(classes.OneHot(drawn, ones_like(drawn, ScalarType.Float32)), LevelLayout.Picked(logProbabilities, drawn).sum(1));
    }

    public override int SummaryWidth => classes.Total;

    /// <summary>The class probabilities, [N, ΣK].</summary>
    public override Tensor Summary(Tensor head) => classes.Flat(LogSoftmax(head)).exp();

    /// <summary>The most probable class of each column.</summary>
    public override Tensor Decide(Tensor summary) => classes.Padded(summary, -1f).argmax(2).to_type(ScalarType.Float32);

    /// <summary>Read as an ML.NET key, whatever <paramref name="type"/> says: a categorical column is a key column.</summary>
    public override TableColumn Describe(TableColumnType type) => classCounts.Length == 1
        ? TableColumn.Categorical(Name, ClassCount)
        : throw new InvalidOperationException($"The joined block '{Name}' is computed, not exported: describe its columns one by one.");
}

/// <summary>A binary column (an ML.NET Boolean, or 0/1 values): Bernoulli per slot with a logit head; discrete draws.</summary>
internal sealed class BinaryColumn(string name, int width) : ColumnBlock(name, width)
{
    public override string Kind => "binary";

    public override int InputWidth => ValueWidth;

    /// <summary>One logit per slot.</summary>
    public override int HeadGroups => 1;

    public override int HeadWidth => HeadGroups * ValueWidth;

    public override bool Reparameterised => false;

    public override string ValueRule => "must be 0 or 1";

    public override bool IsValid(float value) => value is 0f or 1f;

    public override Tensor NetworkInput(Tensor values, Tensor observed) => Cells.Filled(values, observed);

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        ((Cells.Filled(values, observed) * head - head.Softplus()) * observed).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        (Cells.Filled(values, observed) * observed).mm(head.t()) - observed.mm(head.Softplus().t());

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var draw = BernoulliMath.Draw(head.detach().sigmoid(), generator);
        return new BlockDraw(draw, BernoulliMath.LogLikelihood(head, draw));
    }

    /// <summary>The probability of 1.</summary>
    public override Tensor Summary(Tensor head) => head.sigmoid();

    /// <summary>The more probable outcome.</summary>
    public override Tensor Decide(Tensor summary) => summary.gt(Scalars.Half).to_type(ScalarType.Float32);

    public override ColumnBlock? Join(ColumnBlock next) => next is BinaryColumn binary ? new BinaryColumn(JoinedName(binary), ValueWidth + binary.ValueWidth) : null;

    public override TableColumn Describe(TableColumnType type) => TableColumn.Binary(Name, ValueWidth, type);
}

/// <summary>
/// A count column: negative binomial per slot, with a head of a log-mean η and a log-dispersion ρ (r = e^ρ), log p(k) =
/// ln Γ(k + r) − ln Γ(r) − ln k! + r ln(r/(r + μ)) + k ln(μ/(r + μ)), μ = e^η: variance μ + μ²/r, the Poisson's as r grows.
/// Chosen over the Poisson by measurement (bench count-likelihood: a tie on generated counts, 22 nats a row better on spam's
/// overdispersed counts). The network sees the standardised ln(1 + k). Values must be whole numbers ≥ 0. Draws are
/// Gamma–Poisson mixtures, discrete (score-function gradient).
/// </summary>
internal sealed class CountColumn : ColumnBlock
{
    public CountColumn(string name, int width, Standardisation statistics)
        : base(name, width)
    {
        Statistics = statistics.ForWidth(name, width);
    }

    /// <summary>The value a count column standardises, t(k) = ln(1 + k), for the training statistics.</summary>
    public static double Transformed(float value) => Math.Log(1 + value);

    public Standardisation Statistics { get; }

    public override string Kind => "count";

    public override int InputWidth => ValueWidth;

    /// <summary>The log-means of the slots, then their log-dispersions.</summary>
    public override int HeadGroups => 2;

    public override int HeadWidth => HeadGroups * ValueWidth;

    public override bool Reparameterised => false;

    public override string ValueRule => "must be a whole number ≥ 0";

    public override bool IsValid(float value) => value >= 0 && value == MathF.Floor(value) && float.IsFinite(value);

    private Tensor Standardised(Tensor counts) => (counts.log1p() - Statistics.LocationTensor()) / Statistics.ScaleTensor();

    public override Tensor NetworkInput(Tensor values, Tensor observed) => Cells.Filled(Standardised(Cells.Filled(values, observed)), observed);

    private Tensor LogMean(Tensor head) => head.narrow(-1, 0, ValueWidth);

    private Tensor LogDispersion(Tensor head) => head.narrow(-1, ValueWidth, ValueWidth);

    /// <summary>Per-cell log p(k | η, ρ); the arguments broadcast.</summary>
    private static Tensor CellLogLikelihood(Tensor counts, Tensor logMean, Tensor logDispersion)
    {
        var dispersion = logDispersion.exp();
        var logTotal = logaddexp(logDispersion, logMean);   // ln(r + μ)
        var normaliser = counts.Plus(dispersion).lgamma() - dispersion.lgamma() - counts.Plus(Scalars.One).lgamma();
        return normaliser.Plus(dispersion * (logDispersion - logTotal)).Plus(counts * (logMean - logTotal));
    }

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        (CellLogLikelihood(Cells.Filled(values, observed), LogMean(head), LogDispersion(head)) * observed).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed)
    {
        var counts = Cells.Filled(values, observed).unsqueeze(1);                        // [N, 1, W]
        var cells = CellLogLikelihood(counts, LogMean(head).unsqueeze(0), LogDispersion(head).unsqueeze(0));   // [N, G, W]
        return (cells * observed.unsqueeze(1)).sum(2);
    }

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var (logMean, logDispersion) = (LogMean(head), LogDispersion(head));
        Tensor draw;
        using (no_grad())
        {
            // A Poisson draw at a Gamma(r, scale μ/r) rate.
            var rate = _standard_gamma(logDispersion.exp(), generator) * (logMean - logDispersion).exp();
            draw = poisson(rate, generator);
        }
        return new BlockDraw(Standardised(draw), CellLogLikelihood(draw, logMean, logDispersion).sum(1));
    }

    /// <summary>The mean count μ.</summary>
    public override Tensor Summary(Tensor head) => LogMean(head).exp();

    /// <summary>The mean count.</summary>
    public override Tensor Decide(Tensor summary) => summary;

    public override ColumnBlock? Join(ColumnBlock next) =>
        next is CountColumn count ? new CountColumn(JoinedName(count), ValueWidth + count.ValueWidth, Statistics.Then(count.Statistics)) : null;

    public override TableColumn Describe(TableColumnType type) => TableColumn.Count(Name, Statistics.Location, Statistics.Scale, type);
}
