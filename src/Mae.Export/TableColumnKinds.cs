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
/// A categorical column read as an ML.NET key; predicts the most probable class's key. Several categorical columns fused into one
/// (<see cref="TableColumn.Fuse"/>) are one slot each, every slot one-hot over the largest class count K: slot s's class k is
/// network input and head output s·K + k, and the classes beyond a slot's own count are padding (never matched by a valid key,
/// and a head logit of −10⁹).
/// </summary>
internal sealed class CategoricalTableColumn : TableColumn
{
    private readonly int[] _classCounts;
    private readonly int _paddedCount;

    public CategoricalTableColumn(string name, int classCount)
        : this(name, [ValidClassCount(name, classCount)])
    {
    }

    private CategoricalTableColumn(string name, int[] classCounts)
        : base(name, TableColumnKind.Categorical, TableColumnType.Key, classCounts.Length)
    {
        _classCounts = classCounts;
        _paddedCount = classCounts.Max();
    }

    private static int ValidClassCount(string name, int classCount) => classCount >= 2
        ? classCount
        : throw new ArgumentOutOfRangeException(nameof(classCount), classCount,
            string.Create(CultureInfo.InvariantCulture, $"Column '{name}' is categorical with {classCount} classes; it needs at least 2."));

    /// <summary>The class count K (for a fused column, the largest of its slots').</summary>
    public override int ClassCount => _paddedCount;

    public override int NetworkWidth => Width * _paddedCount;

    public override int HeadWidth => Width * _paddedCount;

    internal override TableColumn Fuse(string name, IReadOnlyList<TableColumn> members) =>
        new CategoricalTableColumn(name, [.. members.SelectMany(m => ((CategoricalTableColumn)m)._classCounts)]);

    /// <summary>Slot-major, as the network input: [slot][class].</summary>
    internal override int HeadPosition(int slot, int parameter) => slot * _paddedCount + parameter;

    internal override string DescribeInput() => string.Create(CultureInfo.InvariantCulture,
        $"Categorical column: an ML.NET key 1..{_paddedCount} (class key − 1) as uint32, 0 for missing; one-hot encoded inside the model.");

    internal override ColumnValues AddNetworkInput(Onnx.OnnxGraphBuilder graph, string input, string prefix)
    {
        // Key k is class k − 1, so the missing key 0 becomes −1 and matches no class (keys up to 2^24 are exact as floats).
        string key = graph.Cast(input, TensorProto.Types.DataType.Float, $"{prefix}.key");
        string index = graph.AddNode("Sub", $"{prefix}_index", [key, graph.Scalar("one", 1f)], $"{prefix}.index");
        float[] classes = new float[_paddedCount];
        for (int k = 0; k < _paddedCount; k++)
        {
            classes[k] = k;
        }

        // [N, slots, 1] against [1, 1, K], then [N, slots·K].
        string column = graph.AddNode("Unsqueeze", $"{prefix}_index_column", [index, graph.AddInitializer($"{prefix}.index_axes", [2L], 1)], $"{prefix}.index_column");
        string isClass = graph.AddNode("Equal", $"{prefix}_equal", [column, graph.AddInitializer($"{prefix}.classes", classes, 1, 1, _paddedCount)], $"{prefix}.is_class");
        string oneHot = graph.AddNode("Reshape", $"{prefix}_one_hot_rows", [graph.Cast(isClass, TensorProto.Types.DataType.Float, $"{prefix}.one_hot"), graph.AddInitializer($"{prefix}.rows_shape", [0L, NetworkWidth], 2)],
            $"{prefix}.network_input");
        string observed = graph.AddNode("Greater", $"{prefix}_observed", [key, graph.Scalar("zero", 0f)], $"{prefix}.observed");
        return new ColumnValues(oneHot, graph.Cast(observed, TensorProto.Types.DataType.Float, $"{prefix}.observed_float"), observed, index);
    }

    /// <summary>Observed keys above their slot's count, which match no class of the slot.</summary>
    internal override string? AddInvalidCells(Onnx.OnnxGraphBuilder graph, ColumnValues values, string prefix)
    {
        float[] counts = [.. _classCounts.Select(k => (float)k)];
        string within = graph.AddNode("Less", $"{prefix}_invalid_within", [values.Values, graph.AddInitializer($"{prefix}.class_counts", counts, 1, Width)], $"{prefix}.invalid_within");
        return AddObservedAnd(graph, values, graph.AddNode("Not", $"{prefix}_invalid_above", [within], $"{prefix}.invalid_above"), prefix);
    }

