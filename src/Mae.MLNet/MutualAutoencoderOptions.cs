using System.Globalization;

namespace Mae;

/// <summary>Options of a <see cref="MutualAutoencoderTrainer"/>.</summary>
/// <remarks>
/// Defaults come from one place and suit a featurizer for real data; the paper's toy problems
/// (examples/PaperFigures) set a one-dimensional code and smaller networks.
/// All options are checked once, when the trainer (or the ML.NET estimator) is created.
/// </remarks>
public class MutualAutoencoderOptions
{
    /// <summary>Dimension d of the latent code z, with prior p(z) = N(0, I_d). Must be positive.</summary>
    public int LatentDimension { get; set; } = Defaults.LatentDimension;

    /// <summary>
    /// Target information M, in nats, between data and code under the generative model.
    /// Must be finite and non-negative. The baselines use it too: it is the capacity C of
    /// <see cref="MutualAutoencoderObjective.CapacityTargeted"/>, and M/d is the per-dimension floor of
    /// <see cref="MutualAutoencoderObjective.FreeBits"/>.
    /// </summary>
    public double TargetInformation { get; set; } = Defaults.TargetInformation;

    /// <summary>The training objective: the Mutual Autoencoder, or one of the baselines.</summary>
    public MutualAutoencoderObjective Objective { get; set; } = Defaults.Objective;

    /// <summary>How the information constraint is enforced (Mutual Autoencoder only).</summary>
    public InformationPenalty Penalty { get; set; } = Defaults.Penalty;

    /// <summary>
    /// Weight λ of the information penalty (the quadratic weight for <see cref="InformationPenalty.Adaptive"/>).
    /// Must be finite and positive when set. Too small a weight misses the target; too large a one feeds the estimator's noise
    /// into the decoder and costs ELBO. <c>null</c> (the default) uses 50/∛D, where D is the number of features the information
    /// estimate draws per z: the features of a Gaussian or Bernoulli decoder, 1 for the categorical decoder, whose expectation is
    /// exact. 50 suits one feature (the paper's toy problems); on 784 Bernoulli pixels 50 cost 85 nats of ELBO at M = 5, 1.8
    /// (50/√D) missed M = 2 by a nat, and 5.4 (50/∛D) met M = 2 to 8 within 0.5 nat (docs/results/knob-candidates.csv).
    /// </summary>
    public double? PenaltyWeight { get; set; }

    /// <summary>Step size η of the dual ascent on the multiplier of <see cref="InformationPenalty.Adaptive"/>. Must be finite and positive.</summary>
    public double MultiplierLearningRate { get; set; } = Defaults.MultiplierLearningRate;

    /// <summary>
    /// Weight γ of the aggregate-posterior matching term γ·MMD²(q(z), p(z)) of the Mutual Autoencoder: it keeps the codes of the
    /// data where the information bound draws its z, the prior, so that the rate is the code's information. 0 turns it off.
    /// Must be finite and non-negative when set. <c>null</c> (the default) uses F/8 for F features a row (1 for the categorical
    /// decoder): the ELBO grows with F, and so must the term to weigh the same. On 784 pixels (γ = 98) it holds
    /// KL(q(z) ‖ p(z)) within the VAE's at M ≤ 6; on the paper's one-feature toys any weight above 1 distorts the model marginal.
    /// </summary>
    public double? MarginalMatchingWeight { get; set; }

    /// <summary>
    /// Step size η_q of the dual ascent that holds the code users consume at M (Mutual Autoencoder only): the weight β of the rate
    /// in the loss −E_q[log p(x|z)] + β·KL(q(z|x) ‖ p(z)) follows β ← max(0, β + η_q·(Î_q − M)), where Î_q estimates the information
    /// I_q(z, x) of the code on the training batches. β starts at 1 (the ELBO). 0 turns the control off. Must be finite and non-negative.
    /// </summary>
    /// <remarks>
    /// β is the Lagrange multiplier of the constraint I_q = M when the aggregate posterior matches the prior (so that the rate is
    /// I_q; see <see cref="MarginalMatchingWeight"/>). The estimate only steers β and sends no gradient: an encoder trained on the
    /// estimate's gradient learns to move the estimate, not the information.
    /// </remarks>
    public double RateMultiplierLearningRate { get; set; } = Defaults.RateMultiplierLearningRate;

