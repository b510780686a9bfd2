using System.Globalization;
using Mae.Export.Onnx;

namespace Mae.Export;

/// <summary>The kind of a <see cref="TableColumn"/>: its likelihood given the code and its network input.</summary>
public enum TableColumnKind
{
    /// <summary>Gaussian on the standardised value.</summary>
    Real,

    /// <summary>Log-normal: Gaussian on the standardised logarithm.</summary>
    Positive,

    /// <summary>Negative binomial (a log-mean and a log-dispersion per slot), the network reading the standardised ln(1 + x).</summary>
    Count,

    /// <summary>Categorical over the K classes of an ML.NET key.</summary>
    Categorical,

    /// <summary>Bernoulli per slot.</summary>
    Binary,

    /// <summary>Cumulative link over the K ordered levels of an ML.NET key: a location and K − 1 ordered thresholds per slot.</summary>
    Ordinal,
}

/// <summary>The element type of a <see cref="TableColumn"/>'s graph input, as ML.NET's ONNX transformer binds a column of that type.</summary>
public enum TableColumnType
{
    /// <summary>float; NaN is missing.</summary>
    Single,

    /// <summary>double; NaN is missing. The graph computes in float.</summary>
    Double,

    /// <summary>uint32 ML.NET key values, 1..K; 0 is missing.</summary>
    Key,

    /// <summary>bool; never missing.</summary>
    Boolean,

    /// <summary>int8; never missing. The graph computes in float, exact up to 2^24 in magnitude.</summary>
    SByte,

    /// <summary>uint8; never missing.</summary>
    Byte,

    /// <summary>int16; never missing.</summary>
    Int16,

    /// <summary>uint16; never missing.</summary>
    UInt16,

    /// <summary>int32; never missing.</summary>
    Int32,

    /// <summary>uint32 values that are not an ML.NET key; never missing.</summary>
    UInt32,

    /// <summary>int64; never missing.</summary>
    Int64,

    /// <summary>uint64; never missing.</summary>
    UInt64,
}

/// <summary>
/// A numeric column standardised as <c>(t(x) − location) / scale</c> per slot, t being its transform; the location and
/// scale come from the observed training values.
/// </summary>
internal abstract class StandardisedTableColumn : TableColumn
{
    private readonly float[] _location;
    private readonly float[] _scale;

    private protected StandardisedTableColumn(string name, TableColumnKind kind, TableColumnType type, ReadOnlySpan<float> location, ReadOnlySpan<float> scale)
        : base(name, kind, type, location.Length)
    {
        ThrowIfNotOneOf(name, type, [TableColumnType.Single, TableColumnType.Double, .. IntegerTypes]);
        if (scale.Length != location.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Column '{name}' has {location.Length} locations but {scale.Length} scales; it needs one of each per slot."),
                nameof(scale));
        }

