using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>The three networks of a Mutual Autoencoder: encoder q(z|x), decoder p(x|z) and auxiliary r(z|x).</summary>
internal sealed class MutualAutoencoderNetworks : nn.Module
{
    private readonly GaussianNetwork encoder;
    private readonly DecoderNetwork decoder;
    private readonly GaussianNetwork auxiliary;

    public MutualAutoencoderNetworks(DecoderLikelihood likelihood, int latentDimension, IReadOnlyList<int> hiddenSizes, HiddenActivation activation)
        : base(nameof(MutualAutoencoderNetworks))
    {
        Likelihood = likelihood;
        LatentDimension = latentDimension;
        encoder = new GaussianNetwork(nameof(encoder), likelihood.EncoderInputSize, latentDimension, hiddenSizes, activation);
        decoder = new DecoderNetwork(nameof(decoder), latentDimension, likelihood.DecoderOutputSize, hiddenSizes, activation);
        auxiliary = new GaussianNetwork(nameof(auxiliary), likelihood.EncoderInputSize, latentDimension, hiddenSizes, activation);
        RegisterComponents();
    }

    public DecoderLikelihood Likelihood { get; }

    public int LatentDimension { get; }

    public GaussianNetwork Encoder => encoder;

    public DecoderNetwork Decoder => decoder;

    public GaussianNetwork Auxiliary => auxiliary;

    /// <summary>Parameters θ of the generative model and the encoder.</summary>
    public IEnumerable<Parameter> ModelParameters() => encoder.parameters().Concat(decoder.parameters());

    /// <summary>Parameters ω of the auxiliary network.</summary>
    public IEnumerable<Parameter> AuxiliaryParameters() => auxiliary.parameters();
}
