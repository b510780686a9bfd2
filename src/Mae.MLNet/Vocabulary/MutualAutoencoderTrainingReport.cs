namespace Mae;

/// <summary>Diagnostics of one training epoch. All quantities are in nats; per-row figures are averages over the epoch's batches.</summary>
public sealed class MutualAutoencoderEpochReport
{
    internal MutualAutoencoderEpochReport() { }

    /// <summary>Epoch number, starting at 1.</summary>
    public int Epoch { get; init; }

    /// <summary>
    /// The epochs the run trains: <see cref="MutualAutoencoderOptions.NumberOfEpochs"/>, or more when
    /// <see cref="MutualAutoencoderOptions.MinimumNumberOfSteps"/> raises it, or fewer when
    /// <see cref="MutualAutoencoderOptions.MaximumNumberOfSteps"/> cuts it (the last one then ends early).
    /// </summary>
    public int NumberOfEpochs { get; init; }

    /// <summary>Training steps completed so far.</summary>
    public long Step { get; init; }

    /// <summary>Evidence lower bound per row, E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)): a lower bound on log p(x); higher is better.</summary>
    public double Elbo { get; init; }

    /// <summary>Reconstruction term per row, E_q[log p(x|z)]; non-positive for discrete data, any sign for densities.</summary>
    public double Reconstruction { get; init; }

    /// <summary>Rate per row, KL(q(z|x) ‖ p(z)); non-negative, and an upper bound on the information I_q(z, x) under the encoder.</summary>
    public double Rate { get; init; }

    /// <summary>
    /// The variational lower bound Î_p = H(z) + E_{z~p(z), x~p(x|z)} log r(z|x) on the information I_p(z, x) under the generative model,
    /// from fresh prior draws at the end of the epoch. This is the quantity the Mutual Autoencoder holds at the target. NaN for an epoch
    /// that <see cref="MutualAutoencoderOptions.EvaluateEveryEpoch"/> left unevaluated, as are the other evaluation figures (I_q, the
    /// evaluation rate); such an epoch reports 0 evaluation rows and active units, and no exact figures.
    /// </summary>
    public double InformationBound { get; init; }

    /// <summary>Mean value of the information penalty over the epoch (0 for the baselines).</summary>
    public double Penalty { get; init; }

    /// <summary>The multiplier ν of <see cref="InformationPenalty.Adaptive"/> at the end of the epoch; <c>null</c> for other penalties and objectives.</summary>
    public double? Multiplier { get; init; }

    /// <summary>
    /// The weight β of the rate in the Mutual Autoencoder's loss at the end of the epoch, steered so that the code holds M
    /// (see <see cref="MutualAutoencoderOptions.RateMultiplierLearningRate"/>); <c>null</c> when that control is off.
    /// </summary>
    public double? RateMultiplier { get; init; }

    /// <summary>
    /// Information I_q(z, x) between the data and the code that users consume, from the aggregate-posterior estimator (He et al., 2019)
    /// on the evaluation rows, which the trainer kept out of training (see <see cref="MutualAutoencoderTrainingReport.EvaluationRowsHeldOut"/>).
    /// It cannot exceed <see cref="InformationCap"/>, and on a few hundred rows it reads low by a few tenths of a nat (see
    /// <see cref="LeaveOneOutInformation"/> for the other side). One draw z ~ q(z|x) per row, except on the last epoch, which averages
    /// enough draws for 2,048 in all (at most 16 a row) to steady the figure on small evaluation sets.
    /// </summary>
    public double AggregatePosteriorInformation { get; init; }

    /// <summary>
    /// The leave-one-out estimate of the same I_q on the same draws (see <see cref="InformationEvaluation.LeaveOneOutInformation"/>):
    /// an upper bound in expectation where <see cref="AggregatePosteriorInformation"/> is a lower one, and not capped by ln N.
    /// </summary>
    public double LeaveOneOutInformation { get; init; }

    /// <summary>
    /// Number N of evaluation rows behind <see cref="AggregatePosteriorInformation"/>, <see cref="EvaluationRate"/> and <see cref="ActiveUnits"/>:
    /// an evenly spread subset of at most <see cref="MutualAutoencoderOptions.EvaluationSampleSize"/> held-out rows for each epoch but the
    /// last, and every held-out row for the last.
    /// </summary>
    public int EvaluationRowCount { get; init; }

    /// <summary>
    /// Draws z ~ q(z|x) per evaluation row behind <see cref="AggregatePosteriorInformation"/> and <see cref="LeaveOneOutInformation"/>:
    /// 1 on every epoch but the last, which takes enough for 2,048 in all (at most 16); 0 when the epoch was not evaluated.
    /// </summary>
    public int EvaluationDraws { get; init; }