    /// <summary>
    /// The observed class's log-softmax per slot: Σ one-hot · (logits − logsumexp(logits)) over the slot's classes, summed over the slots;
    /// a missing key's one-hot is all zeros, and a padding class's logit of −10⁹ adds nothing to the normaliser.
    /// </summary>
    internal override string AddLogLikelihood(Onnx.OnnxGraphBuilder graph, string head, ColumnValues values, string prefix)
    {
        string logits = AddSlotLogits(graph, head, $"{prefix}_ll");
        string normaliser = graph.AddNode("ReduceLogSumExp", $"{prefix}_ll_normaliser", [logits], $"{prefix}.ll_normaliser",
            Onnx.OnnxGraphBuilder.IntsAttribute("axes", [2L]), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 1));
        string logProbabilities = graph.AddNode("Sub", $"{prefix}_ll_log_softmax", [logits, normaliser], $"{prefix}.ll_log_softmax");
        string rows = graph.AddNode("Reshape", $"{prefix}_ll_rows", [logProbabilities, graph.AddInitializer($"{prefix}.ll_rows_shape", [0L, HeadWidth], 2)], $"{prefix}.ll_log_softmax_rows");
        string picked = graph.AddNode("Mul", $"{prefix}_ll_pick", [values.NetworkInput, rows], $"{prefix}.ll_picked");
        return graph.AddNode("ReduceSum", $"{prefix}_ll_row_sum", [picked, graph.AddInitializer($"{prefix}.ll_row_sum_axes", [1L], 1)],
            $"{prefix}.log_likelihood", Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 1));
    }

    internal override int SummaryWidth => HeadWidth;

    /// <summary>Each slot's class probabilities, [N, slots·K] (a padding class's logit of −10⁹ gives it 0).</summary>
    internal override string AddSummary(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string probabilities = graph.AddNode("Softmax", $"{prefix}_summary_softmax", [AddSlotLogits(graph, head, $"{prefix}_summary")], $"{prefix}.summary_probabilities",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2));
        return graph.AddNode("Reshape", $"{prefix}_summary_rows", [probabilities, graph.AddInitializer($"{prefix}.summary_rows_shape", [0L, HeadWidth], 2)], $"{prefix}.summary");
    }

    /// <summary>Each slot's most probable class, as its key (class + 1).</summary>
    internal override string AddDecision(Onnx.OnnxGraphBuilder graph, string summary, string prefix)
    {
        string index = graph.AddNode("ArgMax", $"{prefix}_decision_argmax", [AddSlotLogits(graph, summary, $"{prefix}_decision")], $"{prefix}.decision_argmax",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 0));
        string key = graph.AddNode("Add", $"{prefix}_decision_key", [index, graph.AddInitializer($"{prefix}.decision_one_int64", [1L])], $"{prefix}.decision_int64");
        return graph.Cast(key, TensorProto.Types.DataType.Uint32, $"{prefix}.decision");
    }

    /// <summary>The head [N, slots·K] as each slot's logits, [N, slots, K].</summary>
    private string AddSlotLogits(Onnx.OnnxGraphBuilder graph, string head, string prefix) =>
        graph.AddNode("Reshape", $"{prefix}_slot_logits", [head, graph.AddInitializer($"{prefix}.slots_shape", [0L, Width, _paddedCount], 3)], $"{prefix}.slot_logits");

    /// <summary>The most probable class's key, decided on the logits (the softmax keeps their order).</summary>
    internal override string AddPrediction(Onnx.OnnxGraphBuilder graph, string head, string prefix)
    {
        string logits = AddSlotLogits(graph, head, prefix);
        string index = graph.AddNode("ArgMax", $"{prefix}_argmax", [logits], $"{prefix}.argmax",
            Onnx.OnnxGraphBuilder.IntAttribute("axis", 2), Onnx.OnnxGraphBuilder.IntAttribute("keepdims", 0));
        string key = graph.AddNode("Add", $"{prefix}_key", [index, graph.AddInitializer($"{prefix}.one_int64", [1L])], $"{prefix}.prediction_int64");
        return graph.Cast(key, TensorProto.Types.DataType.Uint32, $"{prefix}.prediction");
    }
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