        for (int i = 0; i < location.Length; i++)
        {
            if (!float.IsFinite(location[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Column '{name}': location[{i}] is {location[i]}; it must be finite."), nameof(location));
            }

            if (!(scale[i] > 0) || !float.IsFinite(scale[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Column '{name}': scale[{i}] is {scale[i]}; it must be finite and positive."), nameof(scale));
            }
        }

        _location = location.ToArray();
        _scale = scale.ToArray();
    }

    internal sealed override TableColumn Fuse(string name, IReadOnlyList<TableColumn> members) =>
        WithStatistics(name, [.. members.SelectMany(m => m.Location.ToArray())], [.. members.SelectMany(m => m.Scale.ToArray())]);

    /// <summary>A column of this kind and input type with the given name and per-slot statistics.</summary>
    private protected abstract StandardisedTableColumn WithStatistics(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale);

    public override ReadOnlyMemory<float> Location => _location;

    public override ReadOnlyMemory<float> Scale => _scale;

    public override int NetworkWidth => Width;

    /// <summary>Adds t(x) for float values <paramref name="values"/>.</summary>
    private protected abstract string AddTransform(Onnx.OnnxGraphBuilder graph, string values, string prefix);

    internal override string DescribeInput() => string.Create(CultureInfo.InvariantCulture,
        $"{Kind} column, {Width} value(s) a row ({Type}); {(CanBeMissing ? "NaN is missing" : "never missing")}; standardised inside the model.");

    internal override ColumnValues AddNetworkInput(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        string values = Type == TableColumnType.Single ? input : graph.Cast(input, TensorProto.Types.DataType.Float, $"{prefix}.float");
        string observed = graph.AddNode("Not", $"{prefix}_observed", [graph.AddNode("IsNaN", $"{prefix}_isnan", [values], $"{prefix}.isnan")], $"{prefix}.observed");
        string transformed = AddTransform(graph, values, prefix);
        string centred = graph.AddNode("Sub", $"{prefix}_centre", [transformed, graph.AddInitializer($"{prefix}.location", _location, 1, Width)], $"{prefix}.centred");
        string standardised = graph.AddNode("Div", $"{prefix}_scale", [centred, graph.AddInitializer($"{prefix}.scale", _scale, 1, Width)], $"{prefix}.standardised");
        string network = graph.AddNode("Where", $"{prefix}_fill", [observed, standardised, graph.Scalar("zero", 0f)], $"{prefix}.network_input");
        string filled = graph.AddNode("Where", $"{prefix}_fill_values", [observed, values, graph.Scalar("zero", 0f)], $"{prefix}.filled_values");
        return new ColumnValues(network, graph.Cast(observed, TensorProto.Types.DataType.Float, $"{prefix}.observed_float"), observed, filled);
    }

    /// <summary>Observed cells whose filled value is infinite (a Double beyond float's range becomes infinite too).</summary>
    private protected static string AddInfinite(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix) =>
        graph.AddNode("IsInf", $"{prefix}_invalid_infinite", [values.Values], $"{prefix}.invalid_infinite");

    /// <summary>The standardised scale's per-slot values, for the Gaussian kinds' densities.</summary>
    private protected ReadOnlySpan<float> ScaleValues => _scale;

    /// <summary>t(x) of the observed cells (0 where missing) from the standardised network input: location + scale · u.</summary>
    private protected string AddTransformedFromNetworkInput(Onnx.OnnxGraphBuilder graph, string networkInput, string prefix)
    {
        string scaled = graph.AddNode("Mul", $"{prefix}_ll_unscale", [networkInput, graph.AddInitializer($"{prefix}.ll_scale", _scale, 1, Width)], $"{prefix}.ll_unscaled");
        return graph.AddNode("Add", $"{prefix}_ll_uncentre", [scaled, graph.AddInitializer($"{prefix}.ll_location", _location, 1, Width)], $"{prefix}.ll_transformed");
    }

    /// <summary>Casts a float prediction to the input's element type.</summary>
    private protected string InInputType(Onnx.OnnxGraphBuilder graph, string prediction, string prefix) =>
        Type == TableColumnType.Double ? graph.Cast(prediction, TensorProto.Types.DataType.Double, $"{prefix}.prediction_double") : prediction;

    internal override int SummaryWidth => Width;

    /// <summary>The mean of the standardised transform u: the head's first Width outputs.</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix) => graph.Slice(head, 0, Width, $"{prefix}.summary");

    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix)
    {
        string scaled = graph.AddNode("Mul", $"{prefix}_decision_unscale", [summary, graph.AddInitializer($"{prefix}.decision_scale", _scale, 1, Width)], $"{prefix}.decision_unscaled");
        string transformed = graph.AddNode("Add", $"{prefix}_decision_uncentre", [scaled, graph.AddInitializer($"{prefix}.decision_location", _location, 1, Width)], $"{prefix}.decision_transformed");
        return InInputType(graph, AddUntransform(graph, transformed, prefix), prefix);
    }

    /// <summary>x from t(x): the identity (a real column), unless the kind transforms.</summary>
    private protected virtual string AddUntransform(Onnx.OnnxGraphBuilder graph, string transformed, string prefix) => transformed;
}

/// <summary>A real column: Gaussian on (x − location)/scale; predicts the mean.</summary>
internal sealed class RealTableColumn(string name, TableColumnType type, ReadOnlySpan<float> location, ReadOnlySpan<float> scale)
    : StandardisedTableColumn(name, TableColumnKind.Real, type, location, scale)
{
    private protected override StandardisedTableColumn WithStatistics(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale) =>
        new RealTableColumn(name, Type, location, scale);

    public override int HeadWidth => 2 * Width;

    private protected override string AddTransform(Onnx.OnnxGraphBuilder graph, string values, string prefix) => values;

    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix) =>
        Onnx.OnnxLikelihood.ObservedRowSum(graph, Onnx.OnnxLikelihood.GaussianCells(graph, values.NetworkInput, head, Width, ScaleValues, prefix), values.ObservedFloat, prefix);

    /// <summary>Infinite values (missing cells are filled with 0, so no mask is needed).</summary>
    internal override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix) => AddInfinite(graph, values, prefix);
}

/// <summary>A positive column: Gaussian on (ln x − location)/scale; predicts the median exp(mean).</summary>
internal sealed class PositiveTableColumn(string name, TableColumnType type, ReadOnlySpan<float> location, ReadOnlySpan<float> scale)
    : StandardisedTableColumn(name, TableColumnKind.Positive, type, location, scale)
{
    private protected override StandardisedTableColumn WithStatistics(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale) =>
        new PositiveTableColumn(name, Type, location, scale);

    public override int HeadWidth => 2 * Width;

    private protected override string AddTransform(Onnx.OnnxGraphBuilder graph, string values, string prefix) =>
        graph.AddNode("Log", $"{prefix}_log", [values], $"{prefix}.log");

    private protected override string AddUntransform(Onnx.OnnxGraphBuilder graph, string transformed, string prefix) =>
        graph.AddNode("Exp", $"{prefix}_decision_exp", [transformed], $"{prefix}.decision_exp");

    /// <summary>The density of ln x less ln x, the Jacobian of t = ln x (ln x rebuilt from the standardised input, 0 where missing).</summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string cells = Onnx.OnnxLikelihood.GaussianCells(graph, values.NetworkInput, head, Width, ScaleValues, prefix);
        string withJacobian = graph.AddNode("Sub", $"{prefix}_ll_log_jacobian", [cells, AddTransformedFromNetworkInput(graph, values.NetworkInput, prefix)], $"{prefix}.ll_positive_cells");
        return Onnx.OnnxLikelihood.ObservedRowSum(graph, withJacobian, values.ObservedFloat, prefix);
    }

    /// <summary>Observed values that are infinite or not above 0.</summary>
    internal override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix)
    {
        string notPositive = graph.AddNode("LessOrEqual", $"{prefix}_invalid_not_positive", [values.Values, graph.Scalar("zero", 0f)], $"{prefix}.invalid_not_positive");
        return AddObservedAnd(graph, values, graph.AddNode("Or", $"{prefix}_invalid_any", [notPositive, AddInfinite(graph, values, prefix)], $"{prefix}.invalid_any"), prefix);
    }
}

