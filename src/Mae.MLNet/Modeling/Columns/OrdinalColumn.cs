using Mae.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Modeling.Columns;

/// <summary>
/// An ordinal column (an ML.NET key whose order is the levels' order): one value per row, the level index 0..K−1 (key k is level
/// k − 1; key 0, missing, is NaN). p(x|z) is a cumulative link, as in HI-VAE (Nazabal et al., 2020): P(x ≤ k | z) = σ(θ_k − h)
/// for k &lt; K − 1, with a location h and K − 1 ordered thresholds θ from the head [h, δ₁, …, δ_{K−1}]: θ₀ = δ₁ and
/// θ_k = θ_{k−1} + softplus(δ_{k+1}). A level's probability is the difference of two cumulative ones; the likelihood takes
/// ln(p + <see cref="ProbabilityFloor"/>). The network sees the thermometer code of the level, K − 1 values, +1 where
/// x &gt; t and −1 where not for t = 0, …, K − 2 (all zeros when missing); draws are discrete (score-function gradient); a prediction
/// is the median level.
/// </summary>
/// <remarks>
/// Adjacent ordinal columns join into one block (<see cref="ColumnBlock.Join"/>) that computes on [rows, columns, widest K]
/// (<see cref="LevelLayout"/>): a column's cumulative probabilities at and above its own last level are 1, so the levels it lacks
/// get probability 0 whatever the padding holds.
/// </remarks>
internal sealed class OrdinalColumn : ColumnBlock
{
    /// <summary>
    /// The likelihood takes ln(p + this) for a level of probability p: a level the model all but rules out costs at most
    /// ln 10⁶ ≈ 13.8 nats, and still passes a gradient back (a hard floor would stop it).
    /// </summary>
    public const float ProbabilityFloor = 1e-6f;

    /// <summary>Below this gap Δ between adjacent thresholds, ln(1 − e^{−Δ}) is taken from its series (1 − e^{−Δ} would lose digits).</summary>
    public const float SeriesLimit = 0.1f;

    /// <summary>The smallest gap the series takes the logarithm of: a gap of 0 (a softplus that underflowed) gives ln 10⁻³⁰, not −∞.</summary>
    public const float SmallestGap = 1e-30f;

    // Held, as every Scalar handed to libtorch (see Scalars).
    private static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
    private static readonly Scalar SeriesLimitScalar = ((double)SeriesLimit).ToScalar();
    private static readonly Scalar SmallestGapScalar = ((double)SmallestGap).ToScalar();
    private static readonly Scalar OneOver24 = (1.0 / 24).ToScalar();
    private static readonly Scalar MinusOneOver2880 = (-1.0 / 2880).ToScalar();

    private readonly int[] levelCounts;
    private readonly LevelLayout levels;      // head (h, then K − 1 δ), level probabilities and one-hots: K per column
    private readonly LevelLayout thresholds;  // thermometer code: K − 1 per column
    private readonly bool[] present;          // [columns, widest K]: the column has the level
    private readonly bool[] top;              // [columns, widest K]: the column's last level
    private readonly float[] steps;           // 0, 1, …, widest K − 2

    public OrdinalColumn(string name, int levelCount)
        : this(name, [levelCount >= 2
            ? levelCount
            : throw new ArgumentOutOfRangeException(nameof(levelCount), levelCount, $"Column '{name}' is ordinal with {levelCount} levels; an ordinal column needs at least 2.")])
    {
    }

    /// <summary>Adjacent columns of <paramref name="levelCounts"/> levels each, every count already checked.</summary>
    private OrdinalColumn(string name, int[] levelCounts)
        : base(name, levelCounts.Length)
    {
        this.levelCounts = levelCounts;
        levels = new LevelLayout(levelCounts);
        thresholds = new LevelLayout([.. levelCounts.Select(k => k - 1)]);
        int width = levels.Widest;
        present = new bool[levelCounts.Length * width];
        top = new bool[levelCounts.Length * width];
        for (int column = 0; column < levelCounts.Length; column++)
        {
            for (int k = 0; k < levelCounts[column]; k++)
                present[column * width + k] = true;
            top[column * width + levelCounts[column] - 1] = true;
        }
        steps = [.. Enumerable.Range(0, thresholds.Widest).Select(t => (float)t)];
    }

