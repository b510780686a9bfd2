using System.Globalization;

namespace Mae.Export;

/// <summary>
/// A trained Gaussian encoder: input preprocessing, a trunk of hidden layers each followed by
/// <see cref="Activation"/>, and two heads (mean and log-variance) reading the trunk's output.
/// </summary>
/// <remarks>
/// The exported model maps <see cref="OnnxTensorNames.Features"/> [batch, <see cref="InputWidth"/>] (uint32 for
/// <see cref="InputPreprocessingKind.KeyOneHot"/>, float otherwise) to
/// <see cref="OnnxTensorNames.Mean"/> [batch, <see cref="LatentDimension"/>], and optionally
/// <see cref="OnnxTensorNames.LogVariance"/>. The constructor validates the whole network, so an
/// instance always describes a network that can be exported. Instances are immutable.
/// </remarks>
public sealed class EncoderDescription
{
    private readonly DenseLayer[] _hiddenLayers;

    /// <summary>Creates an encoder description.</summary>
    /// <param name="preprocessing">The preprocessing applied to the raw input inside the graph.</param>
    /// <param name="hiddenLayers">
    /// The trunk, in order. May be empty (a linear encoder). Each layer's input size must equal the
    /// previous layer's output size; the first must read the preprocessing output (when it has a known width).
    /// </param>
    /// <param name="activation">The activation after every hidden layer.</param>
    /// <param name="meanHead">The head computing the posterior mean from the trunk output.</param>
    /// <param name="logVarianceHead">
    /// The head computing the posterior log-variance from the trunk output; same sizes as <paramref name="meanHead"/>.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// Layer sizes do not chain, the heads differ in size, or a weight or bias is NaN or infinite.
    /// </exception>
    public EncoderDescription(
        InputPreprocessing preprocessing,
        IEnumerable<DenseLayer> hiddenLayers,
        HiddenActivation activation,
        DenseLayer meanHead,
        DenseLayer logVarianceHead)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        NetworkValidation.ValidateActivation(activation);

        string inputDescription = preprocessing.Kind switch
        {
            InputPreprocessingKind.Standardization => "the number of standardized features",
            InputPreprocessingKind.OneHot or InputPreprocessingKind.KeyOneHot => "the one-hot class count",
            _ => "the input width",
        };
        (DenseLayer[] layers, int? trunkWidth) = NetworkValidation.ValidateTrunk(
            "Encoder", hiddenLayers, preprocessing.OutputWidth, inputDescription);
        string trunkDescription = NetworkValidation.DescribeTrunkOutput("Encoder", layers.Length, inputDescription);

        NetworkValidation.ValidateHead(meanHead, "Encoder mean head", trunkWidth, trunkDescription, nameof(meanHead));
        NetworkValidation.ValidateHead(logVarianceHead, "Encoder log-variance head", meanHead.InputSize,
            "the InputSize of the mean head", nameof(logVarianceHead));
        if (logVarianceHead.OutputSize != meanHead.OutputSize)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Encoder log-variance head has OutputSize {logVarianceHead.OutputSize}; expected {meanHead.OutputSize}, the OutputSize of the mean head (the latent dimension)."),
                nameof(logVarianceHead));
        }

        Preprocessing = preprocessing;
        _hiddenLayers = layers;
        Activation = activation;
        MeanHead = meanHead;
        LogVarianceHead = logVarianceHead;
        InputWidth = preprocessing.InputWidth ?? (layers.Length > 0 ? layers[0].InputSize : meanHead.InputSize);
    }

    /// <summary>Gets the preprocessing applied to the raw input.</summary>
    public InputPreprocessing Preprocessing { get; }

    /// <summary>Gets the hidden layers of the trunk, in order; may be empty.</summary>
    public IReadOnlyList<DenseLayer> HiddenLayers => _hiddenLayers;

    /// <summary>Gets the activation after every hidden layer.</summary>
    public HiddenActivation Activation { get; }

    /// <summary>Gets the head computing the posterior mean.</summary>
    public DenseLayer MeanHead { get; }

    /// <summary>Gets the head computing the posterior log-variance.</summary>
    public DenseLayer LogVarianceHead { get; }

    /// <summary>Gets the width of the raw model input: the feature count, or 1 for either one-hot kind.</summary>
    public int InputWidth { get; }

    /// <summary>Gets the latent dimension d, the output size of the heads.</summary>
    public int LatentDimension => MeanHead.OutputSize;
}
