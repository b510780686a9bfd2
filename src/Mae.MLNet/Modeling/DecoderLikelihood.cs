using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>The three tensors of one information estimate Î_p − H(z) = E_{z~p(z), x~p(x|z)} log r(z|x).</summary>
/// <param name="DecoderSurrogate">A scalar whose value is the estimate and whose gradient with respect to the decoder is an estimate of the true gradient; carries no gradient to r, so that the decoder's loss and r's objective share one backward pass.</param>
/// <param name="AuxiliaryObjective">A scalar whose gradient with respect to r tightens the bound; carries no gradient to the decoder.</param>
internal readonly record struct InformationTerms(Tensor DecoderSurrogate, Tensor AuxiliaryObjective);

/// <summary>What depends on the decoder family: encoder input, data log-likelihood and the information term's gradient estimator.</summary>
internal abstract class DecoderLikelihood
{
    public static DecoderLikelihood Create(DecoderFamily family, int featureCount, int numberOfClasses) => family switch
    {
        DecoderFamily.Gaussian => new GaussianLikelihood(featureCount),
        DecoderFamily.Categorical => new CategoricalLikelihood(numberOfClasses),
        DecoderFamily.Bernoulli => new BernoulliLikelihood(featureCount),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown decoder family."),
    };

    public abstract DecoderFamily Family { get; }

    /// <summary>Width of what the encoder and r see (the one-hot width for the categorical family).</summary>
    public abstract int EncoderInputSize { get; }

    /// <summary>Number of decoder outputs.</summary>
    public abstract int DecoderOutputSize { get; }

    /// <summary>Values in a row of data: the features, or 1 (the class index) for the categorical family.</summary>
    public abstract int RowWidth { get; }

    /// <summary>Features the information estimate draws per z (its noise grows with their square root); 0 where the expectation is exact.</summary>
    public abstract int DrawnFeatures { get; }

    /// <summary>Turns a batch of rows [N, F] into network input.</summary>
    public virtual Tensor ToNetworkInput(Tensor rows) => rows;

    /// <summary>log p(x|z) per row, [N], from decoder outputs [N, out] and rows [N, F].</summary>
    public abstract Tensor LogLikelihood(Tensor decoderOutput, Tensor rows);

    /// <summary>log p(x_n | z_g) for every row n and every decoded code g: decoder outputs [G, out], rows [N, F] → [N, G].</summary>
    public abstract Tensor PairwiseLogLikelihood(Tensor decoderOutput, Tensor rows);

    /// <summary>Builds the information terms from decoder outputs for prior draws z [S, d].</summary>
    public abstract InformationTerms Information(Tensor decoderOutput, Tensor z, GaussianNetwork auxiliary, Generator generator);

    /// <summary>The rule every input value must follow, as the end of an error message ("must be finite").</summary>
    public virtual string ValueRule => "must be finite";

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the row, feature, value and rule of the first value of <paramref name="rows"/>
    /// (<paramref name="featureCount"/> values per row) that breaks <see cref="ValueRule"/>.
    /// </summary>
    public void ThrowIfInvalid(ReadOnlySpan<float> rows, int featureCount, Func<int, string> describeRow, string parameterName)
    {
        int invalid = FindInvalid(rows);
        if (invalid >= 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"{describeRow(invalid / featureCount)}, feature {invalid % featureCount}: the value {rows[invalid]} {ValueRule} for the {Family} decoder."),
                parameterName);
        }
    }

    /// <summary>Index of the first value that breaks <see cref="ValueRule"/>, or −1. One tight loop per family: it runs on every batch.</summary>
    public virtual int FindInvalid(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }

    /// <summary>Keeps only the value part of a surrogate: value of <paramref name="estimate"/>, gradient of <paramref name="gradientCarrier"/>.</summary>
    internal static Tensor WithGradientOf(Tensor estimate, Tensor gradientCarrier) =>
        estimate.detach().Plus(gradientCarrier - gradientCarrier.detach());
}

/// <summary>Independent normals; the information gradient flows through reparameterised samples x = m + σ·ε.</summary>
internal sealed class GaussianLikelihood(int featureCount) : DecoderLikelihood
{
    public override DecoderFamily Family => DecoderFamily.Gaussian;

    public override int EncoderInputSize => featureCount;

    public override int DecoderOutputSize => 2 * featureCount;

    public override int DrawnFeatures => featureCount;

    public override int RowWidth => featureCount;

    public override Tensor LogLikelihood(Tensor decoderOutput, Tensor rows) => GaussianMath.DiagonalLogDensity(rows, decoderOutput);

    public override Tensor PairwiseLogLikelihood(Tensor decoderOutput, Tensor rows) => GaussianMath.PairwiseDiagonalLogDensity(rows, decoderOutput);