    /// <summary>
    /// Recent training rows whose posteriors, besides the batch's, form the aggregate posterior q(z) of the estimate Î_q that steers
    /// <see cref="RateMultiplierLearningRate"/>'s β; the estimate's cap is ln(this + batch). Must be positive. Memory: 2·d floats a row.
    /// </summary>
    public int CodeInformationSampleSize { get; set; } = Defaults.CodeInformationSampleSize;

    /// <summary>
    /// When <c>true</c> (Mutual Autoencoder only), the encoder q(z|x) is also the auxiliary r(z|x) of the information bound: it learns
    /// to recover z from the decoder's draws as well as from the data, and no separate auxiliary network is trained.
    /// </summary>
    public bool EncoderServesAsAuxiliary { get; set; } = Defaults.EncoderServesAsAuxiliary;

    /// <summary>
    /// Fraction of training (Mutual Autoencoder only) spent as a plain VAE before the information penalty is turned on; r trains
    /// throughout. Must be within [0, 1).
    /// </summary>
    public double WarmStartFraction { get; set; } = Defaults.WarmStartFraction;

    /// <summary>Weight β of the KL term for <see cref="MutualAutoencoderObjective.BetaVariationalAutoencoder"/>. Must be finite and non-negative.</summary>
    public double Beta { get; set; } = Defaults.Beta;

    /// <summary>Fraction of training over which the KL weight of <see cref="MutualAutoencoderObjective.KLAnnealing"/> rises linearly from 0 to 1. Must be within (0, 1].</summary>
    public double KLAnnealingFraction { get; set; } = Defaults.KLAnnealingFraction;

    /// <summary>Weight γ of |KL − C| for <see cref="MutualAutoencoderObjective.CapacityTargeted"/>. Must be finite and positive.</summary>
    public double CapacityWeight { get; set; } = Defaults.CapacityWeight;

    /// <summary>Fraction of training over which the capacity C of <see cref="MutualAutoencoderObjective.CapacityTargeted"/> rises linearly from 0 to <see cref="TargetInformation"/>. Must be within (0, 1].</summary>
    public double CapacityIncreaseFraction { get; set; } = Defaults.CapacityIncreaseFraction;

    /// <summary>The family of the decoder distribution p(x|z).</summary>
    public DecoderFamily Decoder { get; set; } = Defaults.Decoder;

    /// <summary>Number of classes K for <see cref="DecoderFamily.Categorical"/> (at least 2); ignored by the other families.</summary>
    public int NumberOfClasses { get; set; }

    /// <summary>
    /// Features per group S of an autoregressive decoder (<see cref="DecoderFamily.AutoregressiveBernoulli"/>,
    /// <see cref="DecoderFamily.AutoregressiveGaussian"/>), which models p(x|z) as Π_t p(x_t | x_&lt;t, z) over F/S groups taken in
    /// the order of the features: 28 for the rows of a 28×28 image. Required for those families, where it must be positive and divide
    /// the number of features; ignored by the others. The draw of the information term takes F/S sequential GRU steps.
    /// </summary>
    public int? GroupSize { get; set; }

    /// <summary>Width H of an autoregressive decoder's GRU state. Must be positive; ignored by the factorized families.</summary>
    public int DecoderHiddenSize { get; set; } = Defaults.DecoderHiddenSize;

    /// <summary>
    /// Draws K per row of the importance-sampled log p(x) in the final epoch's report
    /// (<see cref="MutualAutoencoderEpochReport.ImportanceSampledLogLikelihood"/>), on at most 256 evaluation rows. 0 turns it off.
    /// Must be non-negative. It costs K decoder passes per row, which for an autoregressive decoder of 784 pixels is tens of seconds.
    /// </summary>
    public int NumberOfImportanceSamples { get; set; } = Defaults.NumberOfImportanceSamples;

