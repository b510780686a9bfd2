using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>The three networks of a Mutual Autoencoder: encoder q(z|x), decoder p(x|z) and auxiliary r(z|x).</summary>
internal sealed class MutualAutoencoderNetworks : nn.Module
{
    private readonly GaussianNetwork encoder;
    private readonly DecoderNetwork decoder;
    private readonly GaussianNetwork? auxiliary; // null when the encoder serves as r

    /// <summary>Creates the networks; when <paramref name="encoderServesAsAuxiliary"/> is true the encoder q(z|x) is also the r(z|x) of the information bound, and no separate auxiliary network exists.</summary>
    public MutualAutoencoderNetworks(DecoderLikelihood likelihood, int latentDimension, IReadOnlyList<int> hiddenSizes, HiddenActivation activation, bool encoderServesAsAuxiliary = false)
        : base(nameof(MutualAutoencoderNetworks))
    {
        Likelihood = likelihood;
        LatentDimension = latentDimension;
        encoder = new GaussianNetwork(nameof(encoder), likelihood.EncoderInputSize, latentDimension, hiddenSizes, activation);
        decoder = new DecoderNetwork(nameof(decoder), latentDimension, likelihood.DecoderOutputSize, hiddenSizes, activation);
        if (!encoderServesAsAuxiliary)
            auxiliary = new GaussianNetwork(nameof(auxiliary), likelihood.EncoderInputSize, latentDimension, hiddenSizes, activation);
        RegisterComponents();
    }

    /// <summary>Whether <see cref="Auxiliary"/> is the encoder itself.</summary>
    public bool EncoderServesAsAuxiliary => auxiliary is null;

    public DecoderLikelihood Likelihood { get; }

    public int LatentDimension { get; }

    public GaussianNetwork Encoder => encoder;

    public DecoderNetwork Decoder => decoder;

    public GaussianNetwork Auxiliary => auxiliary ?? encoder;

    /// <summary>Parameters θ of the generative model and the encoder.</summary>
    public IEnumerable<Parameter> ModelParameters() => encoder.parameters().Concat(decoder.parameters());

    /// <summary>Parameters ω of the auxiliary network; none when the encoder serves as r (its parameters are the model's).</summary>
    public IEnumerable<Parameter> AuxiliaryParameters() => auxiliary?.parameters() ?? [];
}
