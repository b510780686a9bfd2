using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;

namespace Mae.Export.Onnx;

/// <summary>
/// Accumulates the nodes and initializers of one ONNX graph, keeping node and value names unique. The graph's
/// <see cref="Layout"/> sets the shapes of its inputs and outputs.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalars = [];

    public OnnxGraphBuilder(string name, OnnxTensorLayout layout)
    {
        _graph.Name = name;
        Layout = layout;
    }

    /// <summary>Gets whether inputs and outputs hold a batch of rows or one row.</summary>
    public OnnxTensorLayout Layout { get; }

    /// <summary>Gets or sets the graph's documentation.</summary>
    public string Documentation
    {
        get => _graph.DocString;
        set => _graph.DocString = value;
    }

    /// <summary>The shape of an input of <paramref name="width"/> values per row, for documentation: [batch, width] or [1, width].</summary>
    public string DescribeInput(int width) => Describe(InputDimensions(width));

    /// <summary>The shape of an output of <paramref name="width"/> values per row, for documentation: [batch, width] or [width].</summary>
    public string DescribeOutput(int width) => Describe(OutputDimensions(width));

    /// <summary>Declares a float graph input of <paramref name="width"/> values per row.</summary>
    public string AddInput(string name, int width, string documentation) =>
        AddInput(name, width, TensorProto.Types.DataType.Float, documentation);

    /// <summary>
    /// Declares a graph input of the given element type and <paramref name="width"/> values per row: shape
    /// [batch, width], or [1, width] for one row.
    /// </summary>
    public string AddInput(string name, int width, TensorProto.Types.DataType elementType, string documentation)
    {
        Claim(name);
        _graph.Input.Add(CreateInfo(name, InputDimensions(width), elementType, documentation));
        return name;
    }

    /// <summary>
    /// Declares an existing value as a float graph output of <paramref name="width"/> values per row: shape
    /// [batch, width], or [width] for one row.
    /// </summary>
    public void AddOutput(string name, int width, string documentation) =>
        AddOutput(name, width, TensorProto.Types.DataType.Float, documentation);

    /// <summary>Declares an existing value as a graph output of the given element type; shapes as for a float output.</summary>
    public void AddOutput(string name, int width, TensorProto.Types.DataType elementType, string documentation)
    {
        if (!_valueNames.Contains(name))
        {
            throw new InvalidOperationException($"Graph output '{name}' is not produced by any node.");
        }

        _graph.Output.Add(CreateInfo(name, OutputDimensions(width), elementType, documentation));
    }

    /// <summary>Adds a Cast of <paramref name="input"/> to <paramref name="to"/>, named <paramref name="output"/> (the node is named after it).</summary>
    public string Cast(string input, TensorProto.Types.DataType to, string output) =>
        AddNode("Cast", output.Replace('.', '_') + "_cast", [input], output, IntAttribute("to", (long)to));

    /// <summary>Adds a Slice of columns [<paramref name="start"/>, <paramref name="end"/>) of a [rows, width] value.</summary>
    public string Slice(string input, long start, long end, string output)
    {
        string prefix = output.Replace('.', '_');
        string starts = AddInitializer($"{output}.starts", [start], 1);
        string ends = AddInitializer($"{output}.ends", [end], 1);
        string axes = AddInitializer($"{output}.axes", [1L], 1);
        return AddNode("Slice", $"{prefix}_slice", [input, starts, ends, axes], output);
    }

    /// <summary>Adds a float initializer with the given shape and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dimensions)
    {
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        return AddInitializer(
            new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = UnsafeByteOperations.UnsafeWrap(raw) },
            dimensions);
    }

    /// <summary>Adds an int64 initializer with the given shape and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<long> values, params long[] dimensions)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.AddRange(values.ToArray());
        return AddInitializer(tensor, dimensions);
    }

    /// <summary>Adds a bool initializer with the given shape and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<bool> values, params long[] dimensions)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Bool };
        foreach (bool value in values)
        {
            tensor.Int32Data.Add(value ? 1 : 0);
        }

        return AddInitializer(tensor, dimensions);
    }

    /// <summary>Adds a string initializer with the given shape and returns its name.</summary>
    public string AddInitializer(string name, IReadOnlyList<string> values, params long[] dimensions)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.String };
        tensor.StringData.AddRange(values.Select(ByteString.CopyFromUtf8));
        return AddInitializer(tensor, dimensions);
    }

    /// <summary>Claims the tensor's name, gives it its shape and adds it to the graph's initializers.</summary>
    private string AddInitializer(TensorProto tensor, long[] dimensions)
    {
        Claim(tensor.Name);
        tensor.Dims.AddRange(dimensions);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Returns the name of a rank-0 float initializer holding <paramref name="value"/>, adding it on first use.</summary>
    public string Scalar(string name, float value)
    {
        if (!_scalars.TryGetValue(value, out string? existing))
        {
            existing = AddInitializer(name, [value]);
            _scalars.Add(value, existing);
        }

        return existing;
    }

    /// <summary>Adds a node of the default domain producing one output, and returns the output name.</summary>
    public string AddNode(string operatorType, string nodeName, string[] inputs, string output, params AttributeProto[] attributes) =>
        AddNode(string.Empty, operatorType, nodeName, inputs, output, attributes);

    /// <summary>Adds a node of the given operator domain producing one output, and returns the output name.</summary>
    public string AddNode(string domain, string operatorType, string nodeName, string[] inputs, string output, params AttributeProto[] attributes)
    {
        if (!_nodeNames.Add(nodeName))
        {
            throw new InvalidOperationException($"Node name '{nodeName}' is used twice.");
        }

        Claim(output);
        var node = new NodeProto { OpType = operatorType, Name = nodeName, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntsAttribute(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto StringsAttribute(string name, IEnumerable<string> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }

    public GraphProto Build() => _graph;

    private void Claim(string valueName)
    {
        if (!_valueNames.Add(valueName))
        {
            throw new InvalidOperationException($"Value name '{valueName}' is used twice.");
        }
    }

    /// <summary>An input is a batch of rows, [batch, width], or one row that keeps its leading dimension, [1, width].</summary>
    private TensorShapeProto.Types.Dimension[] InputDimensions(int width) => Layout == OnnxTensorLayout.Batch
        ? [new() { DimParam = OnnxModelFactory.BatchDimension }, new() { DimValue = width }]
        : [new() { DimValue = 1 }, new() { DimValue = width }];

    /// <summary>An output is a batch of rows, [batch, width], or one row as a vector, [width].</summary>
    private TensorShapeProto.Types.Dimension[] OutputDimensions(int width) => Layout == OnnxTensorLayout.Batch
        ? [new() { DimParam = OnnxModelFactory.BatchDimension }, new() { DimValue = width }]
        : [new() { DimValue = width }];

    private static string Describe(TensorShapeProto.Types.Dimension[] dimensions) =>
        "[" + string.Join(", ", dimensions.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(CultureInfo.InvariantCulture))) + "]";

    private static ValueInfoProto CreateInfo(
        string name, TensorShapeProto.Types.Dimension[] dimensions, TensorProto.Types.DataType elementType, string documentation)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dimensions);
        return new ValueInfoProto
        {
            Name = name,
            DocString = documentation,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape },
            },
        };
    }
}