    /// <summary>Widths of the hidden layers shared in shape by the encoder, the decoder and the auxiliary network. At least one layer; every width positive.</summary>
    public IReadOnlyList<int> HiddenSizes { get; set; } = Defaults.HiddenSizes;

    /// <summary>The nonlinearity after every hidden layer.</summary>
    public HiddenActivation Activation { get; set; } = Defaults.Activation;

    /// <summary>
    /// Number of passes over the training data. Must be positive. See <see cref="MinimumNumberOfSteps"/> for small data and
    /// <see cref="MaximumNumberOfSteps"/> for large tables.
    /// </summary>
    public int NumberOfEpochs { get; set; } = Defaults.NumberOfEpochs;

    /// <summary>
    /// The fewest training steps: when <see cref="NumberOfEpochs"/> passes hold fewer steps (small data: 20 epochs of a 300-row
    /// table are 20 steps of 240 rows), training runs the fewest whole epochs that reach it. Must be non-negative. <c>null</c>
    /// (the default) means 1,000 for a table (the multi-column ML.NET step; measured on the small public tables, see the README) and 0
    /// otherwise, which keeps the single-column step's epochs as they are.
    /// </summary>
    public int? MinimumNumberOfSteps { get; set; }

    /// <summary>
    /// The most training steps: when <see cref="NumberOfEpochs"/> passes hold more (large data), training stops after this many
    /// steps, the last epoch cut short. Must be positive, and at least <see cref="MinimumNumberOfSteps"/> when both are set.
    /// <c>null</c> (the default) means 2,000 for a table (the multi-column ML.NET step: on 50,000 generated rows the held-out
    /// log-likelihood gained 0.3 nat a row from 1,880 to 3,760 steps, and 0.8 nat from 1,128 to 1,880; see the README) and no
    /// limit otherwise, which keeps the single-column step's epochs as they are. Raise it to train a large table for all its epochs.
    /// A run cut inside its first epoch trains on the rows it has read: the data are read in order through a shuffle buffer
    /// (<c>ShuffleBufferSize</c> rows in the ML.NET step), so shuffle a large table whose order matters (ML.NET's
    /// <c>ShuffleRows</c>, or a random order when writing it) before fitting.
    /// </summary>
    public int? MaximumNumberOfSteps { get; set; }

    /// <summary>Data rows per training step. Must be positive. A data set smaller than a batch still trains, in one smaller batch per epoch.</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>
    /// Draws z ~ p(z) per training step for the information estimate; <c>null</c> uses the larger of <see cref="BatchSize"/> and
    /// 1,024, and 256 for a table (the multi-column ML.NET step, whose narrow rows make the draws most of a step: 1,024 draws take a
    /// 20-column step from 21 to 44 ms, and the code's held-out I_q stayed within 3% of M = 5 with 256; see the README). Must be positive when set. More draws mean a less noisy penalty gradient (the ELBO of 784 Bernoulli pixels at
    /// M = 6 gains about 7 nats from 256 to 1,024 draws) at the cost of a larger decoder pass.
    /// </summary>
    public int? PriorSampleSize { get; set; }

    /// <summary>Adam learning rate of the encoder and decoder. Must be finite and positive.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>Adam learning rate of the auxiliary network r(z|x). Must be finite and positive.</summary>
    public double AuxiliaryLearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>When <c>true</c>, both learning rates are cut ×0.1 at 50% and again at 85% of the training steps.</summary>
    public bool DecayLearningRate { get; set; } = true;

