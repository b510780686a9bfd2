using Mae.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>Information and likelihood figures of a trained model. All methods run without gradients.</summary>
internal static class Diagnostics
{
    /// <summary>A unit is active when Var_x E_q[z_u] reaches this.</summary>
    private static readonly TorchSharp.Scalar ActiveUnitThreshold = 0.01.ToScalar();

    /// <summary>Î_p = H(z) + E log r(z|x) from <paramref name="priorSamples"/> fresh draws z ~ p(z), x ~ p(x|z).</summary>
    public static double InformationBound(MutualAutoencoderNetworks networks, int priorSamples, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = randn(new long[] { priorSamples, networks.LatentDimension }, generator: generator);
        var terms = networks.Likelihood.Information(networks.Decoder.forward(z), z, networks.Auxiliary, generator);
        return GaussianMath.PriorEntropy(networks.LatentDimension) + terms.AuxiliaryObjective.item<float>();
    }

    /// <summary>
    /// I_q from the aggregate-posterior estimator: E_x E_{q(z|x)}[log q(z|x) − log q(z)], with q(z) the mixture of the
    /// posteriors of the same rows; the rate E_x KL(q(z|x) ‖ p(z)) of the same rows; and the active units. <paramref name="rows"/> is [n, F], n ≥ 2.
    /// </summary>
    public static InformationEvaluation Encoded(MutualAutoencoderNetworks networks, Tensor rows, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = rows.shape[0];
        var parameters = networks.Encoder.forward(networks.Likelihood.ToNetworkInput(rows));
        var halves = parameters.chunk(2, 1);
        var (mean, logVariance) = (halves[0], halves[1]);
        var z = GaussianMath.Sample(mean, logVariance, generator);
        var own = GaussianMath.DiagonalLogDensity(z, parameters); // log q(z_i | x_i)
        // log q(z_i) = logsumexp_j log q(z_i | x_j) − log n, over chunks of i so that memory stays near 16 MB for any n and d.
        long chunk = Math.Max(1, 4_000_000 / (n * networks.LatentDimension));
        double aggregateSum = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            var pairwise = GaussianNetwork.PairwiseLogDensity(z.narrow(0, start, Math.Min(chunk, n - start)), parameters);
            aggregateSum += pairwise.logsumexp(1).to_type(ScalarType.Float64).sum().item<double>();
        }
        double information = own.to_type(ScalarType.Float64).mean().item<double>() - (aggregateSum / n - Math.Log(n));
        var rate = GaussianMath.DivergenceFromStandardNormal(mean, logVariance).sum(1).to_type(ScalarType.Float64).mean().item<double>();
        var variance = mean.var(0, unbiased: true, keepdim: false);
        int active = (int)variance.ge(ActiveUnitThreshold).sum().item<long>();
        return new InformationEvaluation((int)n, information, rate, active);
    }

    /// <summary>
    /// The importance-sampled estimate of the mean log p(x) of <paramref name="rows"/> ([n, F]) with the encoder as proposal:
    /// log p(x) ≈ logsumexp_k [log p(x|z_k) + log p(z_k) − log q(z_k|x)] − log K over K = <paramref name="samples"/> draws
    /// z_k ~ q(z|x) (Burda et al., 2016). For every K it is a lower bound in expectation, at least the ELBO (K = 1), and it
    /// tends to log p(x) as K grows; unlike the ELBO it compares models whose decoders differ. Rows go in chunks that keep
    /// the decoded tensor near 4 million values.
    /// </summary>
    public static double ImportanceSampledLogLikelihood(MutualAutoencoderNetworks networks, Tensor rows, int samples, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var likelihood = networks.Likelihood;
        long n = rows.shape[0];
        long chunk = Math.Max(1, 4_000_000 / ((long)samples * Math.Max(likelihood.DecoderOutputSize, rows.shape[1])));
        double total = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            long m = Math.Min(chunk, n - start);
            var part = rows.narrow(0, start, m);
            var parameters = networks.Encoder.forward(likelihood.ToNetworkInput(part));   // [m, 2d]
            var repeatedParameters = parameters.repeat(samples, 1);                        // [K·m, 2d], draw k of row i at k·m + i
            var halves = repeatedParameters.chunk(2, 1);
            var z = GaussianMath.Sample(halves[0], halves[1], generator);
            var logPosterior = GaussianMath.DiagonalLogDensity(z, repeatedParameters);
            using var origin = zeros_like(z);
            var logPrior = GaussianMath.LogDensity(z, origin, origin).sum(1);
            var logLikelihood = likelihood.LogLikelihood(networks.Decoder.forward(z), part.repeat(samples, 1));
            var logWeights = (logLikelihood.Plus(logPrior) - logPosterior).to_type(ScalarType.Float64).view(samples, m);
            total += logWeights.logsumexp(0).sum().item<double>() - m * Math.Log(samples);
        }
        return total / n;
    }

    private static double BernoulliInformation(MutualAutoencoderNetworks networks, int featureCount)
    {
        using var outcomes = Quadrature.BinaryOutcomes(featureCount);
        return Quadrature.EnumeratedInformation(networks, outcomes);
    }

    /// <summary>Exact I_p (when it has a closed form by quadrature) and the exact mean log p(x) of <paramref name="rows"/>, for d = 1.</summary>
    public static (double? Information, double? LogLikelihood) Exact(MutualAutoencoderNetworks networks, Tensor rows)
    {
        if (networks.LatentDimension != 1)
            return (null, null);
        var grid = Quadrature.Standard;
        var likelihood = networks.Likelihood;
        double? information = likelihood switch
        {
            CategoricalLikelihood => Quadrature.CategoricalInformation(networks),
            GaussianLikelihood when rows.shape[1] == 1 => Quadrature.GaussianInformation(networks),
            BernoulliLikelihood when rows.shape[1] <= Quadrature.MaximumEnumeratedBits => BernoulliInformation(networks, (int)rows.shape[1]),
            _ => null,
        };
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var decoded = Quadrature.DecodeNodes(networks);
        var logWeights = tensor(grid.LogWeights, ScalarType.Float64);
        // log p(x_n) = logsumexp_g [log w_g + log p(x_n | z_g)], rows taken in chunks to bound memory.
        double total = 0;
        long n = rows.shape[0];
        int chunk = Math.Max(1, (int)(4_000_000 / (grid.Nodes.Length * Math.Max(1, rows.shape[1]))));
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            var logP = likelihood.PairwiseLogLikelihood(decoded, rows.narrow(0, start, Math.Min(chunk, n - start))).to_type(ScalarType.Float64);
            total += logP.Plus(logWeights).logsumexp(1).sum().item<double>();
        }
        return (information, total / n);
    }
}
