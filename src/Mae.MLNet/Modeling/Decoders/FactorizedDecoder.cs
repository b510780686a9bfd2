using Mae.Export;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>
/// A decoder whose features are independent given z: a trunk on z and one linear head that outputs the family's parameters
/// for every feature at once. The condition tensor is those parameters.
/// </summary>
internal abstract class FactorizedDecoder : DecoderDistribution
{
    // The field name is the state-dict key: keep it stable.
    private DecoderNetwork? network;

    protected FactorizedDecoder(DecoderShape shape)
        : base("decoder", shape)
    {
    }

    /// <summary>Number of head outputs.</summary>
    public abstract int OutputSize { get; }

    public override long ValuesPerCode => OutputSize;

    /// <summary>The trunk and head.</summary>
    public DecoderNetwork Network => network ?? throw new InvalidOperationException("The decoder's networks are not built yet.");

    public override void Build()
    {
        network = new DecoderNetwork(nameof(network), Shape.LatentDimension, OutputSize, Shape.HiddenSizes, Shape.Activation);
        register_module(nameof(network), network);
    }

    public override Tensor Condition(Tensor z) => Network.forward(z);

    /// <summary>The trunk's hidden layers as export layers.</summary>
    protected List<DenseLayer> HiddenLayers() => DenseLayers.Hidden(Network.Hidden);

    /// <summary>The head cut into <paramref name="parts"/> equal export layers.</summary>
    protected DenseLayer[] HeadLayers(int parts) => DenseLayers.SplitRows(Network.Head, parts);
}

/// <summary>Independent normals; the information gradient flows through reparameterised samples x = m + σ·ε.</summary>
internal sealed class GaussianDecoder(DecoderShape shape) : FactorizedDecoder(shape)
{
    public override DecoderFamily Family => DecoderFamily.Gaussian;

    public override int OutputSize => 2 * Shape.FeatureCount;

    public override Tensor LogLikelihood(Tensor condition, Tensor rows) => GaussianMath.DiagonalLogDensity(rows, condition);

    public override Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows) => GaussianMath.PairwiseDiagonalLogDensity(rows, condition);

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var halves = condition.chunk(2, 1);
        return ReparameterisedTerms(z, GaussianMath.Sample(halves[0], halves[1], generator), auxiliary);
    }

    public override double? ExactInformation() =>
        Shape.LatentDimension == 1 && Shape.FeatureCount == 1 ? Quadrature.GaussianInformation(this) : null;

    public override DecoderOutput Parameters(Tensor z)
    {
        var halves = Condition(z).chunk(2, 1);
        return new DecoderOutput(Family, (int)z.shape[0], Shape.FeatureCount,
            halves[0].contiguous().data<float>().ToArray(), halves[1].contiguous().data<float>().ToArray(), null);
    }

    public override DecoderDescription Describe()
    {
        var heads = HeadLayers(2);
        return DecoderDescription.Gaussian(HiddenLayers(), Shape.Activation, heads[0], heads[1]);
    }
}

/// <summary>K classes; the expectation over x is exact: Σ_k p(k|z)·log r(z|k).</summary>
internal sealed class CategoricalDecoder : FactorizedDecoder
{
    private readonly int numberOfClasses;
    private Tensor? identity;

    public CategoricalDecoder(DecoderShape shape, int numberOfClasses)
        : base(shape)
    {
        this.numberOfClasses = numberOfClasses;
    }

    public override DecoderFamily Family => DecoderFamily.Categorical;

    public override int OutputSize => numberOfClasses;

    public override int EncoderInputSize => numberOfClasses;

    public override int DrawnFeatures => 0;

    public override InputPreprocessing EncoderPreprocessing(bool keyInput) =>
        keyInput ? InputPreprocessing.KeyOneHot(numberOfClasses) : InputPreprocessing.OneHot(numberOfClasses);

    public override Tensor ToNetworkInput(Tensor rows) =>
        nn.functional.one_hot(rows.squeeze(1).to_type(ScalarType.Int64), numberOfClasses).to_type(ScalarType.Float32);

    public override Tensor LogLikelihood(Tensor condition, Tensor rows) =>
        LogSoftmax(condition).gather(1, rows.to_type(ScalarType.Int64)).squeeze(1);