/// <summary>
/// A count column: negative binomial with a head of log-means then log-dispersions, the network reading (ln(1 + x) − location)/scale;
/// predicts the mean.
/// </summary>
internal sealed class CountTableColumn(string name, TableColumnType type, ReadOnlySpan<float> location, ReadOnlySpan<float> scale)
    : StandardisedTableColumn(name, TableColumnKind.Count, type, location, scale)
{
    private protected override StandardisedTableColumn WithStatistics(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale) =>
        new CountTableColumn(name, Type, location, scale);

    public override int HeadWidth => 2 * Width;

    private protected override string AddTransform(Onnx.OnnxGraphBuilder graph, string values, string prefix) =>
        graph.AddNode("Log", $"{prefix}_log1p", [graph.AddNode("Add", $"{prefix}_plus_one", [values, graph.Scalar("one", 1f)], $"{prefix}.plus_one")], $"{prefix}.log1p");

    /// <summary>The rate (the mean count) e^η.</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix) =>
        graph.AddNode("Exp", $"{prefix}_summary_rate", [graph.Slice(head, 0, Width, $"{prefix}.summary_log_mean")], $"{prefix}.summary");

    /// <summary>The mean count itself.</summary>
    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix) => InInputType(graph, summary, prefix);

    /// <summary>
    /// ln Γ(k + r) − ln Γ(r) − ln k! + r(ρ − ln(r + μ)) + k(η − ln(r + μ)) per cell, η the head's log-mean and ρ its log-dispersion
    /// (μ = e^η, r = e^ρ; ln(r + μ) as max + ln(1 + e^−|η − ρ|)).
    /// </summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string logMean = graph.Slice(head, 0, Width, $"{prefix}.ll_log_mean");
        string logDispersion = graph.Slice(head, Width, 2 * Width, $"{prefix}.ll_log_dispersion");
        string dispersion = graph.AddNode("Exp", $"{prefix}_ll_dispersion", [logDispersion], $"{prefix}.ll_dispersion");
        string larger = graph.AddNode("Max", $"{prefix}_ll_larger", [logMean, logDispersion], $"{prefix}.ll_larger");
        string gap = graph.AddNode("Abs", $"{prefix}_ll_gap", [graph.AddNode("Sub", $"{prefix}_ll_difference", [logMean, logDispersion], $"{prefix}.ll_difference")], $"{prefix}.ll_gap");
        string logTotal = graph.AddNode("Add", $"{prefix}_ll_log_total", [larger, Onnx.OnnxLikelihood.Softplus(graph, graph.AddNode("Neg", $"{prefix}_ll_negative_gap", [gap], $"{prefix}.ll_negative_gap"), $"{prefix}_ll_total")],
            $"{prefix}.ll_log_total");
        string counts = values.Values;
        string normaliser = graph.AddNode("Sub", $"{prefix}_ll_normaliser",
            [graph.AddNode("Sub", $"{prefix}_ll_gamma_ratio",
                [Onnx.OnnxLikelihood.LogGamma(graph, graph.AddNode("Add", $"{prefix}_ll_counts_plus_dispersion", [counts, dispersion], $"{prefix}.ll_counts_plus_dispersion"), $"{prefix}_ll_top"),
                 Onnx.OnnxLikelihood.LogGamma(graph, dispersion, $"{prefix}_ll_bottom")], $"{prefix}.ll_gamma_ratio"),
             Onnx.OnnxLikelihood.LogFactorial(graph, counts, $"{prefix}_ll")], $"{prefix}.ll_normaliser");
        string dispersionTerm = graph.AddNode("Mul", $"{prefix}_ll_dispersion_term", [dispersion, graph.AddNode("Sub", $"{prefix}_ll_dispersion_share", [logDispersion, logTotal], $"{prefix}.ll_dispersion_share")], $"{prefix}.ll_dispersion_term");
        string countTerm = graph.AddNode("Mul", $"{prefix}_ll_count_term", [counts, graph.AddNode("Sub", $"{prefix}_ll_mean_share", [logMean, logTotal], $"{prefix}.ll_mean_share")], $"{prefix}.ll_count_term");
        string cells = graph.AddNode("Add", $"{prefix}_ll_count_cells",
            [graph.AddNode("Add", $"{prefix}_ll_count_partial", [normaliser, dispersionTerm], $"{prefix}.ll_count_partial"), countTerm], $"{prefix}.ll_count_cells");
        return Onnx.OnnxLikelihood.ObservedRowSum(graph, cells, values.ObservedFloat, prefix);
    }

    /// <summary>Observed values that are infinite, negative or fractional.</summary>
    internal override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix)
    {
        string negative = graph.AddNode("Less", $"{prefix}_invalid_negative", [values.Values, graph.Scalar("zero", 0f)], $"{prefix}.invalid_negative");
        string whole = graph.AddNode("Equal", $"{prefix}_invalid_whole", [graph.AddNode("Floor", $"{prefix}_invalid_floor", [values.Values], $"{prefix}.invalid_floor"), values.Values], $"{prefix}.invalid_whole");
        string fractional = graph.AddNode("Not", $"{prefix}_invalid_fractional", [whole], $"{prefix}.invalid_fractional");
        string either = graph.AddNode("Or", $"{prefix}_invalid_negative_or_fractional", [negative, fractional], $"{prefix}.invalid_negative_or_fractional");
        return AddObservedAnd(graph, values, graph.AddNode("Or", $"{prefix}_invalid_any", [either, AddInfinite(graph, values, prefix)], $"{prefix}.invalid_any"), prefix);
    }
}

/// <summary>
/// A column read as an ML.NET key, uint32 [N, slots]: key k in 1..K is level k − 1 and key 0 is missing. The categorical and
/// ordinal kinds share the reading, the check of a key against its slot's count, and the padding of fused columns to the largest
/// count K.
/// </summary>
internal abstract class KeyTableColumn : TableColumn
{
    private readonly int[] _levelCounts;

