using Mae.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>Information and likelihood figures of a trained model. All methods run without gradients.</summary>
internal static class Diagnostics
{
    /// <summary>A unit is active when Var_x E_q[z_u] reaches this.</summary>
    private static readonly TorchSharp.Scalar ActiveUnitThreshold = 0.01.ToScalar();

    private static readonly TorchSharp.Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary>Î_p = H(z) + E log r(z|x) from <paramref name="priorSamples"/> fresh draws z ~ p(z), x ~ p(x|z).</summary>
    public static double InformationBound(MutualAutoencoderNetworks networks, int priorSamples, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = randn(new long[] { priorSamples, networks.LatentDimension }, generator: generator);
        var terms = networks.Decoder.Information(networks.Decoder.Condition(z), z, networks.Auxiliary, generator);
        return GaussianMath.PriorEntropy(networks.LatentDimension) + terms.AuxiliaryObjective.item<float>();
    }

    /// <summary>
    /// I_q from the aggregate-posterior estimator: E_x E_{q(z|x)}[log q(z|x) − log q(z)], with q(z) the mixture of the
    /// posteriors of the same rows; beside it the leave-one-out estimate, whose mixture for row i leaves row i out; the rate
    /// E_x KL(q(z|x) ‖ p(z)) of the same rows; and the active units. <paramref name="rows"/> is [n, F], n ≥ 2. Each figure
    /// is averaged over <paramref name="draws"/> independent draws z ~ q(z|x) per row. The first comes from <paramref name="generator"/>,
    /// as it always has; the others from <paramref name="further"/> when given, so that they leave <paramref name="generator"/>'s
    /// later draws (training's, when the trainer evaluates) as they were.
    /// </summary>
    /// <remarks>
    /// For rows that did not train the encoder, drawn from one distribution, the two bracket the information of that
    /// distribution in expectation: with row i's own posterior in the mixture the estimate is at most ln n (a lower bound,
    /// as InfoNCE); without it, the mixture of the other n − 1 posteriors is an unbiased estimate of q(z_i), so by Jensen
    /// the log of it is too low on average and the estimate too high (an upper bound, Poole et al. 2019). Both close in on
    /// the truth as n grows; the draws cut their noise, not their bias.
    /// </remarks>
    public static InformationEvaluation Encoded(MutualAutoencoderNetworks networks, Tensor rows, Generator generator, int draws = 1, Generator? further = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = rows.shape[0];
        var parameters = networks.Encoder.forward(networks.Decoder.ToNetworkInput(rows));
        var halves = parameters.chunk(2, 1);
        var (mean, logVariance) = (halves[0], halves[1]);
        // log q(z_i) = logsumexp_j log q(z_i | x_j) − log n, over chunks of i so that memory stays near 16 MB for any n and d.
        long chunk = Math.Max(1, 4_000_000 / (n * networks.LatentDimension));
        double ownSum = 0, aggregateSum = 0, othersSum = 0;
        for (int draw = 0; draw < draws; draw++)
        {
            using var drawScope = NewDisposeScope();
            var z = GaussianMath.Sample(mean, logVariance, draw == 0 ? generator : further ?? generator);
            ownSum += GaussianMath.DiagonalLogDensity(z, parameters).to_type(ScalarType.Float64).sum().item<double>(); // log q(z_i | x_i)
            for (long start = 0; start < n; start += chunk)
            {
                using var inner = NewDisposeScope();
                long length = Math.Min(chunk, n - start);
                var pairwise = GaussianNetwork.PairwiseLogDensity(z.narrow(0, start, length), parameters);
                aggregateSum += pairwise.logsumexp(1).to_type(ScalarType.Float64).sum().item<double>();
                // The same sums without each row's own posterior: row start + r against itself, the diagonal of the square at column start.
                pairwise.narrow(1, start, length).diagonal().fill_(NegativeInfinity);
                othersSum += pairwise.logsumexp(1).to_type(ScalarType.Float64).sum().item<double>();
            }
        }
        double own = ownSum / (n * draws);
        double information = own - (aggregateSum / (n * draws) - Math.Log(n));
        double leaveOneOut = own - (othersSum / (n * draws) - Math.Log(n - 1));
        var rate = GaussianMath.DivergenceFromStandardNormal(mean, logVariance).sum(1).to_type(ScalarType.Float64).mean().item<double>();
        var variance = mean.var(0, unbiased: true, keepdim: false);
        int active = (int)variance.ge(ActiveUnitThreshold).sum().item<long>();
        return new InformationEvaluation((int)n, information, leaveOneOut, rate, active, draws);
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
        var decoder = networks.Decoder;
        long n = rows.shape[0];
        long chunk = Math.Max(1, 4_000_000 / ((long)samples * Math.Max(decoder.ValuesPerCode, rows.shape[1])));
        double total = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            long m = Math.Min(chunk, n - start);
            var part = rows.narrow(0, start, m);
            var parameters = networks.Encoder.forward(decoder.ToNetworkInput(part));   // [m, 2d]
            var repeatedParameters = parameters.repeat(samples, 1);                        // [K·m, 2d], draw k of row i at k·m + i
            var halves = repeatedParameters.chunk(2, 1);
            var z = GaussianMath.Sample(halves[0], halves[1], generator);
            var logWeights = ImportanceLogWeights(decoder, part.repeat(samples, 1), z, repeatedParameters).view(samples, m);
            total += logWeights.logsumexp(0).sum().item<double>() - m * Math.Log(samples);
        }
        return total / n;
    }

    /// <summary>
    /// log p(x|z) + log p(z) − log q(z|x), float64 [K·m], of codes <paramref name="z"/> [K·m, d] drawn from the posteriors
    /// <paramref name="parameters"/> [K·m, 2d] (mean then log-variance) of the rows <paramref name="rows"/> [K·m, F]: the importance
    /// weights, in logs, of the encoder as proposal.
    /// </summary>
    public static Tensor ImportanceLogWeights(DecoderDistribution decoder, Tensor rows, Tensor z, Tensor parameters) =>
        ImportanceLogWeights(decoder, rows, z, parameters, decoder.Condition(z));

    /// <summary>As <see cref="ImportanceLogWeights(DecoderDistribution, Tensor, Tensor, Tensor)"/>, with the decoder's conditions of <paramref name="z"/> computed already.</summary>
    public static Tensor ImportanceLogWeights(DecoderDistribution decoder, Tensor rows, Tensor z, Tensor parameters, Tensor conditions)
    {
        var logPosterior = GaussianMath.DiagonalLogDensity(z, parameters);
        using var origin = zeros_like(z);
        var logPrior = GaussianMath.LogDensity(z, origin, origin).sum(1);
        var logLikelihood = decoder.LogLikelihood(conditions, rows);
        return (logLikelihood.Plus(logPrior) - logPosterior).to_type(ScalarType.Float64);
    }

    /// <summary>
    /// Exact I_p (where the family has it, see <see cref="DecoderDistribution.ExactInformation"/>) and the exact mean log p(x) of
    /// <paramref name="rows"/> by quadrature over z, for d = 1. log p(x) is computed once per distinct row, so that binary data
    /// cost at most 2^F decoder passes over the grid; the figure is skipped (<c>null</c>) when the distinct rows would need more
    /// than <see cref="MaximumExactLikelihoodValues"/> decoder values.
    /// </summary>
    public static (double? Information, double? LogLikelihood) Exact(MutualAutoencoderNetworks networks, Tensor rows)
    {
        if (networks.LatentDimension != 1)
            return (null, null);
        var decoder = networks.Decoder;
        double? information = decoder.ExactInformation();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (distinct, counts) = DistinctRows(rows);
        var grid = Quadrature.Standard;
        if ((double)distinct.shape[0] * grid.Nodes.Length * decoder.ValuesPerCode > MaximumExactLikelihoodValues)
            return (information, null);
        var decoded = Quadrature.DecodeNodes(decoder);
        var logWeights = tensor(grid.LogWeights, ScalarType.Float64);
        // log p(x_n) = logsumexp_g [log w_g + log p(x_n | z_g)], distinct rows taken in chunks to bound memory.
        double total = 0;
        long n = distinct.shape[0];
        int chunk = Math.Max(1, (int)(4_000_000 / (grid.Nodes.Length * Math.Max(1, rows.shape[1]))));
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            long m = Math.Min(chunk, n - start);
            var logP = decoder.PairwiseLogLikelihood(decoded, distinct.narrow(0, start, m)).to_type(ScalarType.Float64);
            var perRow = logP.Plus(logWeights).logsumexp(1);
            total += (perRow * counts.narrow(0, start, m)).sum().item<double>();
        }
        return (information, total / rows.shape[0]);
    }

    /// <summary>The most decoder values (distinct rows × grid nodes × values per code) the exact log-likelihood may cost.</summary>
    internal const double MaximumExactLikelihoodValues = 2e9;

    /// <summary>The distinct rows of <paramref name="rows"/> [n, F], in order of first appearance, and how often each occurs (float64).</summary>
    private static (Tensor Distinct, Tensor Counts) DistinctRows(Tensor rows)
    {
        int n = (int)rows.shape[0], width = (int)rows.shape[1];
        var values = rows.contiguous().data<float>().ToArray();
        var index = new Dictionary<RowKey, int>();
        var order = new List<int>();
        var counts = new List<double>();
        for (int i = 0; i < n; i++)
        {
            var key = new RowKey(values, i * width, width);
            if (index.TryGetValue(key, out int position))
            {
                counts[position]++;
            }
            else
            {
                index[key] = order.Count;
                order.Add(i);
                counts.Add(1);
            }
        }
        if (order.Count == n)
            return (rows, ones(n, ScalarType.Float64));
        var distinct = new float[order.Count * width];
        for (int k = 0; k < order.Count; k++)
            values.AsSpan(order[k] * width, width).CopyTo(distinct.AsSpan(k * width));
        return (tensor(distinct, [order.Count, width]), tensor(counts.ToArray(), ScalarType.Float64));
    }

    /// <summary>A row of a float array compared by its bits.</summary>
    private readonly struct RowKey(float[] values, int start, int width) : IEquatable<RowKey>
    {
        private ReadOnlySpan<float> Span => values.AsSpan(start, width);

        public bool Equals(RowKey other) => Span.SequenceEqual(other.Span);

        public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Span));
            return hash.ToHashCode();
        }
    }
}
