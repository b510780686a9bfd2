using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>Builds the hidden trunk shared in shape by all three networks: Linear → activation, per hidden size.</summary>
internal static class Trunk
{
    public static Sequential Create(int inputSize, IReadOnlyList<int> hiddenSizes, HiddenActivation activation)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputSize;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            layers.Add(($"linear{i}", nn.Linear(width, hiddenSizes[i])));
            layers.Add(($"activation{i}", CreateActivation(activation)));
            width = hiddenSizes[i];
        }
        return nn.Sequential(layers);
    }

    /// <summary>The hidden linear layers of a trunk, in order.</summary>
    public static IEnumerable<Linear> LinearLayers(Sequential trunk) => trunk.children().OfType<Linear>();

    private static nn.Module<Tensor, Tensor> CreateActivation(HiddenActivation activation) => activation switch
    {
        HiddenActivation.Tanh => new FastTanh(),
        HiddenActivation.Relu => nn.ReLU(),
        HiddenActivation.Elu => new ScalarSafeElu(),
        HiddenActivation.Gelu => nn.GELU(),
        HiddenActivation.Silu => nn.SiLU(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}

/// <summary>
/// A diagonal Gaussian over z given an input: the trunk, then one linear head whose 2d outputs are
/// the mean (first d) and the log-variance (last d). Used for the encoder q(z|x) and the auxiliary r(z|x).
/// </summary>
internal sealed class GaussianNetwork : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict keys: keep them stable.
    private readonly Sequential trunk;
    private readonly Linear head;

    public GaussianNetwork(string name, int inputSize, int latentDimension, IReadOnlyList<int> hiddenSizes, HiddenActivation activation)
        : base(name)
    {
        LatentDimension = latentDimension;
        trunk = Trunk.Create(inputSize, hiddenSizes, activation);
        head = nn.Linear(hiddenSizes[^1], 2 * latentDimension);
        RegisterComponents();
    }

    public int LatentDimension { get; }

    public Sequential Hidden => trunk;

    public Linear Head => head;

    /// <summary>Returns [N, 2d]: mean then log-variance.</summary>
    public override Tensor forward(Tensor input) => head.forward(trunk.forward(input));

    /// <summary>log N(z; mean, exp(logVariance)) summed over the latent dimensions, for parameters [N, 2d] and z [N, d].</summary>
    public static Tensor LogDensity(Tensor z, Tensor parameters) => GaussianMath.DiagonalLogDensity(z, parameters);

    /// <summary>log r(z_s | input_k) for every pair: z [S, d], parameters [K, 2d] → [S, K].</summary>
    public static Tensor PairwiseLogDensity(Tensor z, Tensor parameters) => GaussianMath.PairwiseDiagonalLogDensity(z, parameters);
}

/// <summary>The decoder p(x|z): the trunk on z, then one linear head with the family's parameters.</summary>
internal sealed class DecoderNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential trunk;
    private readonly Linear head;

    public DecoderNetwork(string name, int latentDimension, int outputSize, IReadOnlyList<int> hiddenSizes, HiddenActivation activation)
        : base(name)
    {
        trunk = Trunk.Create(latentDimension, hiddenSizes, activation);
        head = nn.Linear(hiddenSizes[^1], outputSize);
        RegisterComponents();
    }

    public Sequential Hidden => trunk;

    public Linear Head => head;

    public override Tensor forward(Tensor z) => head.forward(trunk.forward(z));
}

/// <summary>
/// tanh(x) computed as 2·sigmoid(2x) − 1. The same function (to float rounding), but libtorch 2.10's CPU tanh kernel is
/// about 3.5× slower than this on a [1024, 64] batch (forward and backward 1.5× faster together), and the hidden
/// activations dominate the small networks' step time.
/// </summary>
internal sealed class FastTanh : nn.Module<Tensor, Tensor>
{
    public FastTanh()
        : base(nameof(FastTanh))
    {
    }

    public override Tensor forward(Tensor input)
    {
        using var twice = input.mul(Scalars.Two);
        using var sigmoid = twice.sigmoid();
        using var doubled = sigmoid.mul(Scalars.Two);
        return doubled.sub(Scalars.One);
    }
}

/// <summary>
/// Constants as libtorch scalars that live for the whole process. TorchSharp 0.107 passes a temporary Scalar's native
/// handle without keeping the object alive, so a garbage collection triggered by another thread can free it mid-call
/// (an abort with "Expected false to be true ... toFloat"). Every Scalar that training, diagnostics and encoding pass is
/// held in a field or a <c>using</c> variable; additions go through <see cref="TensorArithmetic"/>, ELU through
/// <see cref="ScalarSafeElu"/>, and softplus is written out (see <see cref="TensorArithmetic.Softplus"/>). The TorchSharp
/// members that create temporaries are compile errors in this project (RS0030, listed in BannedSymbols.txt).
/// </summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    public static readonly Scalar MinusHalf = (-0.5).ToScalar();
    public static readonly Scalar LogTwoPi = Math.Log(2 * Math.PI).ToScalar();
    public static readonly Scalar NaN = double.NaN.ToScalar();
}

internal static class GaussianMath
{
    public static readonly double LogTwoPi = Math.Log(2 * Math.PI);