    private protected KeyTableColumn(string name, TableColumnKind kind, int[] levelCounts)
        : base(name, kind, TableColumnType.Key, levelCounts.Length)
    {
        _levelCounts = levelCounts;
        PaddedCount = levelCounts.Max();
    }

    /// <summary>The largest of the slots' counts K.</summary>
    private protected int PaddedCount { get; }

    /// <summary>Each slot's own count.</summary>
    private protected IReadOnlyList<int> LevelCounts => _levelCounts;

    /// <summary>The count K (for a fused column, the largest of its slots').</summary>
    public override int ClassCount => PaddedCount;

    /// <summary>Returns <paramref name="count"/> when it is at least 2, else throws naming the column, its kind and the count.</summary>
    private protected static int ValidCount(string name, int count, string kind, string unit) => count >= 2
        ? count
        : throw new ArgumentOutOfRangeException(nameof(count), count,
            string.Create(CultureInfo.InvariantCulture, $"Column '{name}' is {kind} with {count} {unit}; it needs at least 2."));

    /// <summary>The key as float and the level index key − 1 (−1 for a missing key), [N, slots]; keys up to 2^24 are exact as floats.</summary>
    private protected static (string Key, string Index) AddKeyIndex(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        string key = graph.Cast(input, TensorProto.Types.DataType.Float, $"{prefix}.key");
        return (key, graph.AddNode("Sub", $"{prefix}_index", [key, graph.Scalar("one", 1f)], $"{prefix}.index"));
    }

    /// <summary>The levels 0..<paramref name="count"/> − 1 as a float [1, 1, count] initializer, to compare an index [N, slots, 1] with.</summary>
    private protected static string AddLevels(Onnx.OnnxGraphBuilder graph, int count, string name)
    {
        float[] levels = new float[count];
        for (int k = 0; k < count; k++)
        {
            levels[k] = k;
        }

        return graph.AddInitializer(name, levels, 1, 1, count);
    }

    /// <summary>
    /// The one-hot [N, slots, K] (float) of level indices [N, slots]: each index against the levels 0..K − 1. An index that names no
    /// level (−1, a missing key) gives all zeros.
    /// </summary>
    private protected string AddOneHot(Onnx.OnnxGraphBuilder graph, string index, string prefix)
    {
        string column = graph.AddNode("Unsqueeze", $"{prefix}_index_column", [index, graph.AddInitializer($"{prefix}.index_axes", [2L], 1)], $"{prefix}.index_column");
        string isLevel = graph.AddNode("Equal", $"{prefix}_equal", [column, AddLevels(graph, PaddedCount, $"{prefix}.levels")], $"{prefix}.is_level");
        return graph.Cast(isLevel, TensorProto.Types.DataType.Float, $"{prefix}.one_hot");
    }

    /// <summary>Observed keys above their slot's count, which match no level of the slot.</summary>
    internal sealed override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix)
    {
        float[] counts = [.. _levelCounts.Select(k => (float)k)];
        string within = graph.AddNode("Less", $"{prefix}_invalid_within", [values.Values, graph.AddInitializer($"{prefix}.class_counts", counts, 1, Width)], $"{prefix}.invalid_within");
        return AddObservedAnd(graph, values, graph.AddNode("Not", $"{prefix}_invalid_above", [within], $"{prefix}.invalid_above"), prefix);
    }

    /// <summary>Slot-major, as the network input: [slot][level].</summary>
    internal sealed override int HeadPosition(int slot, int parameter) => slot * PaddedCount + parameter;

    /// <summary>A value [N, slots·K] as each slot's K values, [N, slots, K].</summary>
    private protected string AddSlotLevels(Onnx.OnnxGraphBuilder graph, string value, string prefix) =>
        graph.AddNode("Reshape", $"{prefix}_slot_logits", [value, graph.AddInitializer($"{prefix}.slots_shape", [0L, Width, PaddedCount], 3)], $"{prefix}.slot_logits");

    /// <summary>A value [N, slots, K] as [N, slots·K].</summary>
    private protected string AddRows(Onnx.OnnxGraphBuilder graph, string value, string prefix, string output) =>
        graph.AddNode("Reshape", $"{prefix}_rows", [value, graph.AddInitializer($"{prefix}.rows_shape", [0L, Width * PaddedCount], 2)], output);

    /// <summary>A level index [N, slots] (float) as its key, uint32.</summary>
    private protected static string AddKeyOf(Onnx.OnnxGraphBuilder graph, string index, string prefix)
    {
        string key = graph.AddNode("Add", $"{prefix}_key", [index, graph.AddInitializer($"{prefix}.one_int64", [1L])], $"{prefix}.prediction_int64");
        return graph.Cast(key, TensorProto.Types.DataType.Uint32, $"{prefix}.prediction");
    }
}

/// <summary>
/// A categorical column read as an ML.NET key; predicts the most probable class's key. Several categorical columns fused into one
/// (<see cref="TableColumn.Fuse"/>) are one slot each, every slot one-hot over the largest class count K: slot s's class k is
/// network input and head output s·K + k, and the classes beyond a slot's own count are padding (never matched by a valid key,
/// and a head logit of −10⁹).
/// </summary>
internal sealed class CategoricalTableColumn : KeyTableColumn
{
    public CategoricalTableColumn(string name, int classCount)
        : this(name, [ValidCount(name, classCount, "categorical", "classes")])
    {
    }

    private CategoricalTableColumn(string name, int[] classCounts)
        : base(name, TableColumnKind.Categorical, classCounts)
    {
    }

