using System.Globalization;

namespace Mae.Export;

/// <summary>
/// A trained decoder: a trunk of hidden layers each followed by <see cref="Activation"/>, reading a latent
/// vector, and the output heads of its <see cref="Family"/>.
/// </summary>
/// <remarks>
/// Create instances with <see cref="Gaussian"/>, <see cref="Bernoulli"/> or <see cref="Categorical"/>; each
/// validates the whole network, so an instance always describes a network that can be exported.
/// The exported model reads <see cref="OnnxTensorNames.Latent"/> [batch, <see cref="LatentDimension"/>].
/// Instances are immutable.
/// </remarks>
public sealed class DecoderDescription
{
    private readonly DenseLayer[] _hiddenLayers;

    private DecoderDescription(
        DecoderFamily family, DenseLayer[] hiddenLayers, HiddenActivation activation,
        DenseLayer? meanHead, DenseLayer? logVarianceHead, DenseLayer? logitsHead)
    {
        Family = family;
        _hiddenLayers = hiddenLayers;
        Activation = activation;
        MeanHead = meanHead;
        LogVarianceHead = logVarianceHead;
        LogitsHead = logitsHead;
        DenseLayer firstHead = (meanHead ?? logitsHead)!;
        LatentDimension = hiddenLayers.Length > 0 ? hiddenLayers[0].InputSize : firstHead.InputSize;
        OutputWidth = firstHead.OutputSize;
    }

    /// <summary>Gets the likelihood family, which decides the heads and the exported outputs.</summary>
    public DecoderFamily Family { get; }

    /// <summary>Gets the hidden layers of the trunk, in order; may be empty.</summary>
    public IReadOnlyList<DenseLayer> HiddenLayers => _hiddenLayers;

    /// <summary>Gets the activation after every hidden layer.</summary>
    public HiddenActivation Activation { get; }

    /// <summary>Gets the mean head of a Gaussian decoder; <see langword="null"/> for other families.</summary>
    public DenseLayer? MeanHead { get; }

    /// <summary>Gets the log-variance head of a Gaussian decoder; <see langword="null"/> for other families.</summary>
    public DenseLayer? LogVarianceHead { get; }

    /// <summary>Gets the logits head of a Bernoulli or categorical decoder; <see langword="null"/> for a Gaussian decoder.</summary>
    public DenseLayer? LogitsHead { get; }

    /// <summary>Gets the latent dimension d, the width of the model input.</summary>
    public int LatentDimension { get; }

    /// <summary>Gets the width of every output: the number of features F, or of classes K for a categorical decoder.</summary>
    public int OutputWidth { get; }

    /// <summary>
    /// Creates a decoder with independent Gaussian outputs; the exported model outputs
    /// <see cref="OnnxTensorNames.Mean"/> and <see cref="OnnxTensorNames.LogVariance"/>, both [batch, F].
    /// </summary>
    /// <param name="hiddenLayers">The trunk, in order; may be empty. The first layer's input size is the latent dimension.</param>
    /// <param name="activation">The activation after every hidden layer.</param>
    /// <param name="meanHead">The head computing the mean from the trunk output.</param>
    /// <param name="logVarianceHead">The head computing the log-variance; same sizes as <paramref name="meanHead"/>.</param>
    /// <returns>The validated description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Layer sizes do not chain, the heads differ in size, or a value is not finite.</exception>
    public static DecoderDescription Gaussian(
        IEnumerable<DenseLayer> hiddenLayers, HiddenActivation activation, DenseLayer meanHead, DenseLayer logVarianceHead)
    {
        DenseLayer[] layers = ValidateTrunkAndHead(hiddenLayers, activation, meanHead, "Decoder mean head", nameof(meanHead));
        NetworkValidation.ValidateHead(logVarianceHead, "Decoder log-variance head", meanHead.InputSize,
            "the InputSize of the mean head", nameof(logVarianceHead));
        if (logVarianceHead.OutputSize != meanHead.OutputSize)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Decoder log-variance head has OutputSize {logVarianceHead.OutputSize}; expected {meanHead.OutputSize}, the OutputSize of the mean head."),
                nameof(logVarianceHead));
        }

        return new DecoderDescription(DecoderFamily.Gaussian, layers, activation, meanHead, logVarianceHead, null);
    }

    /// <summary>
    /// Creates a decoder with independent Bernoulli outputs; the exported model outputs
    /// <see cref="OnnxTensorNames.Logits"/> and <see cref="OnnxTensorNames.Probabilities"/> (sigmoid of the logits), both [batch, F].
    /// </summary>
    /// <param name="hiddenLayers">The trunk, in order; may be empty. The first layer's input size is the latent dimension.</param>
    /// <param name="activation">The activation after every hidden layer.</param>
    /// <param name="logitsHead">The head computing one logit per feature from the trunk output.</param>
    /// <returns>The validated description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Layer sizes do not chain, or a value is not finite.</exception>
    public static DecoderDescription Bernoulli(IEnumerable<DenseLayer> hiddenLayers, HiddenActivation activation, DenseLayer logitsHead)
    {
        DenseLayer[] layers = ValidateTrunkAndHead(hiddenLayers, activation, logitsHead, "Decoder logits head", nameof(logitsHead));
        return new DecoderDescription(DecoderFamily.Bernoulli, layers, activation, null, null, logitsHead);
    }

    /// <summary>
    /// Creates a decoder for one categorical variable over K classes; the exported model outputs
    /// <see cref="OnnxTensorNames.Logits"/> and <see cref="OnnxTensorNames.Probabilities"/> (softmax of the logits over
    /// the classes), both [batch, K].
    /// </summary>
    /// <param name="hiddenLayers">The trunk, in order; may be empty. The first layer's input size is the latent dimension.</param>
    /// <param name="activation">The activation after every hidden layer.</param>
    /// <param name="logitsHead">The head computing one logit per class; its output size K must be at least 2.</param>
    /// <returns>The validated description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Layer sizes do not chain, K is less than 2, or a value is not finite.</exception>
    public static DecoderDescription Categorical(IEnumerable<DenseLayer> hiddenLayers, HiddenActivation activation, DenseLayer logitsHead)
    {
        DenseLayer[] layers = ValidateTrunkAndHead(hiddenLayers, activation, logitsHead, "Decoder logits head", nameof(logitsHead));
        if (logitsHead.OutputSize < 2)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Categorical decoder logits head has OutputSize {logitsHead.OutputSize}; a categorical variable needs at least 2 classes."),
                nameof(logitsHead));
        }

        return new DecoderDescription(DecoderFamily.Categorical, layers, activation, null, null, logitsHead);
    }

    private static DenseLayer[] ValidateTrunkAndHead(
        IEnumerable<DenseLayer> hiddenLayers, HiddenActivation activation, DenseLayer head, string headName, string headParameterName)
    {
        NetworkValidation.ValidateActivation(activation);
        const string inputDescription = "the latent dimension";
        (DenseLayer[] layers, int? trunkWidth) = NetworkValidation.ValidateTrunk("Decoder", hiddenLayers, null, inputDescription);
        string trunkDescription = NetworkValidation.DescribeTrunkOutput("Decoder", layers.Length, inputDescription);
        NetworkValidation.ValidateHead(head, headName, trunkWidth, trunkDescription, headParameterName);
        return layers;
    }
}
