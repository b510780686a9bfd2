using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>The three networks of a Mutual Autoencoder: encoder q(z|x), decoder p(x|z) and auxiliary r(z|x).</summary>
internal sealed class MutualAutoencoderNetworks : nn.Module
{
    private readonly GaussianNetwork encoder;
    private readonly DecoderDistribution decoder;
    private readonly GaussianNetwork? auxiliary; // null when the encoder serves as r

    /// <summary>Creates the networks; when <paramref name="encoderServesAsAuxiliary"/> is true the encoder q(z|x) is also the r(z|x) of the information bound, and no separate auxiliary network exists.</summary>
    /// <remarks>The networks are created in a fixed order, encoder, decoder, auxiliary, so that a seed gives the same weights for every build of the same options.</remarks>
    public MutualAutoencoderNetworks(DecoderDistribution decoder, int latentDimension, IReadOnlyList<int> hiddenSizes, HiddenActivation activation, bool encoderServesAsAuxiliary = false)
        : base(nameof(MutualAutoencoderNetworks))
    {
        LatentDimension = latentDimension;
        encoder = new GaussianNetwork(nameof(encoder), decoder.EncoderInputSize, latentDimension, hiddenSizes, activation);
        decoder.Build();
        this.decoder = decoder;
        if (!encoderServesAsAuxiliary)
            auxiliary = new GaussianNetwork(nameof(auxiliary), decoder.EncoderInputSize, latentDimension, hiddenSizes, activation);
        RegisterComponents();
    }

    /// <summary>The networks of <paramref name="settings"/> for rows of <paramref name="featureCount"/> values, initialised from the default generator.</summary>
    public static MutualAutoencoderNetworks Create(NetworkSettings settings, int featureCount) =>
        Create(settings, DecoderFactory.Create(settings, featureCount));

    /// <summary>The networks of <paramref name="settings"/> around <paramref name="decoder"/>, not yet built, initialised from the default generator.</summary>
    public static MutualAutoencoderNetworks Create(NetworkSettings settings, DecoderDistribution decoder) =>
        new(decoder, settings.LatentDimension, settings.HiddenSizes, settings.Activation, settings.EncoderServesAsAuxiliary);

    /// <summary>Whether <see cref="Auxiliary"/> is the encoder itself.</summary>
    public bool EncoderServesAsAuxiliary => auxiliary is null;

    public int LatentDimension { get; }

    public GaussianNetwork Encoder => encoder;

    /// <summary>The decoder family's distribution p(x|z) and its networks.</summary>
    public DecoderDistribution Decoder => decoder;

    public GaussianNetwork Auxiliary => auxiliary ?? encoder;

    /// <summary>Parameters θ of the generative model and the encoder.</summary>
    public IEnumerable<Parameter> ModelParameters() => encoder.parameters().Concat(decoder.parameters());

    /// <summary>Parameters ω of the auxiliary network; none when the encoder serves as r (its parameters are the model's).</summary>
    public IEnumerable<Parameter> AuxiliaryParameters() => auxiliary?.parameters() ?? [];
}