    /// <summary>
    /// For a table (the multi-column step): the probability that a training step hides each observed cell from the encoder, whose
    /// reconstruction term still counts it. The code then learns to predict cells it does not see, which is what an imputation
    /// asks of it; the ELBO stays a bound on log p of the observed cells, as q(z|x) may read any part of the row. 0 (the default)
    /// shows the encoder every observed cell. Must be within [0, 1); the single-column model reads no missing cells and refuses
    /// a positive value. Hiding cells draws from the fit's generator, so a seeded fit with a positive value trains on other draws.
    /// </summary>
    /// <remarks>
    /// The terms that need gradients (the rate, the marginal matching, the decoder's reconstruction) work on the codes of the
    /// partly hidden rows. The information that <see cref="RateMultiplierLearningRate"/> steers is that of the code of whole rows,
    /// which the model returns, read by a second encoder pass without gradient; with <see cref="RateMultiplierLearningRate"/> = 0
    /// nothing steers it, and the code of whole rows holds more than M (2.98 nats at M = 2 on the tests' synthetic table,
    /// against 2.03 when steered). Measured on seven public tables (see the README), it helped the MAE at M = 5 impute and did
    /// not help at M = 2 or for the VAE. The anomaly detector and the multi-column step both honour it.
    /// </remarks>
    public double EncoderCellDropout { get; set; }

    /// <summary>Seed of every random draw (weights, batches, noise). <c>null</c> draws a seed. A fixed seed and thread count give bit-identical results.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Threads for tensor operations; must be positive. The default, 1, is fastest for the small networks of the
    /// toy problems and keeps a busy machine responsive; wider networks gain from 2–4.
    /// </summary>
    public int NumberOfThreads { get; set; } = Defaults.NumberOfThreads;

    /// <summary>Data rows kept each epoch for the diagnostics (I_q, active units, exact log-likelihood). Must be at least 2.</summary>
    public int EvaluationSampleSize { get; set; } = Defaults.EvaluationSampleSize;

    /// <summary>Draws z ~ p(z) for the information estimate reported each epoch. Must be positive.</summary>
    public int EvaluationPriorSampleSize { get; set; } = Defaults.EvaluationPriorSampleSize;

    /// <summary>
    /// Whether every epoch's report carries the diagnostics (Î_p, I_q, rate and active units on the evaluation rows, and the exact
    /// figures where they can be computed). When <c>false</c>, only the last epoch computes them, and earlier reports carry the
    /// training figures (ELBO, reconstruction, rate, penalty, multipliers) with NaN, 0 or <c>null</c> for the rest: worth it when
    /// the diagnostics cost much against an epoch (exact figures by enumeration, many short epochs). The diagnostics draw from the
    /// fit's generator, so a seeded fit with <c>false</c> trains on other draws than with <c>true</c>, equally valid and as reproducible.
    /// </summary>
    public bool EvaluateEveryEpoch { get; set; } = true;

    /// <summary>
    /// The columns of a table whose rows the data holds, one <see cref="Modeling.Columns.ColumnBlock"/> per column, each with its own
    /// likelihood and NaN for a missing cell; <c>null</c> (the default) uses <see cref="Decoder"/> for every value. Internal until
    /// the multi-column ML.NET verb and the table's ONNX export exist.
    /// </summary>
    internal Modeling.Columns.TableSpecification? Table { get; set; }

    /// <summary>Epochs to train on data of <paramref name="batchesPerEpoch"/> batches: <see cref="NumberOfEpochs"/>, raised to reach <see cref="MinimumNumberOfSteps"/>.</summary>
    internal int EffectiveNumberOfEpochs(int batchesPerEpoch)
    {
        long minimum = EffectiveMinimumNumberOfSteps;
        long needed = (minimum + Math.Max(1, batchesPerEpoch) - 1) / Math.Max(1, batchesPerEpoch);
        return (int)Math.Min(int.MaxValue, Math.Max(NumberOfEpochs, needed));
    }

    /// <summary><see cref="MinimumNumberOfSteps"/> as set, or its default: 1,000 for a table (lowered to a maximum set below it), none for one column.</summary>
    internal int EffectiveMinimumNumberOfSteps => MinimumNumberOfSteps
        ?? (Table is null ? 0 : Math.Min(Defaults.TableMinimumNumberOfSteps, MaximumNumberOfSteps ?? int.MaxValue));

    /// <summary>
    /// <see cref="MaximumNumberOfSteps"/> as set, or its default: 2,000 for a table (raised to a minimum set above it), none for one column.
    /// </summary>
    internal int EffectiveMaximumNumberOfSteps => MaximumNumberOfSteps
        ?? (Table is null ? int.MaxValue : Math.Max(Defaults.TableMaximumNumberOfSteps, EffectiveMinimumNumberOfSteps));

