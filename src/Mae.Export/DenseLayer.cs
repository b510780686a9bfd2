using System.Globalization;

namespace Mae.Export;

/// <summary>
/// A fully connected layer <c>y = x W^T + b</c>, with the weight stored row-major as
/// [<see cref="OutputSize"/>, <see cref="InputSize"/>], the same layout as <c>torch.nn.Linear.weight</c>.
/// </summary>
/// <remarks>
/// The constructor copies the values, so the layer is immutable. It checks the shapes; whether every
/// value is finite is checked by <see cref="EncoderDescription"/> and <see cref="DecoderDescription"/>,
/// which can name the layer's role in their messages.
/// </remarks>
public sealed class DenseLayer
{
    private readonly float[] _weight;
    private readonly float[] _bias;

    /// <summary>
    /// Creates a fully connected layer from copies of <paramref name="weight"/> and <paramref name="bias"/>.
    /// </summary>
    /// <param name="inputSize">Number of inputs. Must be positive.</param>
    /// <param name="outputSize">Number of outputs. Must be positive.</param>
    /// <param name="weight">
    /// The weight, row-major [outputSize, inputSize]: element <c>[o, i]</c> is at <c>o * inputSize + i</c>.
    /// Must hold exactly <c>outputSize * inputSize</c> values.
    /// </param>
    /// <param name="bias">The bias. Must hold exactly <paramref name="outputSize"/> values.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentException">The weight or bias length does not match the sizes.</exception>
    public DenseLayer(int inputSize, int outputSize, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (inputSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"Input size must be positive; got {inputSize}.");
        }

        if (outputSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"Output size must be positive; got {outputSize}.");
        }

        long expectedWeightLength = (long)outputSize * inputSize;
        if (weight.Length != expectedWeightLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Weight has {weight.Length} values; expected OutputSize*InputSize = {outputSize}*{inputSize} = {expectedWeightLength}."),
                nameof(weight));
        }

        if (bias.Length != outputSize)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Bias has {bias.Length} values; expected OutputSize = {outputSize}."),
                nameof(bias));
        }

        InputSize = inputSize;
        OutputSize = outputSize;
        _weight = weight.ToArray();
        _bias = bias.ToArray();
    }

    /// <summary>Gets the number of inputs.</summary>
    public int InputSize { get; }

    /// <summary>Gets the number of outputs.</summary>
    public int OutputSize { get; }

    /// <summary>
    /// Gets the weight, row-major [<see cref="OutputSize"/>, <see cref="InputSize"/>]:
    /// element <c>[o, i]</c> is at <c>o * InputSize + i</c>.
    /// </summary>
    public ReadOnlyMemory<float> Weight => _weight;

    /// <summary>Gets the bias, one value per output.</summary>
    public ReadOnlyMemory<float> Bias => _bias;

    /// <summary>
    /// Throws if a weight or bias value is NaN or infinite, naming <paramref name="layerName"/> and the position.
    /// </summary>
    internal void ValidateFinite(string layerName, string parameterName)
    {
        for (int k = 0; k < _weight.Length; k++)
        {
            if (!float.IsFinite(_weight[k]))
            {
                int row = k / InputSize;
                int column = k % InputSize;
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture,
                        $"{layerName} weight[{row}, {column}] is {_weight[k]}; all weights must be finite."),
                    parameterName);
            }
        }

        for (int k = 0; k < _bias.Length; k++)
        {
            if (!float.IsFinite(_bias[k]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{layerName} bias[{k}] is {_bias[k]}; all biases must be finite."),
                    parameterName);
            }
        }
    }
}
