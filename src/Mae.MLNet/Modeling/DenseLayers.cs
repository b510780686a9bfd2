using Mae.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>Trained TorchSharp linear layers as the framework-neutral layers of an ONNX description (<see cref="DenseLayer"/>).</summary>
internal static class DenseLayers
{
    /// <summary>The hidden linear layers of a trunk as export layers.</summary>
    public static List<DenseLayer> Hidden(Sequential trunk) => Trunk.LinearLayers(trunk).Select(l => SplitRows(l, 1)[0]).ToList();

    /// <summary>Cuts a linear layer's outputs into <paramref name="parts"/> equal layers (the Gaussian heads hold mean then log-variance).</summary>
    public static DenseLayer[] SplitRows(Linear layer, int parts)
    {
        using var scope = NewDisposeScope();
        var weight = layer.weight!.detach().contiguous().data<float>().ToArray();
        var bias = layer.bias!.detach().contiguous().data<float>().ToArray();
        int outputs = (int)layer.weight.shape[0] / parts, inputs = (int)layer.weight.shape[1];
        return Enumerable.Range(0, parts)
            .Select(p => new DenseLayer(inputs, outputs, weight.AsSpan(p * outputs * inputs, outputs * inputs), bias.AsSpan(p * outputs, outputs)))
            .ToArray();
    }
}