    /// <summary>
    /// Steps to train on data of <paramref name="batchesPerEpoch"/> batches: the <see cref="EffectiveNumberOfEpochs"/> whole epochs,
    /// cut to <see cref="MaximumNumberOfSteps"/>.
    /// </summary>
    internal long EffectiveNumberOfSteps(int batchesPerEpoch) =>
        Math.Min((long)EffectiveNumberOfEpochs(batchesPerEpoch) * Math.Max(1, batchesPerEpoch), EffectiveMaximumNumberOfSteps);

    internal int EffectivePriorSampleSize => PriorSampleSize ?? (Table is null ? Math.Max(BatchSize, Defaults.MinimumPriorSampleSize) : Defaults.TablePriorSampleSize);

    /// <summary>γ as set, or F/8 for rows of F features (see <see cref="MarginalMatchingWeight"/>).</summary>
    internal double EffectiveMarginalMatchingWeight(int featureCount) => MarginalMatchingWeight ?? featureCount * Defaults.MarginalMatchingWeightPerFeature;

    /// <summary>λ as set, or 50/∛D for an estimate that draws D features per z (see <see cref="PenaltyWeight"/>).</summary>
    internal double EffectivePenaltyWeight(int drawnFeatures) => PenaltyWeight ?? Defaults.PenaltyWeight / Math.Cbrt(drawnFeatures);

    /// <summary>What the networks are built from (Modeling reads this, not the options).</summary>
    internal Modeling.NetworkSettings Networks => new(Decoder, LatentDimension, HiddenSizes, Activation, NumberOfClasses, GroupSize, DecoderHiddenSize,
        Objective == MutualAutoencoderObjective.MutualAutoencoder && EncoderServesAsAuxiliary);

