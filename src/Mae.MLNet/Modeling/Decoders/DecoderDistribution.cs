using System.Globalization;
using Mae.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>The three tensors of one information estimate Î_p − H(z) = E_{z~p(z), x~p(x|z)} log r(z|x).</summary>
/// <param name="DecoderSurrogate">A scalar whose value is the estimate and whose gradient with respect to the decoder is an estimate of the true gradient; carries no gradient to r, so that the decoder's loss and r's objective share one backward pass.</param>
/// <param name="AuxiliaryObjective">A scalar whose gradient with respect to r tightens the bound; carries no gradient to the decoder.</param>
internal readonly record struct InformationTerms(Tensor DecoderSurrogate, Tensor AuxiliaryObjective);

/// <summary>The sizes a decoder family builds its networks from.</summary>
/// <param name="FeatureCount">Values in a row of data (1, the class index, for the categorical family).</param>
/// <param name="LatentDimension">d, the width of z.</param>
/// <param name="HiddenSizes">Widths of the trunk's hidden layers on z.</param>
/// <param name="Activation">The trunk's nonlinearity.</param>
internal sealed record DecoderShape(int FeatureCount, int LatentDimension, IReadOnlyList<int> HiddenSizes, HiddenActivation Activation);

/// <summary>
/// A decoder family: the conditional distribution p(x|z) together with the network that parameterises it. Each family is one
/// class (see <see cref="DecoderFactory"/>, the only place that maps a <see cref="DecoderFamily"/> to a class), and everything
/// that depends on the family lives in it: the input rule, log p(x|z), the draw x ~ p(x|z) with its information-gradient
/// estimator, the pairwise log-likelihood of the diagnostics, exact I_p where it is computable, the parameters that
/// the model's <c>Decode</c> returns, and the ONNX description (or a refusal).
/// </summary>
/// <remarks>
/// Work goes in two stages, so that one decoder pass can serve the posterior samples and the prior draws of a training step:
/// <see cref="Condition"/> maps codes z [N, d] to a per-code tensor [N, C] (a factorized family's distribution parameters, an
/// autoregressive family's conditioning features), and every other member reads such rows. Rows of a condition tensor may be
/// narrowed or concatenated freely. The networks are built by <see cref="Build"/>, after the encoder, so that the seeded
/// initialisation draws in the same order for every family.
/// </remarks>
internal abstract class DecoderDistribution : nn.Module
{
    protected DecoderDistribution(string name, DecoderShape shape)
        : base(name)
    {
        Shape = shape;
    }

    public DecoderShape Shape { get; }

    public abstract DecoderFamily Family { get; }

    /// <summary>Values in a row of data: the features, or 1 (the class index) for the categorical family.</summary>
    public int RowWidth => Shape.FeatureCount;

    /// <summary>Width of what the encoder and r see (the one-hot width for the categorical family).</summary>
    public virtual int EncoderInputSize => Shape.FeatureCount;

    /// <summary>Features the information estimate draws per z (its noise grows with their square root); 0 where the expectation is exact.</summary>
    public virtual int DrawnFeatures => Shape.FeatureCount;

    /// <summary>Roughly the floats a decoder pass holds per code, to size the diagnostics' chunks.</summary>
    public abstract long ValuesPerCode { get; }

    /// <summary>Creates and registers the networks, in the caller's seeded initialisation; call once.</summary>
    public abstract void Build();

    /// <summary>The encoder's in-graph preprocessing in an ONNX export; <paramref name="keyInput"/> asks for ML.NET key values (categorical only).</summary>
    public virtual InputPreprocessing EncoderPreprocessing(bool keyInput) => InputPreprocessing.None;

    /// <summary>Turns a batch of rows [N, F] into network input.</summary>
    public virtual Tensor ToNetworkInput(Tensor rows) => rows;

    /// <summary>The per-code tensor [N, C] that the other members read, for codes z [N, d].</summary>
    public abstract Tensor Condition(Tensor z);

    /// <summary>log p(x|z) per row, [N], for conditions [N, C] and rows [N, F].</summary>
    public abstract Tensor LogLikelihood(Tensor condition, Tensor rows);

    /// <summary>log p(x_n | z_g) for every row n and every code g: conditions [G, C], rows [N, F] → [N, G].</summary>
    public abstract Tensor PairwiseLogLikelihood(Tensor condition, Tensor rows);

    /// <summary>Draws x ~ p(x|z) for the conditions of prior draws z [S, d] and builds the information terms with the family's gradient estimator.</summary>
    public abstract InformationTerms Information(Tensor condition, Tensor z, GaussianNetwork auxiliary, Generator generator);

    /// <summary>Exact I_p for a one-dimensional code by quadrature over z (and enumeration or quadrature over x), or <c>null</c> where the family has none.</summary>
    public virtual double? ExactInformation() => null;

