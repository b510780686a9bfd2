using Mae.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015) with β = (0.9, 0.999), ε = 1e-8 and no weight decay: the same update as torch.optim.Adam.
/// Written here so that every Scalar handed to libtorch is held alive for the length of the call (see <see cref="Scalars"/>);
/// TorchSharp 0.107's own optimizer creates temporaries that a garbage collection on another thread can free mid-step.
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private static readonly Scalar Beta1Scalar = Beta1.ToScalar();
    private static readonly Scalar Beta2Scalar = Beta2.ToScalar();
    private static readonly Scalar OneMinusBeta1 = (1 - Beta1).ToScalar();
    private static readonly Scalar OneMinusBeta2 = (1 - Beta2).ToScalar();
    private static readonly Scalar EpsilonScalar = Epsilon.ToScalar();

    private readonly Parameter[] parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private long steps;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        this.parameters = parameters.ToArray();
        LearningRate = learningRate;
        using (no_grad())
        {
            firstMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
            secondMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        }
    }

    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        foreach (var parameter in parameters)
            parameter.grad = null;
    }

    public void Step()
    {
        steps++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, steps);
        double biasCorrection2 = 1 - Math.Pow(Beta2, steps);
        using var stepSize = (-LearningRate / biasCorrection1).ToScalar();
        using var correction = (1 / Math.Sqrt(biasCorrection2)).ToScalar();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            var gradient = parameters[i].grad;
            if (gradient is null)
                continue;
            firstMoments[i].mul_(Beta1Scalar).add_(gradient, OneMinusBeta1);
            secondMoments[i].mul_(Beta2Scalar).addcmul_(gradient, gradient, OneMinusBeta2);
            var denominator = secondMoments[i].sqrt().mul_(correction).add_(EpsilonScalar, Scalars.One);
            parameters[i].addcdiv_(firstMoments[i], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var moment in firstMoments.Concat(secondMoments))
            moment.Dispose();
    }
}