    /// <summary>What a training step of <paramref name="decoder"/> reads, every default resolved for it (Training reads this, not the options).</summary>
    internal Training.StepSettings Step(Modeling.DecoderDistribution decoder) => new()
    {
        Objective = Objective,
        Penalty = Penalty,
        TargetInformation = TargetInformation,
        PenaltyWeight = EffectivePenaltyWeight(Math.Max(1, decoder.DrawnFeatures)),
        MultiplierLearningRate = MultiplierLearningRate,
        MarginalMatchingWeight = EffectiveMarginalMatchingWeight(decoder.RowWidth),
        RateMultiplierLearningRate = RateMultiplierLearningRate,
        CodeInformationSampleSize = CodeInformationSampleSize,
        WarmStartFraction = WarmStartFraction,
        Beta = Beta,
        KLAnnealingFraction = KLAnnealingFraction,
        CapacityWeight = CapacityWeight,
        CapacityIncreaseFraction = CapacityIncreaseFraction,
        PriorSampleSize = EffectivePriorSampleSize,
        LearningRate = LearningRate,
        AuxiliaryLearningRate = AuxiliaryLearningRate,
        DecayLearningRate = DecayLearningRate,
        EncoderCellDropout = EncoderCellDropout,
    };

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/> naming the option, the expected range and the actual value.</summary>
    /// <param name="classCountFromData">Whether a categorical decoder may leave <see cref="NumberOfClasses"/> at 0 for the data to supply it (the ML.NET estimator, from a key column's count).</param>
    internal virtual void Validate(bool classCountFromData = false)
    {
        Positive(LatentDimension, nameof(LatentDimension));
        if (!double.IsFinite(TargetInformation) || TargetInformation < 0)
            throw OutOfRange(nameof(TargetInformation), "must be finite and non-negative", TargetInformation);
        Defined(Objective, nameof(Objective));
        Defined(Penalty, nameof(Penalty));
        Defined(Decoder, nameof(Decoder));
        Defined(Activation, nameof(Activation));
        if (PenaltyWeight is double weight)
            FinitePositive(weight, nameof(PenaltyWeight));
        FinitePositive(MultiplierLearningRate, nameof(MultiplierLearningRate));
        if (!double.IsFinite(Beta) || Beta < 0)
            throw OutOfRange(nameof(Beta), "must be finite and non-negative", Beta);
        if (MarginalMatchingWeight is double matching && !(double.IsFinite(matching) && matching >= 0))
            throw OutOfRange(nameof(MarginalMatchingWeight), "must be finite and non-negative", matching);
        if (!double.IsFinite(RateMultiplierLearningRate) || RateMultiplierLearningRate < 0)
            throw OutOfRange(nameof(RateMultiplierLearningRate), "must be finite and non-negative", RateMultiplierLearningRate);
        Positive(CodeInformationSampleSize, nameof(CodeInformationSampleSize));
        if (!(WarmStartFraction >= 0 && WarmStartFraction < 1))
            throw OutOfRange(nameof(WarmStartFraction), "must be within [0, 1)", WarmStartFraction);
        Fraction(KLAnnealingFraction, nameof(KLAnnealingFraction));
        FinitePositive(CapacityWeight, nameof(CapacityWeight));
        Fraction(CapacityIncreaseFraction, nameof(CapacityIncreaseFraction));
        if (Decoder == DecoderFamily.Categorical && NumberOfClasses < 2 && !(NumberOfClasses == 0 && classCountFromData))
            throw OutOfRange(nameof(NumberOfClasses), "must be at least 2 for the categorical decoder", NumberOfClasses);
        if (Decoder is DecoderFamily.AutoregressiveBernoulli or DecoderFamily.AutoregressiveGaussian && GroupSize is null)
            throw new ArgumentException($"{nameof(MutualAutoencoderOptions)}.{nameof(GroupSize)} is required for the {Decoder} decoder (features per group, a divisor of the row's features); got none.", nameof(GroupSize));
        if (GroupSize is int groupSize)
            Positive(groupSize, nameof(GroupSize));
        Positive(DecoderHiddenSize, nameof(DecoderHiddenSize));
        if (MinimumNumberOfSteps < 0)
            throw OutOfRange(nameof(MinimumNumberOfSteps), "must be non-negative", MinimumNumberOfSteps);
        if (MaximumNumberOfSteps is int maximumSteps)
        {
            Positive(maximumSteps, nameof(MaximumNumberOfSteps));
            if (MinimumNumberOfSteps is int minimumSteps && minimumSteps > maximumSteps)
            {
                throw OutOfRange(nameof(MaximumNumberOfSteps),
                    string.Create(CultureInfo.InvariantCulture, $"must be at least {nameof(MinimumNumberOfSteps)} ({minimumSteps})"), maximumSteps);
            }
        }
        if (NumberOfImportanceSamples < 0)
            throw OutOfRange(nameof(NumberOfImportanceSamples), "must be non-negative", NumberOfImportanceSamples);
        if (HiddenSizes is null || HiddenSizes.Count == 0)
            throw new ArgumentException($"{nameof(MutualAutoencoderOptions)}.{nameof(HiddenSizes)} must name at least one hidden layer; got none.", nameof(HiddenSizes));
        for (int i = 0; i < HiddenSizes.Count; i++)
        {
            if (HiddenSizes[i] <= 0)
                throw OutOfRange(nameof(HiddenSizes), $"entry {i} must be positive", HiddenSizes[i]);
        }
        Positive(NumberOfEpochs, nameof(NumberOfEpochs));
        Positive(BatchSize, nameof(BatchSize));
        if (PriorSampleSize is int prior)
            Positive(prior, nameof(PriorSampleSize));
        FinitePositive(LearningRate, nameof(LearningRate));
        FinitePositive(AuxiliaryLearningRate, nameof(AuxiliaryLearningRate));
        Positive(NumberOfThreads, nameof(NumberOfThreads));
        if (!(EncoderCellDropout >= 0 && EncoderCellDropout < 1))
            throw OutOfRange(nameof(EncoderCellDropout), "must be within [0, 1)", EncoderCellDropout);
        if (EvaluationSampleSize < 2)
            throw OutOfRange(nameof(EvaluationSampleSize), "must be at least 2", EvaluationSampleSize);
        Positive(EvaluationPriorSampleSize, nameof(EvaluationPriorSampleSize));
    }

