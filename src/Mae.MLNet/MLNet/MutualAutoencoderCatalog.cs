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

    /// <summary>
    /// Creates a <see cref="MutualAutoencoderEstimator"/> that learns a latent code of a table, the columns
    /// <paramref name="inputColumnNames"/>, each with the likelihood of its kind, and writes the posterior mean to
    /// <paramref name="outputColumnName"/>. Missing cells (NaN in a Single or Double column, key 0 in a key column) are modelled:
    /// they count nothing in the likelihood, and the encoder reads which cells are missing.
    /// </summary>
    /// <remarks>
    /// A column's kind follows its type: Single or Double (scalar or known-size vector) is real, Gaussian after standardisation;
    /// an integer type (SByte to UInt64) is count, negative binomial; a Key&lt;UInt32&gt; is categorical over the key's values; a Boolean is binary.
    /// <see cref="MutualAutoencoderEstimator.Options.ColumnKinds"/> makes a numeric column positive (log-normal), count, real or binary,
    /// and a key column ordinal (a cumulative-link likelihood over its keys in order), and
    /// <see cref="MutualAutoencoderEstimator.Options.ImputeMissingValues"/> replaces the missing cells by the model's predictions.
    /// The saved pipeline and the ONNX export read the same columns, missing cells included.
    /// </remarks>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="outputColumnName">Name of the column that receives the code, a <c>Vector&lt;Single, d&gt;</c>. Must differ from every input column's name.</param>
    /// <param name="inputColumnNames">The columns to model, at least one, each named once.</param>
    /// <param name="targetInformation">Target information M in nats between data and code under the generative model. Must be finite and non-negative.</param>
    /// <param name="latentDimension">Dimension d of the code. Must be positive.</param>
    /// <param name="numberOfEpochs">Passes over the data, within <see cref="MutualAutoencoderOptions.MinimumNumberOfSteps"/> (1,000 by default: small tables
    /// train more epochs) and <see cref="MutualAutoencoderOptions.MaximumNumberOfSteps"/> (2,000 by default: large tables train fewer). Must be positive.</param>
    /// <param name="seed">Seed of every random draw; <c>null</c> draws one. A fixed seed gives the same model.</param>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Workclass")
    ///     .Append(mlContext.Transforms.MutualAutoencode("Code", ["Age", "Hours", "Workclass", "Male"], targetInformation: 4));
    /// </code>
    /// </example>
    public static MutualAutoencoderEstimator MutualAutoencode(this TransformsCatalog catalog, string outputColumnName, string[] inputColumnNames,
        double targetInformation = MutualAutoencoderOptions.Defaults.TargetInformation,
        int latentDimension = MutualAutoencoderOptions.Defaults.LatentDimension,
        int numberOfEpochs = MutualAutoencoderOptions.Defaults.NumberOfEpochs,
        int? seed = null)
    {
        var options = new MutualAutoencoderEstimator.Options
        {
            TargetInformation = targetInformation,
            LatentDimension = latentDimension,
            NumberOfEpochs = numberOfEpochs,
            Seed = seed,
        };
        return new MutualAutoencoderEstimator(catalog, outputColumnName, inputColumnNames, options);
    }

    /// <summary>Creates a <see cref="MutualAutoencoderEstimator"/> of a table with every option; see <see cref="MutualAutoencode(TransformsCatalog, string, string[], double, int, int, int?)"/>.</summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="outputColumnName">Name of the column that receives the code. Must differ from every input column's name.</param>
    /// <param name="inputColumnNames">The columns to model, at least one, each named once.</param>
    /// <param name="options">The options; they are checked now and copied, so later changes have no effect. <see cref="MutualAutoencoderOptions.Decoder"/> must stay at its default: each column's kind sets its likelihood.</param>
    /// <exception cref="ArgumentException">An option is out of its documented range, a kind override names no input column, or a name repeats; the message names it.</exception>
    public static MutualAutoencoderEstimator MutualAutoencode(this TransformsCatalog catalog, string outputColumnName, string[] inputColumnNames,
        MutualAutoencoderEstimator.Options options) =>
        new(catalog, outputColumnName, inputColumnNames, options);

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

