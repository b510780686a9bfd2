using static TorchSharp.torch;

namespace Mae.Modeling;

/// <summary>
/// Ground truth for a one-dimensional code: integrals over z ~ N(0, 1) on a fine uniform grid
/// (z in [−8, 8], spacing 0.01), with weights φ(z)·Δz normalised to sum to one.
/// </summary>
internal sealed class Quadrature
{
    public static readonly Quadrature Standard = new(-8, 8, 1601);

    private Quadrature(double low, double high, int count)
    {
        Nodes = new double[count];
        Weights = new double[count];
        double step = (high - low) / (count - 1);
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            Nodes[i] = low + i * step;
            Weights[i] = Math.Exp(-0.5 * Nodes[i] * Nodes[i]);
            sum += Weights[i];
        }
        for (int i = 0; i < count; i++)
            Weights[i] /= sum;
        LogWeights = Weights.Select(w => Math.Log(w)).ToArray();
    }

    public double[] Nodes { get; }

    public double[] Weights { get; }

    /// <summary>The natural logarithms of <see cref="Weights"/>, for sums over the grid in log space.</summary>
    public double[] LogWeights { get; }

    /// <summary>Decoder outputs at every node as a tensor [nodes, outputs], in the caller's dispose scope; call without gradients.</summary>
    public static Tensor DecodeNodes(DecoderDistribution decoder) =>
        decoder.Condition(tensor(Standard.Nodes.Select(v => (float)v).ToArray()).unsqueeze(1));

    /// <summary>Decoder outputs at every node, [nodes][outputs], in double precision.</summary>
    public static double[][] DecodeGrid(DecoderDistribution decoder)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = DecodeNodes(decoder).to_type(ScalarType.Float64);
        int width = (int)output.shape[1];
        var flat = output.data<double>().ToArray();
        return Enumerable.Range(0, Standard.Nodes.Length).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }

    /// <summary>The most binary features whose 2^F outcomes <see cref="EnumeratedInformation"/> is used for (4,096 outcomes).</summary>
    public const int MaximumEnumeratedBits = 12;

    /// <summary>Every x in {0, 1}^F as rows [2^F, F], feature f of outcome k being bit f of k.</summary>
    public static Tensor BinaryOutcomes(int featureCount)
    {
        int count = 1 << featureCount;
        var values = new float[count * featureCount];
        for (int k = 0; k < count; k++)
        {
            for (int f = 0; f < featureCount; f++)
                values[k * featureCount + f] = (k >> f) & 1;
        }
        return tensor(values, [count, featureCount]);
    }

    /// <summary>
    /// Exact I_p = Σ_g w_g Σ_x p(x|z_g) [log p(x|z_g) − log p(x)], with p(x) = Σ_g w_g p(x|z_g), by quadrature over z and
    /// enumeration over <paramref name="outcomes"/> ([X, F]), which must hold every value x can take (all of {0, 1}^F for
    /// binary data, every class for a categorical one). Any family that scores rows through its pairwise log-likelihood can use it.
    /// </summary>
    public static double EnumeratedInformation(DecoderDistribution decoder, Tensor outcomes)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logConditional = decoder.PairwiseLogLikelihood(DecodeNodes(decoder), outcomes).to_type(ScalarType.Float64); // [X, G]
        var logWeights = tensor(Standard.LogWeights, ScalarType.Float64);
        var logMarginal = logConditional.Plus(logWeights).logsumexp(1, keepdim: true);                                             // [X, 1]
        var terms = logConditional.exp() * (logConditional - logMarginal);                                                          // [X, G]
        var perNode = terms.sum(new long[] { 0 }); // not sum(0): a literal 0 binds to sum(ScalarType? type) as Byte
        return (perNode * tensor(Standard.Weights, ScalarType.Float64)).sum().item<double>();
    }

    /// <summary>The model marginal p(x = k) = ∫ p(z) p(k|z) dz for a categorical decoder.</summary>
    public static double[] CategoricalMarginal(DecoderDistribution decoder) =>
        CategoricalMarginal(CategoricalGrid(decoder));

    /// <summary>Exact I_p = H(x) − E_z H(x|z) for a categorical decoder.</summary>
    public static double CategoricalInformation(DecoderDistribution decoder)
    {
        var probabilities = CategoricalGrid(decoder);
        var marginal = CategoricalMarginal(probabilities);
        double conditionalEntropy = 0;
        for (int g = 0; g < probabilities.Length; g++)
            conditionalEntropy += Standard.Weights[g] * Entropy(probabilities[g]);
        return Entropy(marginal) - conditionalEntropy;
    }

    /// <summary>The model marginal density p(x) = ∫ p(z) N(x; m(z), s(z)²) dz at each of <paramref name="points"/>, for a one-feature Gaussian decoder.</summary>
    public static double[] GaussianMarginalDensity(DecoderDistribution decoder, IReadOnlyList<double> points)
    {
        var (means, deviations) = GaussianGrid(decoder);
        var density = new double[points.Count];
        for (int j = 0; j < points.Count; j++)
        {
            double x = points[j], sum = 0;
            for (int g = 0; g < means.Length; g++)
            {
                double u = (x - means[g]) / deviations[g];
                sum += Standard.Weights[g] * Math.Exp(-0.5 * u * u) / deviations[g];
            }
            density[j] = sum / Math.Sqrt(2 * Math.PI);
        }
        return density;
    }

    /// <summary>KL(uniform ‖ p_θ(x)) of a categorical decoder's marginal from the uniform distribution over its classes.</summary>
    public static double DivergenceFromUniform(DecoderDistribution decoder)
    {
        var marginal = CategoricalMarginal(decoder);
        double uniform = 1.0 / marginal.Length;
        return marginal.Sum(p => uniform * Math.Log(uniform / p));
    }

    /// <summary>KL(N(0, 1) ‖ p_θ(x)) of a one-feature Gaussian decoder's marginal, by quadrature over x in [−10, 10].</summary>
    public static double DivergenceFromStandardNormal(DecoderDistribution decoder)
    {
        const double step = 0.005;
        var points = Enumerable.Range(0, 4001).Select(i => -10 + i * step).ToArray();
        var density = GaussianMarginalDensity(decoder, points);
        double divergence = 0;
        for (int i = 0; i < points.Length; i++)
        {
            double truth = Math.Exp(-0.5 * points[i] * points[i]) / Math.Sqrt(2 * Math.PI);
            divergence += truth * Math.Log(truth / density[i]) * step;
        }
        return divergence;
    }

    /// <summary>Exact I_p = H(x) − E_z H(x|z) for a one-feature Gaussian decoder, H(x) by a second quadrature over x.</summary>
    public static double GaussianInformation(DecoderDistribution decoder)
    {
        var (means, deviations) = GaussianGrid(decoder);
        double low = double.MaxValue, high = double.MinValue, finest = double.MaxValue, conditionalEntropy = 0;
        for (int g = 0; g < means.Length; g++)
        {
            // Nodes whose weight is negligible would stretch the x range for nothing.
            if (Standard.Weights[g] > 1e-14)
            {
                low = Math.Min(low, means[g] - 10 * deviations[g]);
                high = Math.Max(high, means[g] + 10 * deviations[g]);
            }
            finest = Math.Min(finest, deviations[g]);
            conditionalEntropy += Standard.Weights[g] * 0.5 * (Math.Log(2 * Math.PI * deviations[g] * deviations[g]) + 1);
        }
        // Resolve the narrowest component with at least ten points per standard deviation.
        int count = (int)Math.Clamp((high - low) / (finest / 10), 2001, 200_001);
        double step = (high - low) / (count - 1);
        var points = Enumerable.Range(0, count).Select(i => low + i * step).ToArray();
        var density = GaussianMarginalDensity(decoder, points);
        double entropy = 0;
        foreach (double p in density)
        {
            if (p > 0)
                entropy -= p * Math.Log(p) * step;
        }
        return entropy - conditionalEntropy;
    }

    private static double[][] CategoricalGrid(DecoderDistribution decoder)
    {
        var logits = DecodeGrid(decoder);
        foreach (var row in logits)
        {
            double max = row.Max(), sum = 0;
            for (int k = 0; k < row.Length; k++)
                sum += row[k] = Math.Exp(row[k] - max);
            for (int k = 0; k < row.Length; k++)
                row[k] /= sum;
        }
        return logits;
    }

    private static double[] CategoricalMarginal(double[][] probabilities)
    {
        var marginal = new double[probabilities[0].Length];
        for (int g = 0; g < probabilities.Length; g++)
        {
            for (int k = 0; k < marginal.Length; k++)
                marginal[k] += Standard.Weights[g] * probabilities[g][k];
        }
        return marginal;
    }

    private static (double[] Means, double[] Deviations) GaussianGrid(DecoderDistribution decoder)
    {
        var outputs = DecodeGrid(decoder);
        if (outputs[0].Length != 2)
            throw new InvalidOperationException($"Quadrature over x needs a one-feature Gaussian decoder; this one has {outputs[0].Length / 2} features.");
        return (outputs.Select(o => o[0]).ToArray(), outputs.Select(o => Math.Exp(0.5 * o[1])).ToArray());
    }

    private static double Entropy(double[] probabilities)
    {
        double entropy = 0;
        foreach (double p in probabilities)
        {
            if (p > 0)
                entropy -= p * Math.Log(p);
        }
        return entropy;
    }
}