    public override int NetworkWidth => Width * PaddedCount;

    public override int HeadWidth => Width * PaddedCount;

    internal override TableColumn Fuse(string name, IReadOnlyList<TableColumn> members) =>
        new CategoricalTableColumn(name, [.. members.SelectMany(m => ((CategoricalTableColumn)m).LevelCounts)]);

    internal override string DescribeInput() => string.Create(CultureInfo.InvariantCulture,
        $"Categorical column: an ML.NET key 1..{PaddedCount} (class key − 1) as uint32, 0 for missing; one-hot encoded inside the model.");

    internal override ColumnValues AddNetworkInput(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        // Key k is class k − 1, so the missing key 0 becomes −1 and matches no class; the one-hot [N, slots, K] becomes [N, slots·K].
        var (key, index) = AddKeyIndex(graph, input, prefix);
        string oneHot = AddRows(graph, AddOneHot(graph, index, prefix), $"{prefix}_one_hot", $"{prefix}.network_input");
        string observed = graph.AddNode("Greater", $"{prefix}_observed", [key, graph.Scalar("zero", 0f)], $"{prefix}.observed");
        return new ColumnValues(oneHot, graph.Cast(observed, TensorProto.Types.DataType.Float, $"{prefix}.observed_float"), observed, index);
    }

    /// <summary>
    /// The observed class's log-softmax per slot: Σ one-hot · (logits − logsumexp(logits)) over the slot's classes, summed over the slots;
    /// a missing key's one-hot is all zeros, and a padding class's logit of −10⁹ adds nothing to the normaliser.
    /// </summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string logits = AddSlotLevels(graph, head, $"{prefix}_ll");
        string normaliser = graph.AddNode("ReduceLogSumExp", $"{prefix}_ll_normaliser", [logits], $"{prefix}.ll_normaliser",
            Onnx.OnnxGraphBuilder.IntsAttribute("axes", [2L]), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 1));
        string logProbabilities = graph.AddNode("Sub", $"{prefix}_ll_log_softmax", [logits, normaliser], $"{prefix}.ll_log_softmax");
        string rows = AddRows(graph, logProbabilities, $"{prefix}_ll", $"{prefix}.ll_log_softmax_rows");
        string picked = graph.AddNode("Mul", $"{prefix}_ll_pick", [values.NetworkInput, rows], $"{prefix}.ll_picked");
        return graph.AddNode("ReduceSum", $"{prefix}_ll_row_sum", [picked, graph.AddInitializer($"{prefix}.ll_row_sum_axes", [1L], 1)],
            $"{prefix}.log_likelihood", Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 1));
    }

    internal override int SummaryWidth => HeadWidth;

    /// <summary>Each slot's class probabilities, [N, slots·K] (a padding class's logit of −10⁹ gives it 0).</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string probabilities = graph.AddNode("Softmax", $"{prefix}_summary_softmax", [AddSlotLevels(graph, head, $"{prefix}_summary")], $"{prefix}.summary_probabilities",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2));
        return AddRows(graph, probabilities, $"{prefix}_summary", $"{prefix}.summary");
    }

    /// <summary>Each slot's most probable class, as its key (class + 1).</summary>
    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix)
    {
        string index = graph.AddNode("ArgMax", $"{prefix}_decision_argmax", [AddSlotLevels(graph, summary, $"{prefix}_decision")], $"{prefix}.decision_argmax",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 0));
        return AddKeyOf(graph, index, $"{prefix}_decision");
    }

    /// <summary>The most probable class's key, decided on the logits (the softmax keeps their order).</summary>
    internal override string AddPrediction(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string logits = AddSlotLevels(graph, head, prefix);
        string index = graph.AddNode("ArgMax", $"{prefix}_argmax", [logits], $"{prefix}.argmax",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 0));
        return AddKeyOf(graph, index, prefix);
    }
}

/// <summary>
/// An ordinal column read as an ML.NET key (key k is level k − 1, key 0 missing); the network reads the thermometer code,
/// +1 where level &gt; t and −1 where not for t = 0, …, K − 2, all zeros for a missing key, and the head holds per slot a location h and K − 1 threshold parameters δ, with thresholds
/// θ₀ = δ₁ and θ_k = θ_{k−1} + softplus(δ_{k+1}), P(level ≤ k) = σ(θ_k − h). Level k's log-probability is
/// −softplus(−a_k) − softplus(a_{k−1}) + ln(1 − e^{−Δ_k}) with a_k = θ_k − h and Δ_k = softplus(δ_{k+1}), the first term absent at a
/// slot's top level and the other two at level 0; the likelihood takes ln(p + 10⁻⁶). Predicts the median level's key. Fused
/// columns are padded to the largest count K like categorical ones: network input s·(K − 1) + t and head output s·K + p.
/// </summary>
internal sealed class OrdinalTableColumn : KeyTableColumn
{
    /// <summary>The likelihood takes ln(p + this), as the trained model does.</summary>
    private const float ProbabilityFloor = 1e-6f;

    /// <summary>Below this gap ln(1 − e^{−Δ}) is taken from its series; the smallest gap whose logarithm the series takes.</summary>
    private const float SeriesLimit = 0.1f, SmallestGap = 1e-30f;

    public OrdinalTableColumn(string name, int levelCount)
        : this(name, [ValidCount(name, levelCount, "ordinal", "levels")])
    {
    }

    private OrdinalTableColumn(string name, int[] levelCounts)
        : base(name, TableColumnKind.Ordinal, levelCounts)
    {
    }

    public override int NetworkWidth => Width * (PaddedCount - 1);