    public override InformationTerms Information(Tensor decoderOutput, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var halves = decoderOutput.chunk(2, 1);
        var samples = GaussianMath.Sample(halves[0], halves[1], generator);
        // One pass of r on detached samples: its parameters learn from the objective, and the decoder's gradient is carried
        // through the reparameterised samples alone, as ∂E log r/∂x · x, so that none of it reaches r (which may be the encoder).
        var input = samples.detach().requires_grad_(is_grad_enabled());
        var auxiliaryObjective = GaussianNetwork.LogDensity(z, auxiliary.forward(input)).mean();
        if (!is_grad_enabled())
            return new InformationTerms(auxiliaryObjective, auxiliaryObjective);
        var slope = torch.autograd.grad([auxiliaryObjective], [input], retain_graph: true)[0].detach();
        var decoderSurrogate = WithGradientOf(auxiliaryObjective, (slope * samples).sum());
        return new InformationTerms(decoderSurrogate, auxiliaryObjective);
    }
}

/// <summary>K classes; the expectation over x is exact: Σ_k p(k|z)·log r(z|k).</summary>
internal sealed class CategoricalLikelihood : DecoderLikelihood
{
    private readonly int numberOfClasses;
    private Tensor? identity;

    public CategoricalLikelihood(int numberOfClasses) => this.numberOfClasses = numberOfClasses;

    public override DecoderFamily Family => DecoderFamily.Categorical;

    public override int EncoderInputSize => numberOfClasses;

    public override int DecoderOutputSize => numberOfClasses;

    public override int DrawnFeatures => 0;

    public override int RowWidth => 1;

    public override Tensor ToNetworkInput(Tensor rows) =>
        nn.functional.one_hot(rows.squeeze(1).to_type(ScalarType.Int64), numberOfClasses).to_type(ScalarType.Float32);

    public override Tensor LogLikelihood(Tensor decoderOutput, Tensor rows) =>
        LogSoftmax(decoderOutput).gather(1, rows.to_type(ScalarType.Int64)).squeeze(1);

    public override Tensor PairwiseLogLikelihood(Tensor decoderOutput, Tensor rows) =>
        LogSoftmax(decoderOutput).t().index_select(0, rows.squeeze(1).to_type(ScalarType.Int64));

    /// <summary>log_softmax over the classes as x − logsumexp(x): libtorch 2.10's CPU log_softmax and softmax kernels are about 4× slower for a handful of classes.</summary>
    private static Tensor LogSoftmax(Tensor logits) => logits - logits.logsumexp(1, keepdim: true);

    public override InformationTerms Information(Tensor decoderOutput, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var probabilities = LogSoftmax(decoderOutput).exp();
        var logR = GaussianNetwork.PairwiseLogDensity(z, auxiliary.forward(Identity(decoderOutput.device)));
        var decoderSurrogate = (probabilities * logR.detach()).sum(1).mean();
        var auxiliaryObjective = (probabilities.detach() * logR).sum(1).mean();
        return new InformationTerms(decoderSurrogate, auxiliaryObjective);
    }

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
}

/// <summary>
/// Independent Bernoulli per feature. The information gradient uses the score-function estimator with a
/// leave-one-out baseline over two samples per z: unbiased, at the cost of variance that grows with the
/// number of features. No relaxation is involved.
/// </summary>
internal sealed class BernoulliLikelihood(int featureCount) : DecoderLikelihood
{
    public override DecoderFamily Family => DecoderFamily.Bernoulli;

    public override int EncoderInputSize => featureCount;

    public override int DecoderOutputSize => featureCount;

    public override int DrawnFeatures => featureCount;

    public override int RowWidth => featureCount;

    public override Tensor LogLikelihood(Tensor decoderOutput, Tensor rows) =>
        (rows * decoderOutput - decoderOutput.Softplus()).sum(1);

    public override Tensor PairwiseLogLikelihood(Tensor decoderOutput, Tensor rows) =>
        rows.mm(decoderOutput.t()) - decoderOutput.Softplus().sum(1).unsqueeze(0);

    public override InformationTerms Information(Tensor decoderOutput, Tensor z, GaussianNetwork auxiliary, Generator generator)
    {
        var probabilities = decoderOutput.detach().sigmoid();
        // Comparing uniforms with the probabilities draws the same Bernoulli variables about 4× faster than libtorch's bernoulli().
        var doubled = cat([probabilities, probabilities], 0);
        var samples = (rand(doubled.shape, doubled.dtype, generator: generator) < doubled).to_type(ScalarType.Float32);
        var logR = GaussianNetwork.LogDensity(cat([z, z], 0), auxiliary.forward(samples)).view(2, -1);
        var logP = LogLikelihood(cat([decoderOutput, decoderOutput], 0), samples).view(2, -1);
        // Leave-one-out baseline: each sample's reward minus the other's.
        var advantage = (logR[0] - logR[1]).detach();
        var score = (advantage * (logP[0] - logP[1])).mean().mul(Scalars.Half);
        var auxiliaryObjective = logR.mean();
        return new InformationTerms(WithGradientOf(auxiliaryObjective, score), auxiliaryObjective);
    }

    public override string ValueRule => "must lie in [0, 1]";

    public override int FindInvalid(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] >= 0 && values[i] <= 1))
                return i;
        }
        return -1;
    }
}