    /// <summary>The column's levels K (of a joined block: the widest column's).</summary>
    public int LevelCount => levels.Widest;

    public override string Kind => "ordinal";

    /// <summary>The thermometer code, K − 1 per column.</summary>
    public override int InputWidth => thresholds.Total;

    /// <summary>The location h and the K − 1 threshold parameters δ, K per column.</summary>
    public override int HeadWidth => levels.Total;

    public override bool Reparameterised => false;

    public override string ValueRule => $"must be a level index, a whole number in [0, {LevelCount})";

    public override bool IsValid(float value) => value >= 0 && value < LevelCount && value == MathF.Floor(value);

    /// <summary>The ordinal columns side by side, unless the padding would be unbounded (<see cref="LevelLayout.PaddingIsBounded"/>).</summary>
    public override ColumnBlock? Join(ColumnBlock next)
    {
        if (next is not OrdinalColumn ordinal)
            return null;
        int[] joined = [.. levelCounts, .. ordinal.levelCounts];
        return LevelLayout.PaddingIsBounded(joined) ? new OrdinalColumn(JoinedName(ordinal), joined) : null;
    }

    /// <summary>
    /// The flat thermometer code [N, Σ(K − 1)] of level indices [N, columns] with their observed mask [N, columns]: +1 where the level
    /// lies above the step, −1 where it does not, and 0 for every step of a missing cell, so that a missing level reads as none of
    /// the levels (with 0/1 bits, level 0 would read as missing does).
    /// </summary>
    private Tensor Thermometer(Tensor indices, Tensor observed)
    {
        var above = indices.unsqueeze(2).to_type(ScalarType.Float32).gt(tensor(steps)).to_type(ScalarType.Float32);
        return thresholds.Flat(above.mul(Scalars.Two).sub(Scalars.One) * observed.unsqueeze(2));
    }

    public override Tensor NetworkInput(Tensor values, Tensor observed) => Thermometer(LevelLayout.Levels(values, observed), observed);

    /// <summary>
    /// Log-probabilities [N, columns, widest K] of a head [N, ΣK], −∞ for the levels a column lacks, without the floor. With
    /// a_k = θ_k − h, level k's probability σ(a_k) − σ(a_{k−1}) is σ(a_k)·σ(−a_{k−1})·(1 − e^{−Δ_k}), Δ_k = a_k − a_{k−1} =
    /// softplus(δ_{k+1}) ≥ 0, so that its logarithm is −softplus(−a_k) − softplus(a_{k−1}) + ln(1 − e^{−Δ_k}): terms that stay
    /// accurate where the probability is small (where σ(a_k) − σ(a_{k−1}) would subtract two numbers near 1). Level 0 has no
    /// lower term and no gap, a column's top level only its lower term.
    /// </summary>
    private Tensor RawLogProbabilities(Tensor head)
    {
        var padded = levels.Padded(head, 0f);                        // [N, columns, widest]: h, then δ
        long rows = padded.shape[0], columns = padded.shape[1], width = levels.Widest;
        var location = padded.narrow(2, 0, 1);
        var parameters = padded.narrow(2, 1, width - 1);
        var gaps = parameters.narrow(2, 1, width - 2).Softplus();                          // Δ₁.., [N, columns, widest − 2]
        var above = cat([parameters.narrow(2, 0, 1), gaps], 2).cumsum(2) - location;       // a₀.., [N, columns, widest − 1]
        var edge = zeros(rows, columns, 1);
        var upper = cat([above.neg().Softplus().neg(), edge], 2);
        var lower = cat([edge, above.Softplus().neg()], 2);
        var middle = upper.Plus(lower).Plus(cat([edge, LogOneMinusExpNegative(gaps), edge], 2));
        var logProbabilities = where(tensor(top).view(1, columns, width), lower, middle);
        return where(tensor(present).view(1, columns, width), logProbabilities, full([rows, columns, width], NegativeInfinity));
    }