    public override int HeadWidth => Width * PaddedCount;

    internal override TableColumn Fuse(string name, IReadOnlyList<TableColumn> members) =>
        new OrdinalTableColumn(name, [.. members.SelectMany(m => ((OrdinalTableColumn)m).LevelCounts)]);

    internal override string DescribeInput() => string.Create(CultureInfo.InvariantCulture,
        $"Ordinal column: an ML.NET key 1..{PaddedCount} (level key − 1, in the levels' order) as uint32, 0 for missing; thermometer-coded inside the model.");

    internal override ColumnValues AddNetworkInput(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        // +1 above a step, −1 not, times the observed mask: a missing key's code is all zeros.
        var (key, index) = AddKeyIndex(graph, input, prefix);
        string axes = graph.AddInitializer($"{prefix}.index_axes", [2L], 1);
        string column = graph.AddNode("Unsqueeze", $"{prefix}_index_column", [index, axes], $"{prefix}.index_column");
        string above = graph.AddNode("Greater", $"{prefix}_above", [column, AddLevels(graph, PaddedCount - 1, $"{prefix}.steps")], $"{prefix}.above");
        string doubled = graph.AddNode("Mul", $"{prefix}_code_doubled", [graph.Cast(above, TensorProto.Types.DataType.Float, $"{prefix}.above_float"), graph.Scalar("two", 2f)], $"{prefix}.code_doubled");
        string signed = graph.AddNode("Sub", $"{prefix}_code_signed", [doubled, graph.Scalar("one", 1f)], $"{prefix}.code_signed");
        string observed = graph.AddNode("Greater", $"{prefix}_observed", [key, graph.Scalar("zero", 0f)], $"{prefix}.observed");
        string observedFloat = graph.Cast(observed, TensorProto.Types.DataType.Float, $"{prefix}.observed_float");
        string masked = graph.AddNode("Mul", $"{prefix}_code_masked", [signed, graph.AddNode("Unsqueeze", $"{prefix}_observed_column", [observedFloat, axes], $"{prefix}.observed_column")], $"{prefix}.code");
        string code = graph.AddNode("Reshape", $"{prefix}_code_rows", [masked, graph.AddInitializer($"{prefix}.code_shape", [0L, NetworkWidth], 2)], $"{prefix}.network_input");
        return new ColumnValues(code, observedFloat, observed, index);
    }

