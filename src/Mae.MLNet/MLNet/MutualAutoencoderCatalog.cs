using Mae;

namespace Microsoft.ML;

/// <summary>The Mutual Autoencoder verb of <see cref="TransformsCatalog"/>: <c>mlContext.Transforms.MutualAutoencode(...)</c>.</summary>
public static class MutualAutoencoderCatalog
{
    /// <summary>
    /// Creates a <see cref="MutualAutoencoderEstimator"/> that learns a latent code of <paramref name="inputColumnName"/> holding
    /// <paramref name="targetInformation"/> nats of information about the data, and writes its posterior mean to <paramref name="outputColumnName"/>.
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="outputColumnName">Name of the column that receives the code: a <c>Vector&lt;Single, d&gt;</c> of d = <paramref name="latentDimension"/> values, slots named z0 … z(d−1). Must differ from the input column's name.</param>
    /// <param name="inputColumnName">Name of the column to encode: a known-size vector of Single or a Single (or a Key for the categorical decoder). <c>null</c> uses <paramref name="outputColumnName"/>, which is an error: name the input.</param>
    /// <param name="targetInformation">Target information M in nats between data and code under the generative model. Must be finite and non-negative.</param>
    /// <param name="latentDimension">Dimension d of the code. Must be positive.</param>
    /// <param name="decoder">The family of p(x|z): Gaussian for real values, Bernoulli for values in [0, 1], categorical for a class.</param>
    /// <param name="numberOfEpochs">Passes over the data. Must be positive.</param>
    /// <param name="seed">Seed of every random draw; <c>null</c> draws one. A fixed seed gives the same model.</param>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.MutualAutoencode("Code", "Pixels", targetInformation: 10, decoder: DecoderFamily.Bernoulli)
    ///     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Code"));
    /// </code>
    /// </example>
    public static MutualAutoencoderEstimator MutualAutoencode(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        double targetInformation = MutualAutoencoderOptions.Defaults.TargetInformation,
        int latentDimension = MutualAutoencoderOptions.Defaults.LatentDimension,
        DecoderFamily decoder = MutualAutoencoderOptions.Defaults.Decoder,
        int numberOfEpochs = MutualAutoencoderOptions.Defaults.NumberOfEpochs,
        int? seed = null)
    {
        var options = new MutualAutoencoderEstimator.Options
        {
            TargetInformation = targetInformation,
            LatentDimension = latentDimension,
            Decoder = decoder,
            NumberOfEpochs = numberOfEpochs,
            Seed = seed,
        };
        return new MutualAutoencoderEstimator(catalog, outputColumnName, inputColumnName, options);
    }

    /// <summary>Creates a <see cref="MutualAutoencoderEstimator"/> with every option.</summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="outputColumnName">Name of the column that receives the code. Must differ from the input column's name.</param>
    /// <param name="inputColumnName">Name of the column to encode.</param>
    /// <param name="options">The options; they are checked now and copied, so later changes have no effect.</param>
    /// <exception cref="ArgumentException">An option is out of its documented range; the message names it and the value.</exception>
    public static MutualAutoencoderEstimator MutualAutoencode(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName,
        MutualAutoencoderEstimator.Options options) =>
        new(catalog, outputColumnName, inputColumnName, options);
}
