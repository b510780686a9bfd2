using Mae.Export;

namespace Mae;

/// <summary>Parameters of p(x|z) for a batch of codes; arrays are row-major [<see cref="Rows"/> × <see cref="Width"/>].</summary>
public sealed class DecoderOutput
{
    internal DecoderOutput(DecoderFamily family, int rows, int width, float[]? mean, float[]? logVariance, float[]? probabilities)
    {
        Family = family;
        Rows = rows;
        Width = width;
        Mean = mean;
        LogVariance = logVariance;
        Probabilities = probabilities;
    }

    /// <summary>The decoder family, which says which arrays are set.</summary>
    public DecoderFamily Family { get; }

    /// <summary>Number of codes decoded.</summary>
    public int Rows { get; }

    /// <summary>Values per row: features for Gaussian and Bernoulli, classes for categorical.</summary>
    public int Width { get; }

    /// <summary>Gaussian means; <c>null</c> for other families.</summary>
    public IReadOnlyList<float>? Mean { get; }

    /// <summary>Gaussian log-variances; <c>null</c> for other families.</summary>
    public IReadOnlyList<float>? LogVariance { get; }

    /// <summary>Class probabilities (categorical) or feature probabilities (Bernoulli); <c>null</c> for Gaussian.</summary>
    public IReadOnlyList<float>? Probabilities { get; }
}