    /// <summary>The distribution parameters p(x|z) for codes z [N, d] (what the model's <c>Decode</c> returns).</summary>
    /// <exception cref="NotSupportedException">The family has no per-code parameters (an autoregressive decoder's depend on x).</exception>
    public abstract DecoderOutput Parameters(Tensor z);

    /// <summary>The framework-neutral description that <see cref="OnnxExporter"/> writes.</summary>
    /// <exception cref="NotSupportedException">The family has no ONNX decoder export; the message says why.</exception>
    public abstract DecoderDescription Describe();

    /// <summary>The rule every input value must follow, as the end of an error message ("must be finite").</summary>
    public virtual string ValueRule => "must be finite";

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the row, feature, value and rule of the first value of <paramref name="rows"/>
    /// (<paramref name="featureCount"/> values per row) that breaks <see cref="ValueRule"/>.
    /// </summary>
    public virtual void ThrowIfInvalid(ReadOnlySpan<float> rows, int featureCount, Func<int, string> describeRow, string parameterName)
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

    /// <summary>Exact I_p of binary data by enumeration over all 2^F outcomes, for F ≤ <see cref="Quadrature.MaximumEnumeratedBits"/>; <c>null</c> above.</summary>
    protected double? EnumeratedBinaryInformation()
    {
        if (Shape.LatentDimension != 1 || Shape.FeatureCount > Quadrature.MaximumEnumeratedBits)
            return null;
        using var outcomes = Quadrature.BinaryOutcomes(Shape.FeatureCount);
        return Quadrature.EnumeratedInformation(this, outcomes);
    }

    /// <summary>The first index in [0, values.Length) whose value is not in [0, 1], or −1: the rule of the Bernoulli families.</summary>
    protected static int FindOutsideUnitInterval(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] >= 0 && values[i] <= 1))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// The score-function information terms of binary draws with a leave-one-out baseline over two draws per z. <paramref name="samples"/>
    /// holds both draws of every z (the first S rows, then the second S), <paramref name="logP"/> their log p(x|z) with the decoder's gradient.
    /// Unbiased; its variance grows with the number of drawn bits (the reward log r is a sum over them).
    /// </summary>
    protected static InformationTerms ScoreFunctionTerms(Tensor z, Tensor samples, Tensor logP, GaussianNetwork auxiliary)
    {
        var logR = GaussianNetwork.LogDensity(cat([z, z], 0), auxiliary.forward(samples)).view(2, -1);
        var score = LeaveOneOutScore(logR, logP);
        var auxiliaryObjective = logR.mean();
        return new InformationTerms(WithGradientOf(auxiliaryObjective, score), auxiliaryObjective);
    }

    /// <summary>
    /// The reparameterised information terms of continuous draws: r learns on detached samples, and the decoder's gradient is carried
    /// through <paramref name="samples"/> alone, as ∂E log r/∂x · x, so that none of it reaches r (which may be the encoder).
    /// </summary>
    protected static InformationTerms ReparameterisedTerms(Tensor z, Tensor samples, GaussianNetwork auxiliary)
    {
        var input = samples.detach().requires_grad_(is_grad_enabled());
        var auxiliaryObjective = GaussianNetwork.LogDensity(z, auxiliary.forward(input)).mean();
        if (!is_grad_enabled())
            return new InformationTerms(auxiliaryObjective, auxiliaryObjective);
        var decoderSurrogate = WithGradientOf(auxiliaryObjective, ReparameterisedCarrier(auxiliaryObjective, input, samples));
        return new InformationTerms(decoderSurrogate, auxiliaryObjective);
    }

    /// <summary>
    /// The score-function gradient carrier of draws taken twice per z with a leave-one-out baseline: ½·mean_s (R₁ − R₂)(∇log p₁ − ∇log p₂),
    /// for rewards log r and log-probabilities log p(x|z), each [2S] or [2, S] (the first S draws, then the second S). Unbiased.
    /// </summary>
    protected static Tensor LeaveOneOutScore(Tensor rewards, Tensor logProbability)
    {
        var pairs = logProbability.view(2, -1);
        var reward = rewards.view(2, -1);
        var advantage = (reward[0] - reward[1]).detach();
        return (advantage * (pairs[0] - pairs[1])).mean().mul(Scalars.Half);
    }

    /// <summary>
    /// The reparameterised gradient carrier ∂objective/∂x · x: <paramref name="detachedInput"/> is what r read (detached, requiring a
    /// gradient), <paramref name="samples"/> the same values carrying the decoder's gradient; none of it reaches r.
    /// </summary>
    protected static Tensor ReparameterisedCarrier(Tensor auxiliaryObjective, Tensor detachedInput, Tensor samples)
    {
        var slope = torch.autograd.grad([auxiliaryObjective], [detachedInput], retain_graph: true)[0].detach();
        return (slope * samples).sum();
    }
}