/// <summary>
/// The Mutual Autoencoder anomaly detector of <see cref="AnomalyDetectionCatalog"/>: <c>mlContext.AnomalyDetection.Trainers.MutualAutoencoder(...)</c>.
/// </summary>
public static class MutualAutoencoderAnomalyDetectionCatalog
{
    /// <summary>
    /// Creates a <see cref="MutualAutoencoderAnomalyEstimator"/>: a Mutual Autoencoder on <paramref name="featureColumnNames"/> (one vector
    /// column, or a table of columns of mixed kinds with missing cells) whose transformer adds <c>Score</c>, an estimate of −log p(x) in nats
    /// over each row's observed cells (higher is more unusual), and <c>PredictedLabel</c>, the score above the (1 − <paramref name="contamination"/>)
    /// quantile of the training rows' scores. <c>mlContext.AnomalyDetection.Evaluate</c> reads both.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers.</param>
    /// <param name="featureColumnNames">The columns to model, at least one, each named once; read as by the multi-column <c>MutualAutoencode</c>.</param>
    /// <param name="targetInformation">Target information M in nats between data and code. Must be finite and non-negative. The default, 4, ranked best of
    /// the VAE and M = 1, 2, 4, 8 on the ODDS tables.</param>
    /// <param name="latentDimension">Dimension d of the code. Must be positive.</param>
    /// <param name="numberOfEpochs">Passes over the data (a table trains for at least <see cref="MutualAutoencoderOptions.MinimumNumberOfSteps"/> and at most <see cref="MutualAutoencoderOptions.MaximumNumberOfSteps"/>). Must be positive.</param>
    /// <param name="contamination">The expected fraction of anomalies among the training rows. Must be within [0, 1).</param>
    /// <param name="seed">Seed of every random draw; <c>null</c> draws one.</param>
    /// <example>
    /// <code>
    /// var detector = mlContext.AnomalyDetection.Trainers.MutualAutoencoder(["Age", "Hours", "Workclass"], contamination: 0.05).Fit(data);
    /// var metrics = mlContext.AnomalyDetection.Evaluate(detector.Transform(test));
    /// </code>
    /// </example>
    public static MutualAutoencoderAnomalyEstimator MutualAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, string[] featureColumnNames,
        double targetInformation = MutualAutoencoderAnomalyEstimator.AnomalyDefaults.TargetInformation,
        int latentDimension = MutualAutoencoderOptions.Defaults.LatentDimension,
        int numberOfEpochs = MutualAutoencoderOptions.Defaults.NumberOfEpochs,
        double contamination = MutualAutoencoderAnomalyEstimator.AnomalyDefaults.Contamination,
        int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new MutualAutoencoderAnomalyEstimator.Options
        {
            TargetInformation = targetInformation,
            LatentDimension = latentDimension,
            NumberOfEpochs = numberOfEpochs,
            Contamination = contamination,
            Seed = seed,
        };
        return new MutualAutoencoderAnomalyEstimator(featureColumnNames, options);
    }

    /// <summary>Creates a <see cref="MutualAutoencoderAnomalyEstimator"/> with every option; see <see cref="MutualAutoencoder(AnomalyDetectionCatalog.AnomalyDetectionTrainers, string[], double, int, int, double, int?)"/>.</summary>
    /// <param name="catalog">The anomaly-detection trainers.</param>
    /// <param name="featureColumnNames">The columns to model, at least one, each named once.</param>
    /// <param name="options">The options; they are checked now and copied, so later changes have no effect.</param>
    /// <exception cref="ArgumentException">An option is out of its documented range, or names a column that cannot apply; the message names it.</exception>
    public static MutualAutoencoderAnomalyEstimator MutualAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, string[] featureColumnNames,
        MutualAutoencoderAnomalyEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MutualAutoencoderAnomalyEstimator(featureColumnNames, options);
    }
}
