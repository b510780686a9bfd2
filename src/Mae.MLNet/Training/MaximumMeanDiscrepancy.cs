using Mae.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>
/// The squared maximum mean discrepancy between two samples, with a sum of inverse multiquadric kernels
/// k(a, b) = c / (c + ‖a − b‖²) over scales c = s·2d (Tolstikhin et al., 2018). Unbiased: the diagonal terms are left out.
/// </summary>
internal sealed class MaximumMeanDiscrepancy : IDisposable
{
    private static readonly double[] ScaleFactors = [0.1, 0.2, 0.5, 1, 2, 5, 10];
    private readonly Scalar[] scales;

    public MaximumMeanDiscrepancy(int dimension) =>
        scales = ScaleFactors.Select(factor => (factor * 2 * dimension).ToScalar()).ToArray();

    /// <summary>MMD² between the rows of <paramref name="a"/> [n, d] and of <paramref name="b"/> [m, d]; n, m ≥ 2. Differentiable in both.</summary>
    public Tensor Squared(Tensor a, Tensor b)
    {
        long n = a.shape[0], m = b.shape[0];
        var all = cat([a, b], 0);
        var norms = (all * all).sum(1);
        var distances = (norms.unsqueeze(1).Plus(norms.unsqueeze(0)) - all.mm(all.t()).mul(Scalars.Two)).clamp_min(Scalars.Zero);
        Tensor? kernel = null;
        foreach (var scale in scales)
        {
            var term = distances.Plus(scale).reciprocal().mul(scale);
            kernel = kernel is null ? term : kernel.Plus(term);
        }
        // Every kernel is 1 on the diagonal, so each diagonal sums to (number of scales) × (sample size).
        double diagonal = scales.Length;
        var within = kernel!.narrow(0, 0, n).narrow(1, 0, n).sum();
        var withinB = kernel.narrow(0, n, m).narrow(1, n, m).sum();
        var across = kernel.narrow(0, 0, n).narrow(1, n, m).sum();
        using var withinScale = (1.0 / (n * (n - 1))).ToScalar();
        using var withinBScale = (1.0 / (m * (m - 1))).ToScalar();
        using var acrossScale = (-2.0 / (n * m)).ToScalar();
        using var constant = (-diagonal * n / (n * (n - 1.0)) - diagonal * m / (m * (m - 1.0))).ToScalar();
        return within.mul(withinScale).Plus(withinB.mul(withinBScale)).Plus(across.mul(acrossScale)).Plus(constant);
    }

    public void Dispose()
    {
        foreach (var scale in scales)
            scale.Dispose();
    }
}
