using System.Globalization;

namespace Mae.Export;

/// <summary>Checks shared by <see cref="EncoderDescription"/> and <see cref="DecoderDescription"/>.</summary>
internal static class NetworkValidation
{
    /// <summary>
    /// Copies the hidden layers, checks that none is null, that each reads what the previous one writes
    /// (the first reads <paramref name="inputWidth"/> when known) and that all values are finite.
    /// </summary>
    /// <returns>The copied layers and the trunk's output width (null when the trunk is empty and <paramref name="inputWidth"/> is null).</returns>
    public static (DenseLayer[] Layers, int? OutputWidth) ValidateTrunk(
        string owner, IEnumerable<DenseLayer> hiddenLayers, int? inputWidth, string inputDescription)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        DenseLayer[] layers = hiddenLayers.ToArray();
        int? width = inputWidth;
        string widthSource = inputDescription;
        for (int i = 0; i < layers.Length; i++)
        {
            DenseLayer? layer = layers[i];
            string name = string.Create(CultureInfo.InvariantCulture, $"{owner} hiddenLayers[{i}]");
            if (layer is null)
            {
                throw new ArgumentException($"{name} is null.", nameof(hiddenLayers));
            }

            if (width is int expected && layer.InputSize != expected)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture,
                        $"{name} has InputSize {layer.InputSize}; expected {expected}, {widthSource}."),
                    nameof(hiddenLayers));
            }

            layer.ValidateFinite(name, nameof(hiddenLayers));
            width = layer.OutputSize;
            widthSource = $"the OutputSize of {name}";
        }

        return (layers, width);
    }

    /// <summary>Returns a description of where the trunk output width comes from, for messages about heads.</summary>
    public static string DescribeTrunkOutput(string owner, int layerCount, string inputDescription) =>
        layerCount == 0
            ? inputDescription
            : string.Create(CultureInfo.InvariantCulture, $"the OutputSize of {owner} hiddenLayers[{layerCount - 1}]");

    /// <summary>Checks that a head is not null, reads <paramref name="inputWidth"/> when known, and holds finite values.</summary>
    public static void ValidateHead(DenseLayer head, string headName, int? inputWidth, string inputDescription, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(head, parameterName);
        if (inputWidth is int expected && head.InputSize != expected)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"{headName} has InputSize {head.InputSize}; expected {expected}, {inputDescription}."),
                parameterName);
        }

        head.ValidateFinite(headName, parameterName);
    }

    public static void ValidateActivation(HiddenActivation activation)
    {
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Unknown hidden activation {(int)activation}.");
        }
    }
}
