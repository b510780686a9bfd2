using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// A categorical column (an ML.NET key): one value per row, the class index 0..K−1 (key k is class k − 1; key 0, missing, is NaN).
/// p(x|z) is categorical over K logits; the network sees the one-hot class (all zeros when missing); draws are discrete
/// (score-function gradient).
/// </summary>
internal sealed class CategoricalColumn : ColumnBlock
{
    public CategoricalColumn(string name, int classCount)
        : base(name, 1)
    {
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"Column '{name}' is categorical with {classCount} classes; a categorical column needs at least 2.");
        ClassCount = classCount;
    }

    public int ClassCount { get; }

    public override string Kind => "categorical";

    public override int InputWidth => ClassCount;

    public override int HeadWidth => ClassCount;

    public override bool Reparameterised => false;

    public override string ValueRule => $"must be a class index, a whole number in [0, {ClassCount})";

    public override bool IsValid(float value) => value >= 0 && value < ClassCount && value == MathF.Floor(value);

    /// <summary>One-hot classes [N, K]; a missing class gives a row of zeros.</summary>
    private Tensor OneHot(Tensor values, Tensor observed) =>
        nn.functional.one_hot(Cells.Filled(values, observed).squeeze(1).to_type(ScalarType.Int64), ClassCount).to_type(ScalarType.Float32) * observed;

    public override Tensor NetworkInput(Tensor values, Tensor observed) => OneHot(values, observed);

    private static Tensor LogSoftmax(Tensor logits) => logits - logits.logsumexp(1, keepdim: true);

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) => (OneHot(values, observed) * LogSoftmax(head)).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed) => OneHot(values, observed).mm(LogSoftmax(head).t());

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var logProbabilities = LogSoftmax(head);
        var classes = multinomial(logProbabilities.detach().exp(), 1, replacement: true, generator: generator);   // [S, 1]
        var oneHot = nn.functional.one_hot(classes.squeeze(1), ClassCount).to_type(ScalarType.Float32);
        return new BlockDraw(oneHot, (oneHot * logProbabilities).sum(1));
    }

    public override int SummaryWidth => ClassCount;

    /// <summary>The class probabilities.</summary>
    public override Tensor Summary(Tensor head) => LogSoftmax(head).exp();

    /// <summary>The most probable class.</summary>
    public override Tensor Decide(Tensor summary) => summary.argmax(1, keepdim: true).to_type(ScalarType.Float32);

    /// <summary>Read as an ML.NET key, whatever <paramref name="type"/> says: a categorical column is a key column.</summary>
    public override TableColumn Describe(TableColumnType type) => TableColumn.Categorical(Name, ClassCount);
}

/// <summary>A binary column (an ML.NET Boolean, or 0/1 values): Bernoulli per slot with a logit head; discrete draws.</summary>
internal sealed class BinaryColumn(string name, int width) : ColumnBlock(name, width)
{
    public override string Kind => "binary";

    public override int InputWidth => ValueWidth;

    public override int HeadWidth => ValueWidth;

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
    public override int HeadWidth => 2 * ValueWidth;

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

    public override TableColumn Describe(TableColumnType type) => TableColumn.Count(Name, Statistics.Location, Statistics.Scale, type);
}
