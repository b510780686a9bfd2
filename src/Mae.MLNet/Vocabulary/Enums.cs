namespace Mae;

/// <summary>The training objective of a <see cref="MutualAutoencoderTrainer"/>.</summary>
/// <remarks>
/// Every objective trains the same encoder q(z|x), decoder p(x|z) and auxiliary network r(z|x);
/// only <see cref="MutualAutoencoder"/> feeds the information estimate back into the decoder.
/// The others are baselines, so that models can be compared at matched information.
/// </remarks>
public enum MutualAutoencoderObjective
{
    /// <summary>Maximise the ELBO subject to I_p(z, x) = M, enforced by the chosen <see cref="InformationPenalty"/>.</summary>
    MutualAutoencoder,

    /// <summary>Plain VAE: maximise the ELBO.</summary>
    VariationalAutoencoder,

    /// <summary>β-VAE: maximise E_q[log p(x|z)] − β·KL.</summary>
    BetaVariationalAutoencoder,

    /// <summary>KL annealing: the KL weight rises linearly from 0 to 1 over the first part of training.</summary>
    KLAnnealing,

    /// <summary>Capacity-targeted β-VAE (Burgess et al., 2018): minimise −E_q[log p(x|z)] + γ·|KL − C|, with C raised linearly to its final value.</summary>
    CapacityTargeted,

    /// <summary>Free bits (Kingma et al., 2016): each latent dimension's KL counts only above a floor λ.</summary>
    FreeBits,
}

/// <summary>How the information constraint Î_p = M is enforced for <see cref="MutualAutoencoderObjective.MutualAutoencoder"/>.</summary>
public enum InformationPenalty
{
    /// <summary>λ·|Î_p − M|.</summary>
    Absolute,

    /// <summary>λ·(Î_p − M)².</summary>
    Squared,

    /// <summary>
    /// Augmented Lagrangian: ν·(M − Î_p) + λ·(Î_p − M)², where the multiplier ν follows dual ascent,
    /// ν ← ν + η·(M − Î_p), so the constraint is met without the offset a fixed penalty leaves.
    /// </summary>
    Adaptive,

    /// <summary>
    /// λ·(Î_p − M)², with the factor (Î_p − M) and the gradient ∇Î_p taken from two independent halves of the prior draws. The
    /// plain squared penalty's gradient 2λ(Î − M)∇Î also carries λ∇Var(Î), which rewards a low-variance estimate rather than
    /// Î = M; this one is an unbiased gradient of λ(E Î − M)².
    /// </summary>
    IndependentSquared,
}

/// <summary>
/// The kind of a table column: its likelihood p(x|z), its network input and its value rule. The kind follows the column's ML.NET type
/// (Single or Double: <see cref="Real"/>; an integer type: <see cref="Count"/>; Key: <see cref="Categorical"/>; Boolean: <see cref="Binary"/>), and
/// <see cref="MutualAutoencoderEstimator.Options.ColumnKinds"/> can override it per column (a key column as <see cref="Ordinal"/>, say).
/// </summary>
public enum ColumnKind
{
    /// <summary>Gaussian, standardised internally with the observed training values' mean and standard deviation. Any finite value; NaN is missing. Single or Double, or an integer type by override.</summary>
    Real,

    /// <summary>Log-normal: ln x is Gaussian, standardised internally. Values above 0; NaN is missing. Single or Double, or an integer type by override.</summary>
    Positive,

    /// <summary>Negative binomial (a mean and a dispersion per slot), the network reading the standardised ln(1 + x). Whole numbers ≥ 0; NaN is missing. An integer type, or Single or Double.</summary>
    Count,

    /// <summary>Categorical over the K values of a key column (key k is class k − 1; key 0 is missing).</summary>
    Categorical,

    /// <summary>Bernoulli per slot: a Boolean (never missing), or a Single holding 0, 1 or NaN for missing.</summary>
    Binary,

    /// <summary>
    /// Ordinal over the K ordered values of a key column (key k is level k − 1; key 0 is missing), by override of a key column: a
    /// cumulative-link likelihood, P(x ≤ k | z) = σ(θ_k(z) − h(z)) with ordered thresholds θ, as in HI-VAE (Nazabal et al., 2020). The
    /// network reads the level as a thermometer code, and a missing cell is predicted as the median level. The key's order is the
    /// levels' order: map values to keys in that order (MapValueToKey with an ordered key data view, or <c>keyOrdinality: ByValue</c>).
    /// </summary>
    Ordinal,
}

/// <summary>
/// How a per-row anomaly score estimates −log p(x), in nats, from the observed cells of a row (higher is more unusual). See
/// <see cref="MutualAutoencoderModel.ScoreAnomalies"/>.
/// </summary>
public enum AnomalyScoreEstimator
{
    /// <summary>
    /// The negative ELBO with its expectation replaced by the code at the posterior mean (a plug-in estimate, not a bound):
    /// −log p(x | z = E_q[z|x]) + KL(q(z|x) ‖ p(z)). No draws; one decoder pass a row. This is the score the ML.NET steps and the
    /// ONNX graph compute.
    /// </summary>
    PosteriorMean,

    /// <summary>
    /// The negative ELBO, −E_q[log p(x|z)] + KL(q(z|x) ‖ p(z)), the expectation taken over K posterior draws: an upper bound on
    /// −log p(x) in expectation over the draws (with K fixed draws, a Monte-Carlo estimate of that bound).
    /// </summary>
    PosteriorDraws,

    /// <summary>
    /// The importance-sampled −log p(x) with the encoder as proposal: −(logsumexp_k [log p(x|z_k) + log p(z_k) − log q(z_k|x)] − ln K).
    /// An upper bound in expectation that tightens as K grows.
    /// </summary>
    ImportanceSampled,
}
