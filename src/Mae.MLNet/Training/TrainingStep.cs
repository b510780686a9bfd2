using Mae.Modeling;
using Mae.Modeling.Columns;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>The scalar figures of one training step, read back to the CPU in one transfer.</summary>
internal readonly record struct StepFigures(double Elbo, double Reconstruction, double Rate, double InformationEstimate, double Penalty);

/// <summary>
/// One optimisation step of the chosen objective. θ (encoder and decoder) descends the objective's loss; ω (the auxiliary r)
/// ascends the information bound, and gets gradients from nothing else.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    private static readonly string[] FigureNames = ["ELBO", "reconstruction term", "KL term", "information estimate", "penalty", "marginal discrepancy", "code information estimate"];

    private readonly MutualAutoencoderNetworks networks;
    private readonly StepSettings settings;
    private readonly AdamOptimizer modelOptimizer;
    private readonly AdamOptimizer auxiliaryOptimizer;
    private readonly long totalSteps;
    private readonly Generator generator;

    // Held as fields so that libtorch never sees a Scalar that the garbage collector may free mid-call (see Scalars).
    private readonly Scalar priorEntropy;
    private readonly Scalar target;
    private readonly Scalar penaltyWeight;
    private readonly Scalar beta;
    private readonly Scalar capacityWeight;
    private readonly Scalar freeBitsFloor;
    private readonly Scalar marginalMatchingWeight;
    private readonly Scalar? cellDropout;
    private readonly MaximumMeanDiscrepancy? discrepancy;
    private readonly AggregatePosteriorBank? codeInformation;

    /// <summary>Prepares the optimisers and the step's constants; every random draw of the step comes from <paramref name="generator"/>, the fit's own.</summary>
    public TrainingStep(MutualAutoencoderNetworks networks, StepSettings settings, long totalSteps, Generator generator)
    {
        this.networks = networks;
        this.generator = generator;
        this.settings = settings;
        this.totalSteps = totalSteps;
        modelOptimizer = new AdamOptimizer(networks.ModelParameters(), settings.LearningRate);
        auxiliaryOptimizer = new AdamOptimizer(networks.AuxiliaryParameters(), settings.AuxiliaryLearningRate);
        priorEntropy = GaussianMath.PriorEntropy(networks.LatentDimension).ToScalar();
        target = settings.TargetInformation.ToScalar();
        PenaltyWeight = settings.PenaltyWeight;
        penaltyWeight = PenaltyWeight.ToScalar();
        beta = settings.Beta.ToScalar();
        capacityWeight = settings.CapacityWeight.ToScalar();
        freeBitsFloor = (settings.TargetInformation / networks.LatentDimension).ToScalar();
        double matching = settings.MarginalMatchingWeight;
        marginalMatchingWeight = matching.ToScalar();
        if (settings.EncoderCellDropout > 0)
            cellDropout = settings.EncoderCellDropout.ToScalar();
        if (settings.Objective == MutualAutoencoderObjective.MutualAutoencoder && matching > 0)
            discrepancy = new MaximumMeanDiscrepancy(networks.LatentDimension);
        if (settings.Objective == MutualAutoencoderObjective.MutualAutoencoder && settings.RateMultiplierLearningRate > 0)
            codeInformation = new AggregatePosteriorBank(settings.CodeInformationSampleSize, networks.LatentDimension);
    }

    /// <summary>The penalty weight λ in use: the option, or its default for the decoder's drawn features.</summary>
    public double PenaltyWeight { get; }

    /// <summary>The adaptive multiplier ν (zero unless the penalty is adaptive).</summary>
    public double Multiplier { get; private set; }

    /// <summary>The weight β of the rate in the Mutual Autoencoder's loss: 1 (the ELBO) unless the code's information is controlled.</summary>
    public double RateMultiplier { get; private set; } = 1;

    private const double MinimumRateMultiplier = 1e-3, MaximumRateMultiplier = 1e3;

    /// <summary>Rows of a batch (the batch is in random order) that the marginal matching and the code's information estimate use.</summary>
    private const int SubsampleRows = 256;

    /// <summary>Steps between two updates of β.</summary>
    private const int ControlInterval = 8;

    public StepFigures Run(Tensor rows, long step)
    {
        using var scope = NewDisposeScope();
        SetLearningRates(step);
        var decoder = networks.Decoder;
        bool informationShapesDecoder = settings.Objective == MutualAutoencoderObjective.MutualAutoencoder;

        // ELBO with reparameterised posterior samples and the analytic KL to N(0, I).
        var encoded = networks.Encoder.forward(decoder.ToNetworkInput(cellDropout is null ? rows : Cells.HideAtRandom(rows, cellDropout, generator)));
        var posterior = encoded.chunk(2, 1);
        var (mean, logVariance) = (posterior[0], posterior[1]);
        var z = GaussianMath.Sample(mean, logVariance, generator);

        // One decoder pass serves the posterior samples and the prior draws of the information bound.
        var priorDraws = randn(new long[] { settings.PriorSampleSize, networks.LatentDimension }, generator: generator);
        var decoded = decoder.Condition(cat([z, priorDraws], 0));
        var decodedPosterior = decoded.narrow(0, 0, z.shape[0]);
        var decodedPrior = decoded.narrow(0, z.shape[0], priorDraws.shape[0]);
        if (!informationShapesDecoder)
            decodedPrior = decodedPrior.detach(); // the baselines leave the decoder untouched by the bound

        var reconstruction = decoder.LogLikelihood(decodedPosterior, rows).mean();
        var ratePerDimension = GaussianMath.DivergenceFromStandardNormal(mean, logVariance).mean(new long[] { 0 });
        var rate = ratePerDimension.sum();
        var elbo = reconstruction - rate;

        InformationTerms information;
        Tensor estimate;
        (Tensor First, Tensor Second)? halves = null;
        if (settings.Penalty == InformationPenalty.IndependentSquared && informationShapesDecoder && priorDraws.shape[0] >= 2)
        {
            // Two independent estimates from the two halves of the prior draws: one gives the factor (Î − M), the other the gradient.
            long half = priorDraws.shape[0] / 2;
            var first = decoder.Information(decodedPrior.narrow(0, 0, half), priorDraws.narrow(0, 0, half), networks.Auxiliary, generator);
            var second = decoder.Information(decodedPrior.narrow(0, half, half), priorDraws.narrow(0, half, half), networks.Auxiliary, generator);
            halves = (first.DecoderSurrogate.Plus(priorEntropy), second.DecoderSurrogate.Plus(priorEntropy));
            information = new InformationTerms(
                first.DecoderSurrogate.Plus(second.DecoderSurrogate).mul(Scalars.Half),
                first.AuxiliaryObjective.Plus(second.AuxiliaryObjective).mul(Scalars.Half));
        }
        else
        {
            information = decoder.Information(decodedPrior, priorDraws, networks.Auxiliary, generator);
        }
        estimate = information.DecoderSurrogate.Plus(priorEntropy);

        var (loss, penalty) = ModelLoss(elbo, reconstruction, rate, ratePerDimension, estimate, halves, step);
        // Aggregate-posterior matching: the data's codes are kept where the bound's prior draws are.
        // Both on at most SubsampleRows rows: the MMD's cost grows with the square of its samples, and the estimate only steers β.
        long subsample = Math.Min(SubsampleRows, z.shape[0]);
        var mismatch = discrepancy is not null && subsample >= 2 && priorDraws.shape[0] >= 2   // the unbiased MMD² needs two of each
            ? discrepancy.Squared(z.narrow(0, 0, subsample), priorDraws.narrow(0, 0, Math.Min(SubsampleRows, priorDraws.shape[0])))
            : zeros(1).squeeze();
        if (discrepancy is not null)
            loss = loss.Plus(mismatch.mul(marginalMatchingWeight));
        // The estimate steers β every ControlInterval steps (with a step ControlInterval times as long): it costs as much as the
        // rest of a small model's step.
        bool steer = codeInformation is not null && step % ControlInterval == 0;
        Tensor codeEstimate;
        var (codes, codeSamples) = (encoded, z);
        using (no_grad())
        {
            // With cells hidden from the encoder, the information that β steers is that of the code of whole rows, the code the
            // model returns: a second pass over the rows as they are, without gradient.
            if (codeInformation is not null && cellDropout is not null)
            {
                codes = networks.Encoder.forward(decoder.ToNetworkInput(rows));
                if (steer)
                {
                    var parameters = codes.chunk(2, 1);
                    codeSamples = GaussianMath.Sample(parameters[0], parameters[1], generator);
                }
            }
            codeEstimate = steer ? codeInformation!.Information(codeSamples.narrow(0, 0, subsample), codes.narrow(0, 0, subsample)) : zeros(1).squeeze();
        }

        // Checked before the update, so a diverged step never reaches the weights.
        var figures = stack([elbo, reconstruction, rate, estimate, penalty, mismatch, codeEstimate]).detach().to_type(ScalarType.Float64).data<double>().ToArray();
        // The parts before their sum, so the message names the term that broke.
        foreach (int i in (int[])[1, 2, 3, 4, 5, 6, 0])
        {
            if (!double.IsFinite(figures[i]))
            {
                throw new InvalidOperationException(
                    $"Training diverged at step {step + 1}: the {FigureNames[i]} is {figures[i]}. " +
                    $"Lower {nameof(StepSettings.LearningRate)} (now {settings.LearningRate}) or {nameof(StepSettings.PenaltyWeight)} (now {PenaltyWeight:G4}), or check the data's scale.");
            }
        }

        modelOptimizer.ZeroGrad();
        auxiliaryOptimizer.ZeroGrad();
        // Neither term reaches the other's parameters (see InformationTerms): one backward pass serves both. When the encoder
        // serves as r, it learns from the ELBO and from r's objective, and never from the penalty.
        (loss - information.AuxiliaryObjective).backward();
        modelOptimizer.Step();
        auxiliaryOptimizer.Step();
        codeInformation?.Add(codes);
        if (steer && PastWarmStart(step))
        {
            // In log space: β spans orders of magnitude (small to raise I_q above the ELBO's choice, large to lower it) and stays positive.
            RateMultiplier = Math.Clamp(RateMultiplier * Math.Exp(ControlInterval * settings.RateMultiplierLearningRate * (figures[6] - settings.TargetInformation)),
                MinimumRateMultiplier, MaximumRateMultiplier);
        }

        if (settings.Objective == MutualAutoencoderObjective.MutualAutoencoder && settings.Penalty == InformationPenalty.Adaptive && PastWarmStart(step))
            Multiplier += settings.MultiplierLearningRate * (settings.TargetInformation - figures[3]);
        return new StepFigures(figures[0], figures[1], figures[2], figures[3], figures[4]);
    }

    private (Tensor Loss, Tensor Penalty) ModelLoss(Tensor elbo, Tensor reconstruction, Tensor rate, Tensor ratePerDimension, Tensor estimate, (Tensor First, Tensor Second)? halves, long step)
    {
        double progress = (double)step / totalSteps;
        var noPenalty = zeros(1).squeeze();
        switch (settings.Objective)
        {
            case MutualAutoencoderObjective.MutualAutoencoder:
                if (!PastWarmStart(step))
                    return (-elbo, noPenalty);
                var gap = estimate.sub(target);
                Tensor penalty;
                switch (settings.Penalty)
                {
                    case InformationPenalty.Absolute:
                        penalty = gap.abs().mul(penaltyWeight);
                        break;
                    case InformationPenalty.IndependentSquared when halves is var (first, second):
                        // Value λ(Î − M)²; gradient λ[(Î₁ − M)∇Î₂ + (Î₂ − M)∇Î₁], unbiased for ∇ λ(E Î − M)².
                        var crossed = (first.sub(target).detach() * second).Plus(second.sub(target).detach() * first);
                        penalty = DecoderDistribution.WithGradientOf((gap * gap).mul(penaltyWeight), crossed.mul(penaltyWeight));
                        break;
                    case InformationPenalty.Squared:
                    case InformationPenalty.IndependentSquared: // without two halves to draw on (a single prior draw)
                        penalty = (gap * gap).mul(penaltyWeight);
                        break;
                    default:
                        using (var multiplier = (-Multiplier).ToScalar())
                            penalty = gap.mul(multiplier).Plus((gap * gap).mul(penaltyWeight));
                        break;
                }
                if (RateMultiplier == 1)
                    return ((-elbo).Plus(penalty), penalty);
                using (var weight = RateMultiplier.ToScalar())
                    return ((-(reconstruction - rate.mul(weight))).Plus(penalty), penalty);
            case MutualAutoencoderObjective.VariationalAutoencoder:
                return (-elbo, noPenalty);
            case MutualAutoencoderObjective.BetaVariationalAutoencoder:
                return (-(reconstruction - rate.mul(beta)), noPenalty);
            case MutualAutoencoderObjective.KLAnnealing:
                using (var weight = Math.Min(1.0, (step + 1) / (settings.KLAnnealingFraction * totalSteps)).ToScalar())
                    return (-(reconstruction - rate.mul(weight)), noPenalty);
            case MutualAutoencoderObjective.CapacityTargeted:
                using (var capacity = (settings.TargetInformation * Math.Min(1.0, progress / settings.CapacityIncreaseFraction)).ToScalar())
                    return ((-reconstruction).Plus(rate.sub(capacity).abs().mul(capacityWeight)), noPenalty);
            case MutualAutoencoderObjective.FreeBits:
                return (-(reconstruction - ratePerDimension.clamp_min(freeBitsFloor).sum()), noPenalty);
            default:
                throw new InvalidOperationException($"Unknown objective {settings.Objective}.");
        }
    }

    /// <summary>Whether the Mutual Autoencoder's constraints are on: after <see cref="MutualAutoencoderOptions.WarmStartFraction"/> of training.</summary>
    private bool PastWarmStart(long step) => (double)step / totalSteps >= settings.WarmStartFraction;

    private void SetLearningRates(long step)
    {
        if (!settings.DecayLearningRate)
            return;
        double progress = (double)step / totalSteps;
        double factor = progress >= 0.85 ? 0.01 : progress >= 0.5 ? 0.1 : 1.0;
        modelOptimizer.LearningRate = settings.LearningRate * factor;
        auxiliaryOptimizer.LearningRate = settings.AuxiliaryLearningRate * factor;
    }

    public void Dispose()
    {
        modelOptimizer.Dispose();
        auxiliaryOptimizer.Dispose();
        foreach (var scalar in (Scalar[])[priorEntropy, target, penaltyWeight, beta, capacityWeight, freeBitsFloor, marginalMatchingWeight])
            scalar.Dispose();
        cellDropout?.Dispose();
        discrepancy?.Dispose();
        codeInformation?.Dispose();
    }
}
