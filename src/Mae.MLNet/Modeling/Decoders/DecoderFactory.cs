namespace Mae.Modeling;

/// <summary>The one place that maps a <see cref="DecoderFamily"/> to its class: adding a family means a class and a line here.</summary>
internal static class DecoderFactory
{
    /// <summary>The family's decoder for rows of <paramref name="featureCount"/> values, not yet built (see <see cref="DecoderDistribution.Build"/>).</summary>
    /// <exception cref="ArgumentException">The settings do not fit the data (an autoregressive group size that does not divide the features).</exception>
    public static DecoderDistribution Create(NetworkSettings settings, int featureCount)
    {
        var shape = new DecoderShape(featureCount, settings.LatentDimension, settings.HiddenSizes, settings.Activation);
        return settings.Decoder switch
        {
            DecoderFamily.Gaussian => new GaussianDecoder(shape),
            DecoderFamily.Categorical => new CategoricalDecoder(shape, settings.NumberOfClasses),
            DecoderFamily.Bernoulli => new BernoulliDecoder(shape),
            DecoderFamily.AutoregressiveBernoulli => new AutoregressiveBernoulliDecoder(shape, settings.GroupSize ?? 0, settings.DecoderHiddenSize),
            DecoderFamily.AutoregressiveGaussian => new AutoregressiveGaussianDecoder(shape, settings.GroupSize ?? 0, settings.DecoderHiddenSize),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Decoder, "Unknown decoder family."),
        };
    }
}