    /// <summary>ln N, the largest value the aggregate-posterior estimator can return on <see cref="EvaluationRowCount"/> rows.</summary>
    public double InformationCap => EvaluationRowCount > 0 ? Math.Log(EvaluationRowCount) : double.NaN;

    /// <summary>The rate E_x KL(q(z|x) ‖ p(z)) on the evaluation rows (the <see cref="Rate"/> is the training batches' average).</summary>
    public double EvaluationRate { get; init; }

    /// <summary>
    /// KL(q(z) ‖ p(z)) = <see cref="EvaluationRate"/> − <see cref="AggregatePosteriorInformation"/>: how far the evaluation rows' aggregate
    /// posterior lies from the prior. Large values mean the data's codes sit in a corner of the prior, away from where the information
    /// bound draws z. Biased upwards when I_q comes close to the cap.
    /// </summary>
    public double MarginalDivergence => EvaluationRate - AggregatePosteriorInformation;

    /// <summary>Latent units u whose posterior mean varies across the evaluation rows: Var_x E_q[z_u] ≥ 0.01.</summary>
    public int ActiveUnits { get; init; }

    /// <summary>
    /// Set on the last epoch of a Mutual Autoencoder whose code holds more than 20% less than min(M, <see cref="InformationCap"/>) on the
    /// evaluation rows: the message names both numbers and what to try. <c>null</c> otherwise.
    /// </summary>
    public string? Warning { get; init; }

    /// <summary>
    /// Exact I_p(z, x) by quadrature over z, for a one-dimensional code with a categorical decoder, a one-feature Gaussian decoder, or a Bernoulli
    /// or autoregressive Bernoulli decoder of at most 12 features (by enumeration over x); otherwise <c>null</c>.
    /// </summary>
    public double? ExactInformation { get; init; }

    /// <summary>
    /// Exact mean log-likelihood log p(x) of the evaluation rows by quadrature over z, for a one-dimensional code; otherwise <c>null</c>, and also
    /// when the distinct rows are too many for the decoder's cost (more than 2·10⁹ decoder values over the grid, which only an autoregressive decoder reaches).
    /// </summary>
    public double? ExactLogLikelihood { get; init; }

    /// <summary>
    /// The importance-sampled estimate of the mean log p(x) of the evaluation rows (see <see cref="MutualAutoencoderModel.EstimateLogLikelihood"/>),
    /// with K = <see cref="MutualAutoencoderOptions.NumberOfImportanceSamples"/> draws per row, on <see cref="ImportanceSampledRowCount"/>
    /// evenly spread evaluation rows (at most 256: each costs K decoder passes). Set on the last epoch only, and <c>null</c> when K is 0.
    /// Unlike the ELBO it compares models whose decoders differ, a factorized and an autoregressive one say.
    /// </summary>
    public double? ImportanceSampledLogLikelihood { get; init; }

    /// <summary>Rows behind <see cref="ImportanceSampledLogLikelihood"/>; 0 when it is not set.</summary>
    public int ImportanceSampledRowCount { get; init; }

    /// <summary>Seconds since training started.</summary>
    public double Seconds { get; init; }
}

/// <summary>The read-only record of a training run: one <see cref="MutualAutoencoderEpochReport"/> per epoch.</summary>
public sealed class MutualAutoencoderTrainingReport
{
    internal MutualAutoencoderTrainingReport(MutualAutoencoderObjective objective, InformationPenalty penalty, double targetInformation, int seed, bool evaluationRowsHeldOut, IReadOnlyList<MutualAutoencoderEpochReport> epochs)
    {
        EvaluationRowsHeldOut = evaluationRowsHeldOut;
        Objective = objective;
        Penalty = penalty;
        TargetInformation = targetInformation;
        Seed = seed;
        Epochs = epochs;
    }

    /// <summary>The objective that was trained.</summary>
    public MutualAutoencoderObjective Objective { get; }

    /// <summary>The information penalty (used by the Mutual Autoencoder objective only).</summary>
    public InformationPenalty Penalty { get; }

    /// <summary>The target information M in nats.</summary>
    public double TargetInformation { get; }

    /// <summary>The seed the run used (drawn when none was given), so that it can be repeated.</summary>
    public int Seed { get; }

    /// <summary>
    /// Whether the evaluation rows were kept out of training: true for a sampler (fresh draws) and for data of at least ten rows, of which
    /// up to a fifth are held out; false for smaller data, whose first rows then serve as evaluation rows and train too.
    /// </summary>
    public bool EvaluationRowsHeldOut { get; }

    /// <summary>One report per epoch, in order.</summary>
    public IReadOnlyList<MutualAutoencoderEpochReport> Epochs { get; }

    /// <summary>The report of the last epoch: the trained model's figures.</summary>
    public MutualAutoencoderEpochReport Final => Epochs[^1];
}