    public override Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows) =>
        LogSoftmax(condition).t().index_select(0, rows.squeeze(1).to_type(ScalarType.Int64));

    /// <summary>log_softmax over the classes as x − logsumexp(x): libtorch 2.10's CPU log_softmax and softmax kernels are about 4× slower for a handful of classes.</summary>
    private static Tensor LogSoftmax(Tensor logits) => logits - logits.logsumexp(1, keepdim: true);

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var probabilities = LogSoftmax(condition).exp();
        var logR = GaussianNetwork.PairwiseLogDensity(z, auxiliary.forward(Identity(condition.device)));
        var decoderSurrogate = (probabilities * logR.detach()).sum(1).mean();
        var auxiliaryObjective = (probabilities.detach() * logR).sum(1).mean();
        return new InformationTerms(decoderSurrogate, auxiliaryObjective);
    }

    public override double? ExactInformation() => Shape.LatentDimension == 1 ? Quadrature.CategoricalInformation(this) : null;

    public override DecoderOutput Parameters(Tensor z) =>
        new(Family, (int)z.shape[0], numberOfClasses, null, null, Condition(z).softmax(1).data<float>().ToArray());

    public override DecoderDescription Describe() => DecoderDescription.Categorical(HiddenLayers(), Shape.Activation, HeadLayers(1)[0]);

    public override string ValueRule => $"must be a class index, a whole number in [0, {numberOfClasses})";

    public override int FindInvalid(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (!(value >= 0 && value < numberOfClasses && value == MathF.Floor(value)))
                return i;
        }
        return -1;
    }

    private Tensor Identity(Device device)
    {
        // Kept for the life of the model, outside any dispose scope.
        if (identity is null || identity.device_type != device.type || identity.device_index != device.index)
        {
            using var _ = NewDisposeScope();
            identity = eye(numberOfClasses, device: device).MoveToOuterDisposeScope();
            identity.DetachFromDisposeScope();
        }
        return identity;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            identity?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Independent Bernoulli per feature. The information gradient uses the score-function estimator with a
/// leave-one-out baseline over two samples per z: unbiased, at the cost of variance that grows with the
/// number of features. No relaxation is involved.
/// </summary>
internal sealed class BernoulliDecoder(DecoderShape shape) : FactorizedDecoder(shape)
{
    public override DecoderFamily Family => DecoderFamily.Bernoulli;

    public override int OutputSize => Shape.FeatureCount;

    public override Tensor LogLikelihood(Tensor condition, Tensor rows) => BernoulliMath.LogLikelihood(condition, rows);

    public override Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows) =>
        rows.mm(condition.t()) - condition.Softplus().sum(1).unsqueeze(0);

    public override InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var probabilities = condition.detach().sigmoid();
        var doubled = cat([probabilities, probabilities], 0);
        var samples = BernoulliMath.Draw(doubled, generator);
        return ScoreFunctionTerms(z, samples, LogLikelihood(cat([condition, condition], 0), samples), auxiliary);
    }

    public override double? ExactInformation() => EnumeratedBinaryInformation();

    public override DecoderOutput Parameters(Tensor z) =>
        new(Family, (int)z.shape[0], Shape.FeatureCount, null, null, Condition(z).sigmoid().data<float>().ToArray());

    public override DecoderDescription Describe() => DecoderDescription.Bernoulli(HiddenLayers(), Shape.Activation, HeadLayers(1)[0]);

    public override string ValueRule => "must lie in [0, 1]";

    public override int FindInvalid(ReadOnlySpan<float> values) => FindOutsideUnitInterval(values);
}

/// <summary>Bernoulli log-likelihoods and draws shared by the Bernoulli families.</summary>
internal static class BernoulliMath
{
    /// <summary>Σ_f [x_f·ℓ_f − softplus(ℓ_f)] over the last dimension, for logits ℓ and values x of the same shape.</summary>
    public static Tensor LogLikelihood(Tensor logits, Tensor rows) => (rows * logits - logits.Softplus()).sum(-1);

    /// <summary>Bernoulli draws of the given probabilities; comparing uniforms with them is about 4× faster than libtorch's bernoulli().</summary>
    public static Tensor Draw(Tensor probabilities, Generator generator) =>
        (rand(probabilities.shape, probabilities.dtype, generator: generator) < probabilities).to_type(ScalarType.Float32);
}
