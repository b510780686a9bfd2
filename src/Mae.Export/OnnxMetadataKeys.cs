namespace Mae.Export;

/// <summary>
/// Keys of the <c>metadata_props</c> entries that <see cref="OnnxExporter"/> writes from the
/// description itself. Caller metadata (<see cref="OnnxExportOptions.Metadata"/>) may repeat one of
/// these keys only with the same value; any other key is written as given.
/// </summary>
/// <remarks>
/// Values are invariant-culture strings: integers in decimal, names in lower case
/// (<c>encoder</c>/<c>decoder</c>; <c>tanh</c>, <c>relu</c>, <c>elu</c>, <c>gelu</c>, <c>silu</c>;
/// <c>gaussian</c>, <c>bernoulli</c>, <c>categorical</c>; <c>none</c>, <c>standardization</c>, <c>one_hot</c>,
/// <c>key_one_hot</c>).
/// </remarks>
public static class OnnxMetadataKeys
{
    /// <summary>Whether the model is an <c>encoder</c> or a <c>decoder</c>.</summary>
    public const string ModelKind = "mae.model_kind";

    /// <summary>The latent dimension d: the encoder's output width, or the decoder's input width.</summary>
    public const string LatentDimension = "mae.latent_dimension";

    /// <summary>The activation after every hidden layer.</summary>
    public const string HiddenActivation = "mae.hidden_activation";

    /// <summary>Encoder only: the input preprocessing kind.</summary>
    public const string InputPreprocessing = "mae.input_preprocessing";

    /// <summary>Encoder only: the width of the <see cref="OnnxTensorNames.Features"/> input (1 for one-hot input).</summary>
    public const string InputWidth = "mae.input_width";

    /// <summary>Encoder with one-hot input (class index or ML.NET key) only: the number of classes K.</summary>
    public const string InputClassCount = "mae.input_class_count";

    /// <summary>Decoder only: the likelihood family.</summary>
    public const string DecoderFamily = "mae.decoder_family";

    /// <summary>Decoder only: the width of the decoder's outputs (F features, or K classes).</summary>
    public const string OutputWidth = "mae.output_width";

    /// <summary>Training only: the target information M in nats.</summary>
    public const string TargetInformation = "mae.target_information";

    /// <summary>Training only: the objective that was trained (Mutual Autoencoder or a baseline).</summary>
    public const string Objective = "mae.objective";

    /// <summary>Training only: the information penalty.</summary>
    public const string Penalty = "mae.penalty";

    /// <summary>Training only: the final information bound Î_p in nats.</summary>
    public const string InformationBound = "mae.information_bound";

    /// <summary>Training only: the final exact I_p in nats, where quadrature gives it (one-dimensional codes).</summary>
    public const string ExactInformation = "mae.exact_information";

    /// <summary>Training only: the final I_q in nats from the aggregate-posterior estimator, on rows held out of training.</summary>
    public const string AggregatePosteriorInformation = "mae.aggregate_posterior_information";

    /// <summary>Training only: ln N, the cap of the aggregate-posterior estimator on the N evaluation rows, in nats.</summary>
    public const string InformationCap = "mae.information_cap";

    /// <summary>Training only: the final KL(q(z) ‖ p(z)) of the evaluation rows' aggregate posterior from the prior, in nats.</summary>
    public const string MarginalDivergence = "mae.marginal_divergence";

    /// <summary>Training only: the final rate KL(q(z|x) ‖ p(z)) in nats per row.</summary>
    public const string Rate = "mae.rate";

    /// <summary>Training only: the final ELBO in nats per row.</summary>
    public const string Elbo = "mae.elbo";

    /// <summary>Training only: the number of active latent units.</summary>
    public const string ActiveUnits = "mae.active_units";
}