    /// <summary>A copy of the options, of the same runtime type, that later changes to this instance do not affect.</summary>
    internal MutualAutoencoderOptions Clone()
    {
        var copy = (MutualAutoencoderOptions)MemberwiseClone();
        copy.HiddenSizes = HiddenSizes.ToArray();
        copy.CopyCollections();
        return copy;
    }

    /// <summary>Replaces, in a fresh copy, the collections a subclass holds by copies of them.</summary>
    private protected virtual void CopyCollections()
    {
    }

    /// <summary>
    /// A copy as <see cref="Clone"/> makes, without the caller's objects that only a training run uses (an estimator's context,
    /// progress receiver and cancellation token), so that a trainer and the model it returns keep none of them alive.
    /// </summary>
    internal MutualAutoencoderOptions CloneWithoutCallerObjects()
    {
        var copy = Clone();
        copy.ReleaseCallerObjects();
        return copy;
    }

    /// <summary>Clears the options that hold the caller's objects; see <see cref="CloneWithoutCallerObjects"/>.</summary>
    private protected virtual void ReleaseCallerObjects()
    {
    }

    private protected static void Positive(int value, string name)
    {
        if (value <= 0)
            throw OutOfRange(name, "must be positive", value);
    }

    private static void FinitePositive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw OutOfRange(name, "must be finite and positive", value);
    }

    private static void Fraction(double value, string name)
    {
        if (!(value > 0 && value <= 1))
            throw OutOfRange(name, "must be within (0, 1]", value);
    }

    private protected static void Defined<TEnum>(TEnum value, string name)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw OutOfRange(name, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}", value);
    }

    private protected static ArgumentOutOfRangeException OutOfRange(string name, string rule, object actual) =>
        new(name, actual, string.Create(CultureInfo.InvariantCulture, $"{nameof(MutualAutoencoderOptions)}.{name} {rule}; got {actual}."));

    internal static class Defaults
    {
        public const int LatentDimension = 16;
        public const double TargetInformation = 5.0;
        public const MutualAutoencoderObjective Objective = MutualAutoencoderObjective.MutualAutoencoder;
        public const InformationPenalty Penalty = InformationPenalty.Squared;
        public const double PenaltyWeight = 50.0;
        public const double MultiplierLearningRate = 0.05;
        public const double MarginalMatchingWeightPerFeature = 0.125;
        public const bool EncoderServesAsAuxiliary = false;
        public const double RateMultiplierLearningRate = 0.02;
        public const int CodeInformationSampleSize = 8192;
        public const double WarmStartFraction = 0.0;
        public const double Beta = 4.0;
        public const double KLAnnealingFraction = 0.3;
        public const double CapacityWeight = 100.0;
        public const double CapacityIncreaseFraction = 0.5;
        public const DecoderFamily Decoder = DecoderFamily.Gaussian;
        public static readonly IReadOnlyList<int> HiddenSizes = [256, 256];
        public const HiddenActivation Activation = HiddenActivation.Tanh;
        public const int NumberOfEpochs = 20;

        /// <summary>The fewest steps a table trains for (see <see cref="MinimumNumberOfSteps"/>), from the imputation of the small public tables.</summary>
        public const int TableMinimumNumberOfSteps = 1000;
        /// <summary>The most steps a table trains for by default (see <see cref="MaximumNumberOfSteps"/>), from the 50,000-row table-fit benchmark.</summary>
        public const int TableMaximumNumberOfSteps = 2000;
        /// <summary>Prior draws per step for a table (see <see cref="PriorSampleSize"/>).</summary>
        public const int TablePriorSampleSize = 256;
        public const int BatchSize = 256;
        public const double LearningRate = 1e-3;
        public const int NumberOfThreads = 1;
        public const int EvaluationSampleSize = 2048;
        public const int EvaluationPriorSampleSize = 4096;
        public const int MinimumPriorSampleSize = 1024;
        public const int DecoderHiddenSize = 256;
        public const int NumberOfImportanceSamples = 100;
    }
}
