using System.Buffers.Binary;
using Google.Protobuf;

namespace Mae.Export.Onnx;

/// <summary>
/// Accumulates the nodes and initializers of one ONNX graph, keeping node and value names unique.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalars = [];

    public OnnxGraphBuilder(string name, string documentation)
    {
        _graph.Name = name;
        _graph.DocString = documentation;
    }

    /// <summary>Declares a float graph input of shape [batch, <paramref name="width"/>].</summary>
    public string AddInput(string name, int width, string documentation) =>
        AddInput(name, width, TensorProto.Types.DataType.Float, documentation);

    /// <summary>Declares a graph input of the given element type and shape [batch, <paramref name="width"/>].</summary>
    public string AddInput(string name, int width, TensorProto.Types.DataType elementType, string documentation)
    {
        Claim(name);
        _graph.Input.Add(CreateBatchMatrixInfo(name, width, elementType, documentation));
        return name;
    }

    /// <summary>Declares an existing value as a float graph output of shape [batch, <paramref name="width"/>].</summary>
    public void AddOutput(string name, int width, string documentation)
    {
        if (!_valueNames.Contains(name))
        {
            throw new InvalidOperationException($"Graph output '{name}' is not produced by any node.");
        }

        _graph.Output.Add(CreateBatchMatrixInfo(name, width, TensorProto.Types.DataType.Float, documentation));
    }

    /// <summary>Adds a float initializer with the given shape and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dimensions)
    {
        Claim(name);
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = UnsafeByteOperations.UnsafeWrap(raw),
        };
        tensor.Dims.AddRange(dimensions);
        _graph.Initializer.Add(tensor);
        return name;
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
    public string AddNode(string operatorType, string nodeName, string[] inputs, string output, params AttributeProto[] attributes)
    {
        if (!_nodeNames.Add(nodeName))
        {
            throw new InvalidOperationException($"Node name '{nodeName}' is used twice.");
        }

        Claim(output);
        var node = new NodeProto { OpType = operatorType, Name = nodeName, Domain = string.Empty };
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

    public GraphProto Build() => _graph;

    private void Claim(string valueName)
    {
        if (!_valueNames.Add(valueName))
        {
            throw new InvalidOperationException($"Value name '{valueName}' is used twice.");
        }
    }

    private static ValueInfoProto CreateBatchMatrixInfo(
        string name, int width, TensorProto.Types.DataType elementType, string documentation)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxModelFactory.BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
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
