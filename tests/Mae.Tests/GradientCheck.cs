using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>Checks a stochastic gradient estimator against an exact gradient by averaging repetitions.</summary>
internal static class GradientCheck
{
    /// <summary>The gradient of <paramref name="objective"/> with respect to <paramref name="parameters"/>, flattened, in double precision.</summary>
    public static double[] Gradient(Parameter[] parameters, Func<Tensor> objective)
    {
        using var scope = NewDisposeScope();
        foreach (var parameter in parameters)
            parameter.grad = null;
        objective().backward();
        return parameters.SelectMany(p => p.grad!.to_type(ScalarType.Float64).data<double>().ToArray()).ToArray();
    }

    /// <summary>
    /// Asserts that the mean of <paramref name="repetitions"/> estimates lies within <paramref name="standardErrors"/> Monte-Carlo
    /// standard errors of the exact gradient, and that the standard error of the mean is below <paramref name="relativeStandardError"/>
    /// of the exact gradient's norm. Returns the relative spread of one estimate, ‖sd‖ / ‖exact‖.
    /// </summary>
    public static double AssertUnbiased(Parameter[] parameters, Func<Tensor> exactObjective, Func<Tensor> estimatorSurrogate,
        int repetitions, double standardErrors, double relativeStandardError)
    {
        var exact = Gradient(parameters, exactObjective);
        var sum = new double[exact.Length];
        var sumOfSquares = new double[exact.Length];
        for (int repetition = 0; repetition < repetitions; repetition++)
        {
            var estimate = Gradient(parameters, estimatorSurrogate);
            for (int i = 0; i < estimate.Length; i++)
            {
                sum[i] += estimate[i];
                sumOfSquares[i] += estimate[i] * estimate[i];
            }
        }
        double errorNorm = 0, exactNorm = 0, varianceSum = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            double mean = sum[i] / repetitions;
            errorNorm += (mean - exact[i]) * (mean - exact[i]);
            varianceSum += sumOfSquares[i] / repetitions - mean * mean;
            exactNorm += exact[i] * exact[i];
        }
        double standardError = Math.Sqrt(varianceSum / repetitions);
        Assert.True(Math.Sqrt(errorNorm) <= standardErrors * standardError,
            $"‖mean − exact‖ = {Math.Sqrt(errorNorm):E3}, Monte-Carlo standard error {standardError:E3}.");
        Assert.True(standardError < relativeStandardError * Math.Sqrt(exactNorm),
            $"standard error {standardError:E3} against ‖exact‖ = {Math.Sqrt(exactNorm):E3}.");
        return Math.Sqrt(varianceSum / exactNorm);
    }
}