    /// <summary>The observed level's floored log-probability per slot, summed over the slots; a missing key (level −1) picks nothing.</summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string logProbabilities = AddLogProbabilities(graph, head, $"{prefix}_ll");
        string floored = AddLogAddExp(graph, logProbabilities, graph.Scalar("log_ordinal_floor", MathF.Log(ProbabilityFloor)), $"{prefix}_ll_floor");
        string picked = graph.AddNode("Mul", $"{prefix}_ll_pick", [AddOneHot(graph, values.Values, $"{prefix}_ll"), floored], $"{prefix}.ll_picked");
        return graph.AddNode("ReduceSum", $"{prefix}_ll_row_sum", [AddRows(graph, picked, $"{prefix}_ll", $"{prefix}.ll_picked_rows"), graph.AddInitializer($"{prefix}.ll_row_sum_axes", [1L], 1)],
            $"{prefix}.log_likelihood", Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 1));
    }

    internal override int SummaryWidth => HeadWidth;

    /// <summary>Each slot's level probabilities, [N, slots·K] (0 for the levels beyond a slot's own count).</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string probabilities = graph.AddNode("Exp", $"{prefix}_summary_exp", [AddLogProbabilities(graph, head, $"{prefix}_summary")], $"{prefix}.summary_probabilities");
        return AddRows(graph, probabilities, $"{prefix}_summary", $"{prefix}.summary");
    }

    /// <summary>Each slot's median level, the number of levels whose cumulative probability stays below ½, as its key.</summary>
    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix)
    {
        string cumulative = graph.AddNode("CumSum", $"{prefix}_decision_cumulative", [AddSlotLevels(graph, summary, $"{prefix}_decision"), graph.AddInitializer($"{prefix}.decision_axis", [2L])], $"{prefix}.decision_cumulative");
        string below = graph.AddNode("Less", $"{prefix}_decision_below", [cumulative, graph.Scalar("half", 0.5f)], $"{prefix}.decision_below");
        string median = graph.AddNode("ReduceSum", $"{prefix}_decision_median", [graph.Cast(below, TensorProto.Types.DataType.Int64, $"{prefix}.decision_below_count"), graph.AddInitializer($"{prefix}.decision_axes", [2L], 1)],
            $"{prefix}.decision_median", Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 0));
        return AddKeyOf(graph, median, $"{prefix}_decision");
    }

    /// <summary>Each slot's level log-probabilities [N, slots, K] from the head [N, slots·K], −∞ beyond a slot's own count, not floored.</summary>
    private string AddLogProbabilities(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        int count = PaddedCount;
        string slots = AddSlotLevels(graph, head, prefix);
        string location = SliceLevels(graph, slots, 0, 1, $"{prefix}.location");
        string first = SliceLevels(graph, slots, 1, 2, $"{prefix}.first_threshold");
        string gaps = Onnx.OnnxLikelihood.Softplus(graph, SliceLevels(graph, slots, 2, count, $"{prefix}.gap_parameters"), $"{prefix}_gaps");
        string increments = graph.AddNode("Concat", $"{prefix}_increments", [first, gaps], $"{prefix}.increments", Onnx.OnnxGraphBuilder.IntAttribute("axis", 2));
        string thresholds = graph.AddNode("CumSum", $"{prefix}_thresholds", [increments, graph.AddInitializer($"{prefix}.threshold_axis", [2L])], $"{prefix}.thresholds");
        string above = graph.AddNode("Sub", $"{prefix}_above", [thresholds, location], $"{prefix}.above");

        // −softplus(−a) at levels 0..K − 2, −softplus(a) at levels 1..K − 1, ln(1 − e^{−Δ}) at levels 1..K − 2.
        string negated = graph.AddNode("Neg", $"{prefix}_negate_above", [above], $"{prefix}.negated_above");
        string upper = Pad(graph, graph.AddNode("Neg", $"{prefix}_upper", [Onnx.OnnxLikelihood.Softplus(graph, negated, $"{prefix}_upper")], $"{prefix}.upper_levels"), 0, 1, $"{prefix}.upper");
        string lower = Pad(graph, graph.AddNode("Neg", $"{prefix}_lower", [Onnx.OnnxLikelihood.Softplus(graph, above, $"{prefix}_lower")], $"{prefix}.lower_levels"), 1, 0, $"{prefix}.lower");
        string gap = Pad(graph, AddLogOneMinusExpNegative(graph, gaps, prefix), 1, 1, $"{prefix}.gap");
        string middle = graph.AddNode("Add", $"{prefix}_middle", [graph.AddNode("Add", $"{prefix}_upper_lower", [upper, lower], $"{prefix}.upper_lower"), gap], $"{prefix}.middle");

        // A slot's top level has only its lower term; the levels beyond it have no probability.
        bool[] present = new bool[Width * count], top = new bool[Width * count];
        for (int slot = 0; slot < Width; slot++)
        {
            for (int k = 0; k < LevelCounts[slot]; k++)
            {
                present[slot * count + k] = true;
            }

            top[slot * count + LevelCounts[slot] - 1] = true;
        }

        string atTop = graph.AddNode("Where", $"{prefix}_top", [AddBooleans(graph, top, $"{prefix}.top_levels"), lower, middle], $"{prefix}.with_top");
        return graph.AddNode("Where", $"{prefix}_present", [AddBooleans(graph, present, $"{prefix}.present_levels"), atTop, graph.Scalar("minus_infinity", float.NegativeInfinity)], $"{prefix}.log_probabilities");
    }

    /// <summary>ln(1 − e^{−Δ}) element-wise, as the trained model computes it: the series ln Δ − Δ/2 + Δ²/24 − Δ⁴/2880 below the limit, the direct form above.</summary>
    private static string AddLogOneMinusExpNegative(Onnx.OnnxGraphBuilder graph, string gaps, string prefix)
    {
        string limit = graph.Scalar("ordinal_series_limit", SeriesLimit);
        string small = graph.AddNode("Min", $"{prefix}_small_gap", [graph.AddNode("Max", $"{prefix}_positive_gap", [gaps, graph.Scalar("ordinal_smallest_gap", SmallestGap)], $"{prefix}.positive_gap"), limit], $"{prefix}.small_gap");
        string squared = graph.AddNode("Mul", $"{prefix}_gap_squared", [small, small], $"{prefix}.gap_squared");
        string quartic = graph.AddNode("Add", $"{prefix}_series_quartic", [graph.AddNode("Mul", $"{prefix}_series_quartic_term", [squared, graph.Scalar("minus_one_over_2880", (float)(-1.0 / 2880))], $"{prefix}.series_quartic_term"), graph.Scalar("one_over_24", (float)(1.0 / 24))], $"{prefix}.series_quartic");
        string polynomial = graph.AddNode("Add", $"{prefix}_series_polynomial", [graph.AddNode("Mul", $"{prefix}_series_cubic", [quartic, small], $"{prefix}.series_cubic"), graph.Scalar("minus_half", -0.5f)], $"{prefix}.series_polynomial");
        string series = graph.AddNode("Add", $"{prefix}_series", [graph.AddNode("Log", $"{prefix}_log_gap", [small], $"{prefix}.log_gap"), graph.AddNode("Mul", $"{prefix}_series_tail", [polynomial, small], $"{prefix}.series_tail")], $"{prefix}.series");
        string large = graph.AddNode("Max", $"{prefix}_large_gap", [gaps, limit], $"{prefix}.large_gap");
        string decay = graph.AddNode("Exp", $"{prefix}_gap_decay", [graph.AddNode("Neg", $"{prefix}_negative_gap", [large], $"{prefix}.negative_gap")], $"{prefix}.gap_decay");
        string direct = graph.AddNode("Log", $"{prefix}_direct", [graph.AddNode("Sub", $"{prefix}_one_minus_decay", [graph.Scalar("one", 1f), decay], $"{prefix}.one_minus_decay")], $"{prefix}.direct");
        string isSmall = graph.AddNode("Less", $"{prefix}_is_small_gap", [gaps, limit], $"{prefix}.is_small_gap");
        return graph.AddNode("Where", $"{prefix}_log_one_minus_decay", [isSmall, series, direct], $"{prefix}.log_one_minus_decay");
    }

    /// <summary>ln(e^a + e^b) element-wise as max(a, b) + ln(1 + e^{−|a − b|}), libtorch's logaddexp; a = −∞ gives b.</summary>
    private static string AddLogAddExp(Onnx.OnnxGraphBuilder graph, string a, string b, string prefix)
    {
        string larger = graph.AddNode("Max", $"{prefix}_larger", [a, b], $"{prefix}.larger");
        string distance = graph.AddNode("Abs", $"{prefix}_distance", [graph.AddNode("Sub", $"{prefix}_difference", [a, b], $"{prefix}.difference")], $"{prefix}.distance");
        string decay = graph.AddNode("Exp", $"{prefix}_decay", [graph.AddNode("Neg", $"{prefix}_negative_distance", [distance], $"{prefix}.negative_distance")], $"{prefix}.decay");
        return graph.AddNode("Add", $"{prefix}_log_add_exp", [larger, Onnx.OnnxLikelihood.Log1p(graph, decay, prefix)], $"{prefix}.log_add_exp");
    }

    /// <summary>Levels [<paramref name="start"/>, <paramref name="end"/>) of a value [N, slots, K].</summary>
    private static string SliceLevels(Onnx.OnnxGraphBuilder graph, string value, long start, long end, string output)
    {
        string prefix = output.Replace('.', '_');
        return graph.AddNode("Slice", $"{prefix}_slice", [value, graph.AddInitializer($"{output}.starts", [start], 1), graph.AddInitializer($"{output}.ends", [end], 1), graph.AddInitializer($"{output}.axes", [2L], 1)], output);
    }

    /// <summary>A value [N, slots, L] with <paramref name="before"/> zeros before and <paramref name="after"/> after along the levels.</summary>
    private static string Pad(Onnx.OnnxGraphBuilder graph, string value, long before, long after, string output) =>
        graph.AddNode("Pad", output.Replace('.', '_') + "_pad", [value, graph.AddInitializer($"{output}.pads", [0L, 0L, before, 0L, 0L, after], 6)], output);

    /// <summary>A bool [1, slots, K] initializer.</summary>
    private string AddBooleans(Onnx.OnnxGraphBuilder graph, bool[] values, string name) => graph.AddInitializer(name, values, 1, Width, PaddedCount);
}