    /// <summary>Element-wise log N(x; mean, exp(logVariance)).</summary>
    public static Tensor LogDensity(Tensor x, Tensor mean, Tensor logVariance)
    {
        var difference = x - mean;
        return logVariance.Plus(difference * difference * (-logVariance).exp()).Plus(Scalars.LogTwoPi).mul(Scalars.MinusHalf);
    }

    /// <summary>
    /// A reparameterised draw mean + exp(½·logVariance)·ε with ε ~ N(0, I) from <paramref name="generator"/>: gradients flow to both parameters.
    /// </summary>
    public static Tensor Sample(Tensor mean, Tensor logVariance, Generator generator) =>
        mean.Plus(logVariance.mul(Scalars.Half).exp() * randn(mean.shape, mean.dtype, generator: generator));

    /// <summary>
    /// The codes z_k = μ + σ·ε_k of every row for every one of the fixed draws <paramref name="noise"/> [K, d] (common random numbers),
    /// for posteriors <paramref name="mean"/> and <paramref name="logVariance"/> [m, d]: [K·m, d], draw k of row i at k·m + i.
    /// </summary>
    public static Tensor CodesOfDraws(Tensor mean, Tensor logVariance, Tensor noise)
    {
        long k = noise.shape[0], m = mean.shape[0];
        var standardDeviation = logVariance.mul(Scalars.Half).exp();
        return (mean.unsqueeze(0).Plus(standardDeviation.unsqueeze(0) * noise.unsqueeze(1))).reshape(k * m, mean.shape[1]);
    }

    /// <summary>Diagonal Gaussian log-density summed over dimensions: x [N, D], parameters [N, 2D] holding mean then log-variance → [N].</summary>
    public static Tensor DiagonalLogDensity(Tensor x, Tensor parameters)
    {
        var halves = parameters.chunk(2, 1);
        return LogDensity(x, halves[0], halves[1]).sum(1);
    }

    /// <summary>The same for every pair of a row of x [N, D] and a row of parameters [K, 2D] → [N, K].</summary>
    public static Tensor PairwiseDiagonalLogDensity(Tensor x, Tensor parameters)
    {
        var halves = parameters.chunk(2, 1);
        return LogDensity(x.unsqueeze(1), halves[0].unsqueeze(0), halves[1].unsqueeze(0)).sum(2);
    }

    /// <summary>
    /// <see cref="PairwiseDiagonalLogDensity"/> by two matrix products, −½[Σ_d(ln 2π + ln σ²_kd + μ²_kd/σ²_kd) + (x²)·(1/σ²_k) − 2x·(μ_k/σ²_k)],
    /// without the [N, K, D] intermediate: for large K. The expanded square loses precision in single floats when |x|/σ is large
    /// (about 1e-7·x²/σ² nats), so it suits codes whose posteriors are not much narrower than 0.01.
    /// </summary>
    public static Tensor PairwiseDiagonalLogDensityByProducts(Tensor x, Tensor parameters)
    {
        var halves = parameters.chunk(2, 1);
        var precision = (-halves[1]).exp();                                   // [K, D]
        var scaledMean = halves[0] * precision;                               // [K, D]
        var constant = halves[1].Plus(halves[0] * scaledMean).Plus(Scalars.LogTwoPi).sum(1);   // [K]
        var quadratic = (x * x).mm(precision.t()) - x.mm(scaledMean.t()).mul(Scalars.Two);     // [N, K]
        return quadratic.Plus(constant.unsqueeze(0)).mul(Scalars.MinusHalf);
    }

    /// <summary>Element-wise KL(N(mean, exp(logVariance)) ‖ N(0, 1)) = ½(mean² + σ² − ln σ² − 1).</summary>
    public static Tensor DivergenceFromStandardNormal(Tensor mean, Tensor logVariance) =>
        ((mean * mean).Plus(logVariance.exp()) - logVariance).sub(Scalars.One).mul(Scalars.Half);

    /// <summary>Differential entropy of N(0, I_d) in nats: d/2·ln(2πe).</summary>
    public static double PriorEntropy(int latentDimension) => 0.5 * latentDimension * (LogTwoPi + 1);
}

/// <summary>
/// Additions with an explicit, long-lived alpha: TorchSharp 0.107's <c>add(Tensor)</c>, <c>add(Scalar)</c> and the
/// <c>+</c> operator pass a temporary alpha Scalar of 1 (see <see cref="Scalars"/>). Subtraction has no alpha and is safe.
/// </summary>
internal static class TensorArithmetic
{
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, Scalars.One);

    public static Tensor Plus(this Tensor left, Scalar right) => left.add(right, Scalars.One);

    /// <summary>log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), stable for any x; TorchSharp's softplus passes temporary Scalars.</summary>
    public static Tensor Softplus(this Tensor x) => x.relu().Plus(x.abs().neg().exp().log1p());
}

/// <summary>ELU with α = 1 through long-lived Scalars (TorchSharp's <c>nn.ELU</c> passes temporary ones; see <see cref="Scalars"/>).</summary>
internal sealed class ScalarSafeElu : nn.Module<Tensor, Tensor>
{
    public ScalarSafeElu()
        : base(nameof(ScalarSafeElu))
    {
    }

    public override Tensor forward(Tensor input) => input.elu(Scalars.One, Scalars.One, Scalars.One);
}
