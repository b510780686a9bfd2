namespace Mae.Modeling;

/// <summary>The one place that maps a <see cref="DecoderFamily"/> to its class: adding a family means a class and a line here.</summary>
internal static class DecoderFactory
{
    /// <summary>The family's decoder for rows of <paramref name="featureCount"/> values, not yet built (see <see cref="DecoderDistribution.Build"/>).</summary>
    /// <exception cref="ArgumentException">The options do not fit the data (an autoregressive group size that does not divide the features).</exception>
    public static DecoderDistribution Create(MutualAutoencoderOptions options, int featureCount)
    {
        var shape = new DecoderShape(featureCount, options.LatentDimension, options.HiddenSizes, options.Activation);
        return options.Decoder switch
        {
            DecoderFamily.Gaussian => new GaussianDecoder(shape),
            DecoderFamily.Categorical => new CategoricalDecoder(shape, options.NumberOfClasses),
            DecoderFamily.Bernoulli => new BernoulliDecoder(shape),
            DecoderFamily.AutoregressiveBernoulli => new AutoregressiveBernoulliDecoder(shape, options.GroupSize ?? 0, options.DecoderHiddenSize),
            DecoderFamily.AutoregressiveGaussian => new AutoregressiveGaussianDecoder(shape, options.GroupSize ?? 0, options.DecoderHiddenSize),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Decoder, "Unknown decoder family."),
        };
    }
}
