using Mae;
using Mae.Modeling;
using TorchSharp.Modules;
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
        using var networks = MutualAutoencoderNetworks.Create(DecoderFamily.Bernoulli, features, 0, 1, [8], HiddenActivation.Tanh);
        var parameters = networks.Decoder.parameters().ToArray();
        using var z = randn(draws, 1);

        // Exact: J = mean_s Σ_x p(x|z_s) log r(z_s|x) over all 2^3 outcomes; r is held fixed.
        var exact = Gradient(parameters, () =>
        {
            var outcomes = tensor(Enumerable.Range(0, 1 << features)
                .SelectMany(x => Enumerable.Range(0, features).Select(f => (float)((x >> f) & 1))).ToArray()).view(1 << features, features);
            var logits = networks.Decoder.Condition(z);                                  // [S, F]
            var logP = (outcomes.unsqueeze(0) * logits.unsqueeze(1) - nn.functional.softplus(logits).unsqueeze(1)).sum(2); // [S, 8]
            var logR = GaussianNetwork.PairwiseLogDensity(z, networks.Auxiliary.forward(outcomes)).detach();              // [S, 8]
            return (logP.exp() * logR).sum(1).mean();
        });

        // Estimator, averaged over repetitions.
        using var estimatorDraws = new Generator(6);
        var sum = new double[exact.Length];
        var sumOfSquares = new double[exact.Length];
        for (int repetition = 0; repetition < repetitions; repetition++)
        {
            var estimate = Gradient(parameters, () => networks.Decoder.Information(networks.Decoder.Condition(z), z, networks.Auxiliary, estimatorDraws).DecoderSurrogate);
            for (int i = 0; i < estimate.Length; i++)
            {
                sum[i] += estimate[i];
                sumOfSquares[i] += estimate[i] * estimate[i];
            }
        }

        double errorNorm = 0, exactNorm = 0, standardErrorNorm = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            double mean = sum[i] / repetitions;
            double variance = sumOfSquares[i] / repetitions - mean * mean;
            errorNorm += (mean - exact[i]) * (mean - exact[i]);
            standardErrorNorm += variance / repetitions;
            exactNorm += exact[i] * exact[i];
        }
        // The mean estimate sits within Monte-Carlo error of the exact gradient, and that error is small next to it.
        Assert.True(Math.Sqrt(errorNorm) <= 2 * Math.Sqrt(standardErrorNorm),
            $"‖mean − exact‖ = {Math.Sqrt(errorNorm):E3}, Monte-Carlo standard error {Math.Sqrt(standardErrorNorm):E3}.");
        Assert.True(Math.Sqrt(standardErrorNorm) < 0.1 * Math.Sqrt(exactNorm));
    }

    private static double[] Gradient(Parameter[] parameters, Func<Tensor> objective)
    {
        using var scope = NewDisposeScope();
        foreach (var parameter in parameters)
            parameter.grad = null;
        objective().backward();
        return parameters.SelectMany(p => p.grad!.to_type(ScalarType.Float64).data<double>().ToArray()).ToArray();
    }
}