    /// <summary>
    /// ln(1 − e^{−Δ}) for gaps Δ ≥ 0, element-wise: below <see cref="SeriesLimit"/> the series ln Δ − Δ/2 + Δ²/24 − Δ⁴/2880 (its error
    /// below 10⁻¹¹ there), above it the direct form. Each branch reads its argument clamped to its own range, so that neither gives an
    /// infinite value or slope where the other is chosen.
    /// </summary>
    private static Tensor LogOneMinusExpNegative(Tensor gaps)
    {
        var small = gaps.clamp(SmallestGapScalar, SeriesLimitScalar);
        var squared = small * small;
        var polynomial = (squared.mul(MinusOneOver2880).Plus(OneOver24) * small).Plus(Scalars.MinusHalf);   // −1/2 + Δ/24 − Δ³/2880
        var series = small.log().Plus(polynomial * small);
        var direct = gaps.clamp_min(SeriesLimitScalar).neg().exp().neg().Plus(Scalars.One).log();
        return where(gaps.lt(SeriesLimitScalar), series, direct);
    }

    /// <summary>ln(p + <see cref="ProbabilityFloor"/>) of the level probabilities [N, columns, widest K], as logaddexp(ln p, ln floor).</summary>
    private static Tensor Floored(Tensor rawLogProbabilities)
    {
        using var floor = tensor(MathF.Log(ProbabilityFloor));
        return rawLogProbabilities.logaddexp(floor);
    }

    /// <summary>The floored log-probabilities [N, columns, widest K] of a head [N, ΣK] (see <see cref="Floored"/>).</summary>
    private Tensor LogProbabilities(Tensor head) => Floored(RawLogProbabilities(head));

    /// <summary>The level probabilities [N, columns, widest K], 0 for the levels a column lacks.</summary>
    private Tensor Probabilities(Tensor head) => RawLogProbabilities(head).exp();

    public override Tensor LogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        (LevelLayout.Picked(LogProbabilities(head), LevelLayout.Levels(values, observed)) * observed).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor head, Tensor values, Tensor observed) =>
        levels.OneHot(LevelLayout.Levels(values, observed), observed).mm(levels.Flat(LogProbabilities(head)).t());

    public override BlockDraw Draw(Tensor head, Generator generator)
    {
        var logProbabilities = RawLogProbabilities(head);                                         // [S, columns, widest]
        var drawn = LevelLayout.Sample(logProbabilities.detach().exp(), generator);
        return new BlockDraw(Thermometer(drawn, ones_like(drawn, ScalarType.Float32)), LevelLayout.Picked(Floored(logProbabilities), drawn).sum(1));
    }

    public override int SummaryWidth => levels.Total;

    /// <summary>The level probabilities, [N, ΣK].</summary>
    public override Tensor Summary(Tensor head) => levels.Flat(Probabilities(head));

    /// <summary>The median level of each column: the number of levels whose cumulative probability stays below ½.</summary>
    public override Tensor Decide(Tensor summary) =>
        levels.Padded(summary, 0f).cumsum(2).lt(Scalars.Half).sum(2).to_type(ScalarType.Float32);

    /// <summary>Read as an ML.NET key, whatever <paramref name="type"/> says: an ordinal column is a key column.</summary>
    public override TableColumn Describe(TableColumnType type) => levelCounts.Length == 1
        ? TableColumn.Ordinal(Name, LevelCount)
        : throw new InvalidOperationException($"The joined block '{Name}' is computed, not exported: describe its columns one by one.");
}
