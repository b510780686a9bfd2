using System.Globalization;
using Mae.Export.Onnx;

namespace Mae.Export;

/// <summary>
/// One column of a table model's ONNX graph: its graph input, how the graph turns it into network input and an
/// observed-cell mask, and how it predicts the column's missing cells from its slice of the decoder's head.
/// </summary>
/// <remarks>
/// Create instances with <see cref="Real"/>, <see cref="Positive"/>, <see cref="Count"/>, <see cref="Categorical"/>,
/// <see cref="Ordinal"/> or <see cref="Binary"/>. Each kind is one class; the factories validate their arguments, so an instance always describes
/// a column that can be exported. Instances are immutable.
/// <para>
/// A missing cell is NaN in a <see cref="TableColumnType.Single"/> or <see cref="TableColumnType.Double"/> input and key 0
/// in a <see cref="TableColumnType.Key"/> input (ML.NET's conventions). A <see cref="TableColumnType.Boolean"/> input has
/// no missing cells.
/// </para>
/// </remarks>
public abstract class TableColumn
{
    private protected TableColumn(string name, TableColumnKind kind, TableColumnType type, int width)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width,
                string.Create(CultureInfo.InvariantCulture, $"Column '{name}' must hold at least one value a row; got {width}."));
        }

        Name = name;
        Kind = kind;
        Type = type;
        Width = width;
    }

    /// <summary>Gets the column's name, which is also the name of its graph input.</summary>
    public string Name { get; }

    /// <summary>Gets the column's kind: its likelihood and its network input.</summary>
    public TableColumnKind Kind { get; }

    /// <summary>Gets the element type of the column's graph input.</summary>
    public TableColumnType Type { get; }

    /// <summary>Gets the number of values the column holds per row (1 for a categorical column).</summary>
    public int Width { get; }

    /// <summary>Gets the number of classes or levels K of a categorical or ordinal column; 0 for the other kinds.</summary>
    public virtual int ClassCount => 0;

    /// <summary>Gets the per-slot location a numeric column standardises with; empty for the other kinds.</summary>
    public virtual ReadOnlyMemory<float> Location => ReadOnlyMemory<float>.Empty;

    /// <summary>Gets the per-slot scale (a standard deviation) a numeric column standardises with; empty for the other kinds.</summary>
    public virtual ReadOnlyMemory<float> Scale => ReadOnlyMemory<float>.Empty;

    /// <summary>Gets the width of the column's part of the encoder's network input (the mask left out).</summary>
    public abstract int NetworkWidth { get; }

    /// <summary>Gets the number of decoder head outputs that hold the column's likelihood parameters.</summary>
    public abstract int HeadWidth { get; }

    /// <summary>Gets whether a cell of the column can be missing: NaN in a Single or Double input, key 0 (Booleans and integers have no missing value).</summary>
    public bool CanBeMissing => Type is TableColumnType.Single or TableColumnType.Double or TableColumnType.Key;

    /// <summary>
    /// Creates a real column: the network reads <c>(x − location) / scale</c> per slot, and the decoder's head holds the
    /// mean and log-variance of that standardised value; a missing cell is predicted as the mean.
    /// </summary>
    /// <param name="name">The column's name. Must not be empty.</param>
    /// <param name="location">Per-slot locations. Must be non-empty and finite.</param>
    /// <param name="scale">Per-slot scales, one per location. Must be finite and positive.</param>
    /// <param name="type"><see cref="TableColumnType.Single"/> (the default), <see cref="TableColumnType.Double"/> or an integer type (never missing).</param>
    /// <exception cref="ArgumentException">A length, value or type is out of range; the message names it.</exception>
    public static TableColumn Real(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale, TableColumnType type = TableColumnType.Single) =>
        new RealTableColumn(name, type, location, scale);

    /// <summary>
    /// Creates a positive column: like <see cref="Real"/> on ln x (a log-normal likelihood); a missing cell is predicted
    /// as the median, exp of the mean of ln x.
    /// </summary>
    /// <inheritdoc cref="Real"/>
    public static TableColumn Positive(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale, TableColumnType type = TableColumnType.Single) =>
        new PositiveTableColumn(name, type, location, scale);

    /// <summary>
    /// Creates a count column: the network reads <c>(ln(1 + x) − location) / scale</c>, and the decoder's head holds the
    /// log-means and then the log-dispersions of a negative binomial per slot; a missing cell is predicted as the mean.
    /// </summary>
    /// <inheritdoc cref="Real"/>
    public static TableColumn Count(string name, ReadOnlySpan<float> location, ReadOnlySpan<float> scale, TableColumnType type = TableColumnType.Single) =>
        new CountTableColumn(name, type, location, scale);

    /// <summary>
    /// Creates a categorical column read as an ML.NET key, uint32 [batch, 1]: key k in 1..K is class k − 1, which the
    /// network reads one-hot; key 0 is missing. The decoder's head holds K logits; a missing key is predicted as the most
    /// probable class's key.
    /// </summary>
    /// <param name="name">The column's name. Must not be empty.</param>
    /// <param name="classCount">The number of classes K, the key's count. Must be at least 2.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 2.</exception>
    public static TableColumn Categorical(string name, int classCount) => new CategoricalTableColumn(name, classCount);

    /// <summary>
    /// Creates an ordinal column read as an ML.NET key, uint32 [batch, 1]: key k in 1..K is level k − 1, in the levels' order, which
    /// the network reads as a thermometer code; key 0 is missing. The decoder's head holds a location and K − 1 threshold parameters
    /// of a cumulative-link likelihood; a missing key is predicted as the median level's key.
    /// </summary>
    /// <param name="name">The column's name. Must not be empty.</param>
    /// <param name="levelCount">The number of levels K, the key's count. Must be at least 2.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="levelCount"/> is below 2.</exception>
    public static TableColumn Ordinal(string name, int levelCount) => new OrdinalTableColumn(name, levelCount);

    /// <summary>
    /// Creates a binary column: a Boolean input (never missing) or a Single input holding 0, 1 or NaN. The decoder's head
    /// holds one logit per slot; a missing cell is predicted as the more probable outcome.
    /// </summary>
    /// <param name="name">The column's name. Must not be empty.</param>
    /// <param name="width">Values per row. Must be positive.</param>
    /// <param name="type"><see cref="TableColumnType.Boolean"/> (the default) or <see cref="TableColumnType.Single"/>.</param>
    /// <exception cref="ArgumentException">The width or type is out of range.</exception>
    public static TableColumn Binary(string name, int width = 1, TableColumnType type = TableColumnType.Boolean) =>
        new BinaryTableColumn(name, width, type);

    /// <summary>The ONNX element type of the column's graph input.</summary>
    internal TensorProto.Types.DataType ElementType => Type switch
    {
        TableColumnType.Double => TensorProto.Types.DataType.Double,
        TableColumnType.Key => TensorProto.Types.DataType.Uint32,
        TableColumnType.Boolean => TensorProto.Types.DataType.Bool,
        TableColumnType.SByte => TensorProto.Types.DataType.Int8,
        TableColumnType.Byte => TensorProto.Types.DataType.Uint8,
        TableColumnType.Int16 => TensorProto.Types.DataType.Int16,
        TableColumnType.UInt16 => TensorProto.Types.DataType.Uint16,
        TableColumnType.Int32 => TensorProto.Types.DataType.Int32,
        TableColumnType.UInt32 => TensorProto.Types.DataType.Uint32,
        TableColumnType.Int64 => TensorProto.Types.DataType.Int64,
        TableColumnType.UInt64 => TensorProto.Types.DataType.Uint64,
        _ => TensorProto.Types.DataType.Float,
    };

    /// <summary>The integer element types, which a numeric column may read and which are never missing.</summary>
    private protected static readonly TableColumnType[] IntegerTypes =
    [
        TableColumnType.SByte, TableColumnType.Byte, TableColumnType.Int16, TableColumnType.UInt16,
        TableColumnType.Int32, TableColumnType.UInt32, TableColumnType.Int64, TableColumnType.UInt64,
    ];

    /// <summary>A sentence for the graph input's documentation.</summary>
    internal abstract string DescribeInput();

    /// <summary>
    /// Adds the nodes that turn the graph input <paramref name="input"/> [N, Width] into the column's network input
    /// [N, <see cref="NetworkWidth"/>] (0 for a missing cell) and its observed mask, as a float [N, Width] and as a bool.
    /// </summary>
    internal abstract ColumnValues AddNetworkInput(OnnxGraphBuilder graph, string input, string prefix);

    /// <summary>
    /// Adds the nodes of log p(x|z) summed over each row's observed cells, [N, 1], from the column's head slice
    /// <paramref name="head"/> [N, <see cref="HeadWidth"/>] and its values from <see cref="AddNetworkInput"/>: the same figure, in
    /// nats and in the column's own units (Jacobian included), as the trained model's likelihood.
    /// </summary>
    internal abstract string AddLogLikelihood(OnnxGraphBuilder graph, string head, ColumnValues values, string prefix);

    /// <summary>
    /// Adds the nodes that mark each observed cell that breaks the kind's value rule (an infinite value, a value ≤ 0 in a positive
    /// column, a negative or fractional count, a binary value other than 0 and 1, a key above the count), bool [N, <see cref="Width"/>]
    /// or [N, 1]; returns <see langword="null"/> when no value of the input type can break it.
    /// </summary>
    internal abstract string? AddInvalidCells(OnnxGraphBuilder graph, ColumnValues values, string prefix);

    /// <summary>
    /// Adds the nodes that predict every cell from the column's head slice <paramref name="head"/> [N, <see cref="HeadWidth"/>],
    /// in the input's element type, and returns the prediction's name.
    /// </summary>
    /// <remarks>The decision on the summary, as the trained model predicts; a kind may decide on the head directly where that is the same decision.</remarks>
    internal virtual string AddPrediction(OnnxGraphBuilder graph, string head, string prefix) => AddDecision(graph, AddSummary(graph, head, prefix), prefix);

    /// <summary>Width per row of <see cref="AddSummary"/>'s output.</summary>
    internal abstract int SummaryWidth { get; }

    /// <summary>
    /// Adds the nodes of the per-cell quantities of p(x|z) that a prediction averages over codes, [N, <see cref="SummaryWidth"/>] from
    /// the head slice <paramref name="head"/> [N, <see cref="HeadWidth"/>]: the mean of the standardised value (real, positive), the
    /// rate (count), the class probabilities slot by slot (categorical), the probability of 1 (binary); the trained model's summary.
    /// </summary>
    internal abstract string AddSummary(OnnxGraphBuilder graph, string head, string prefix);

    /// <summary>
    /// Adds the nodes that predict every cell, in the input's element type, from a (possibly averaged) summary [N, <see cref="SummaryWidth"/>]:
    /// the trained model's decision (the value at the mean, the most probable class or outcome).
    /// </summary>
    internal abstract string AddDecision(OnnxGraphBuilder graph, string summary, string prefix);

    /// <summary>
    /// The columns <paramref name="members"/> (this one first, every one of this kind and input type) as one column whose slots are
    /// the members' slots in order, which the graph reads with one set of nodes: the saved pipeline runs the graph once per row,
    /// and a row costs what its nodes cost, whatever their width. Member m's network input q of its slot s is the fused column's
    /// <see cref="NetworkPosition"/>(offset_m + s, q), and likewise for the head with <see cref="HeadPosition"/>; a fused column may
    /// hold positions that no member fills (a categorical column's classes beyond a member's count), which the graph pads.
    /// </summary>
    internal abstract TableColumn Fuse(string name, IReadOnlyList<TableColumn> members);

    /// <summary>Network inputs per slot: <see cref="NetworkWidth"/> / <see cref="Width"/> (for a fused categorical column, its padded class count).</summary>
    internal int NetworkInputsPerSlot => NetworkWidth / Width;

    /// <summary>Head outputs per slot: <see cref="HeadWidth"/> / <see cref="Width"/>.</summary>
    internal int HeadOutputsPerSlot => HeadWidth / Width;

    /// <summary>Where the network input holds input <paramref name="input"/> of slot <paramref name="slot"/>: slot-major, [slot][input].</summary>
    internal int NetworkPosition(int slot, int input) => slot * NetworkInputsPerSlot + input;

    /// <summary>Where the head holds parameter <paramref name="parameter"/> of slot <paramref name="slot"/>: parameter-major, [parameter][slot], unless the kind says otherwise.</summary>
    internal virtual int HeadPosition(int slot, int parameter) => parameter * Width + slot;

    /// <summary>The cells marked by <paramref name="broken"/> among the observed ones.</summary>
    private protected static string AddObservedAnd(OnnxGraphBuilder graph, ColumnValues values, string broken, string prefix) =>
        graph.AddNode("And", $"{prefix}_invalid_observed", [values.ObservedBool, broken], $"{prefix}.invalid_cells");

    private protected static void ThrowIfNotOneOf(string name, TableColumnType type, params TableColumnType[] allowed)
    {
        if (Array.IndexOf(allowed, type) < 0)
        {
            throw new ArgumentException(
                $"Column '{name}' cannot read {type} values; expected {string.Join(" or ", allowed)}.", nameof(type));
        }
    }
}

/// <summary>
/// The names of a column's network input, its observed mask (float and bool) and its values as float with 0 in each missing cell
/// (for a categorical column, the class index, key − 1, which is −1 for a missing key) in a graph.
/// </summary>
internal readonly record struct ColumnValues(string NetworkInput, string ObservedFloat, string ObservedBool, string Values);
