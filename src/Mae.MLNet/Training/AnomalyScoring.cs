using Mae.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>
/// Per-row anomaly scores, estimates of −log p(x) in nats over each row's observed cells (see <see cref="AnomalyScoreEstimator"/>).
/// The draws are common random numbers: K standard normal vectors ε_k, drawn once, give every row the codes z_k = μ + σ·ε_k, so a
/// row's score does not depend on which rows are scored with it. Runs without gradients.
/// </summary>
internal static class AnomalyScoring
{
    /// <summary>
    /// Scores of <paramref name="rows"/> [n, F] as float64 [n], with <paramref name="noise"/> the draws ε [K, d] of the estimators
    /// that have draws (<see cref="AnomalyScoreEstimator.PosteriorMean"/> ignores it).
    /// </summary>
    public static Tensor Scores(MutualAutoencoderNetworks networks, Tensor rows, AnomalyScoreEstimator estimator, Tensor noise)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var decoder = networks.Decoder;
        long n = rows.shape[0];
        long draws = estimator == AnomalyScoreEstimator.PosteriorMean ? 1 : noise.shape[0];
        // Rows in chunks that keep the decoded tensor near 4 million values.
        long chunk = Math.Max(1, 4_000_000 / (draws * Math.Max(decoder.ValuesPerCode, rows.shape[1])));
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();   // each chunk's activations go before the next: memory stays near the chunk's
            long m = Math.Min(chunk, n - start);
            var part = rows.narrow(0, start, m);
            var parameters = networks.Encoder.forward(decoder.ToNetworkInput(part));   // [m, 2d]
            var halves = parameters.chunk(2, 1);
            var (mean, logVariance) = (halves[0], halves[1]);
            Tensor score = estimator switch
            {
                AnomalyScoreEstimator.PosteriorMean =>
                    GaussianMath.DivergenceFromStandardNormal(mean, logVariance).sum(1) - decoder.LogLikelihood(decoder.Condition(mean), part),
                AnomalyScoreEstimator.PosteriorDraws =>
                    GaussianMath.DivergenceFromStandardNormal(mean, logVariance).sum(1) - LogLikelihoodOfDraws(decoder, part, mean, logVariance, noise).mean([0]),
                AnomalyScoreEstimator.ImportanceSampled => -ImportanceSampled(decoder, part, parameters, noise),
                _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "Unknown anomaly score estimator."),
            };
            parts.Add(score.to_type(ScalarType.Float64).MoveToOuterDisposeScope());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>log p(x_i | z_k) for every draw, [K, m].</summary>
    private static Tensor LogLikelihoodOfDraws(DecoderDistribution decoder, Tensor rows, Tensor mean, Tensor logVariance, Tensor noise)
    {
        long k = noise.shape[0], m = rows.shape[0];
        var z = GaussianMath.CodesOfDraws(mean, logVariance, noise);
        return decoder.LogLikelihood(decoder.Condition(z), rows.repeat(k, 1)).view(k, m);
    }

    /// <summary>logsumexp_k [log p(x|z_k) + log p(z_k) − log q(z_k|x)] − ln K per row, [m], for posteriors <paramref name="parameters"/> [m, 2d].</summary>
    private static Tensor ImportanceSampled(DecoderDistribution decoder, Tensor rows, Tensor parameters, Tensor noise)
    {
        long k = noise.shape[0], m = rows.shape[0];
        var halves = parameters.chunk(2, 1);
        var z = GaussianMath.CodesOfDraws(halves[0], halves[1], noise);
        var logWeights = Diagnostics.ImportanceLogWeights(decoder, rows.repeat(k, 1), z, parameters.repeat(k, 1)).view(k, m);
        using var logK = Math.Log(k).ToScalar();
        return logWeights.logsumexp(0).sub(logK);
    }
}
