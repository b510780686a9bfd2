using Mae;
using Mae.Modeling;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>The Bernoulli decoder's information gradient (score function, leave-one-out baseline) against exact enumeration.</summary>
public class BernoulliEstimatorTests
{
    [Fact]
    public void ScoreFunctionGradientIsUnbiased()
    {
        const int features = 3, draws = 256, repetitions = 400;
        random.manual_seed(5);
        using var networks = TestNetworks.Create(DecoderFamily.Bernoulli, features, 0, 1, [8], HiddenActivation.Tanh);
        var parameters = networks.Decoder.parameters().ToArray();
        using var z = randn(draws, 1);

        // Exact: J = mean_s Σ_x p(x|z_s) log r(z_s|x) over all 2^3 outcomes; r is held fixed. The mean estimate sits within
        // Monte-Carlo error of it, and that error is small next to it.
        using var estimatorDraws = new Generator(6);
        GradientCheck.AssertUnbiased(parameters, () =>
        {
            var outcomes = tensor(Enumerable.Range(0, 1 << features)
                .SelectMany(x => Enumerable.Range(0, features).Select(f => (float)((x >> f) & 1))).ToArray()).view(1 << features, features);
            var logits = networks.Decoder.Condition(z);                                  // [S, F]
            var logP = (outcomes.unsqueeze(0) * logits.unsqueeze(1) - nn.functional.softplus(logits).unsqueeze(1)).sum(2); // [S, 8]
            var logR = GaussianNetwork.PairwiseLogDensity(z, networks.Auxiliary.forward(outcomes)).detach();              // [S, 8]
            return (logP.exp() * logR).sum(1).mean();
        }, () => networks.Decoder.Information(networks.Decoder.Condition(z), z, networks.Auxiliary, estimatorDraws).DecoderSurrogate,
            repetitions, standardErrors: 2, relativeStandardError: 0.1);
    }
}