/// <summary>A binary column, Boolean (never missing) or Single (0, 1, NaN); predicts the more probable outcome.</summary>
internal sealed class BinaryTableColumn : TableColumn
{
    public BinaryTableColumn(string name, int width, TableColumnType type)
        : base(name, TableColumnKind.Binary, type, width)
    {
        ThrowIfNotOneOf(name, type, TableColumnType.Boolean, TableColumnType.Single);
    }

    public override int NetworkWidth => Width;

    public override int HeadWidth => Width;

    internal override TableColumn Fuse(string name, IReadOnlyList<TableColumn> members) => new BinaryTableColumn(name, members.Sum(m => m.Width), Type);

    internal override string DescribeInput() => Type == TableColumnType.Boolean
        ? "Binary column (Boolean); never missing."
        : "Binary column: 0 or 1 as float, NaN for missing.";

    internal override ColumnValues AddNetworkInput(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        string values = Type == TableColumnType.Boolean ? graph.Cast(input, TensorProto.Types.DataType.Float, $"{prefix}.float") : input;
        string observed = graph.AddNode("Not", $"{prefix}_observed", [graph.AddNode("IsNaN", $"{prefix}_isnan", [values], $"{prefix}.isnan")], $"{prefix}.observed");
        string network = graph.AddNode("Where", $"{prefix}_fill", [observed, values, graph.Scalar("zero", 0f)], $"{prefix}.network_input");
        return new ColumnValues(network, graph.Cast(observed, TensorProto.Types.DataType.Float, $"{prefix}.observed_float"), observed, network);
    }

    /// <summary>Observed values other than 0 and 1 (a Single input); a Boolean input cannot break the rule.</summary>
    internal override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix)
    {
        if (Type == TableColumnType.Boolean)
        {
            return null;
        }

        string zero = graph.AddNode("Equal", $"{prefix}_invalid_zero", [values.Values, graph.Scalar("zero", 0f)], $"{prefix}.invalid_zero");
        string one = graph.AddNode("Equal", $"{prefix}_invalid_one", [values.Values, graph.Scalar("one", 1f)], $"{prefix}.invalid_one");
        string other = graph.AddNode("Not", $"{prefix}_invalid_other", [graph.AddNode("Or", $"{prefix}_invalid_binary", [zero, one], $"{prefix}.invalid_binary")], $"{prefix}.invalid_other");
        return AddObservedAnd(graph, values, other, prefix);
    }

    /// <summary>x·h − softplus(h) per cell, h the head's logit.</summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string product = graph.AddNode("Mul", $"{prefix}_ll_binary_product", [values.Values, head], $"{prefix}.ll_binary_product");
        string cells = graph.AddNode("Sub", $"{prefix}_ll_binary_cells", [product, Onnx.OnnxLikelihood.Softplus(graph, head, $"{prefix}_ll")], $"{prefix}.ll_binary_cells");
        return Onnx.OnnxLikelihood.ObservedRowSum(graph, cells, values.ObservedFloat, prefix);
    }

    /// <summary>The more probable outcome, decided on the logit (above 0 where the probability is above ½).</summary>
    internal override string AddPrediction(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string positive = graph.AddNode("Greater", $"{prefix}_positive", [head, graph.Scalar("zero", 0f)], $"{prefix}.positive");
        return Type == TableColumnType.Boolean ? positive : graph.Cast(positive, TensorProto.Types.DataType.Float, $"{prefix}.prediction");
    }

    internal override int SummaryWidth => Width;

    /// <summary>The probability of 1.</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix) =>
        graph.AddNode("Sigmoid", $"{prefix}_summary_sigmoid", [head], $"{prefix}.summary");

    /// <summary>The more probable outcome.</summary>
    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix)
    {
        string positive = graph.AddNode("Greater", $"{prefix}_decision_more_likely", [summary, graph.Scalar("half", 0.5f)], $"{prefix}.decision_more_likely");
        return Type == TableColumnType.Boolean ? positive : graph.Cast(positive, TensorProto.Types.DataType.Float, $"{prefix}.decision");
    }
}
