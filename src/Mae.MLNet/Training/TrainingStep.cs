using Mae.Modeling;
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
    private static readonly string[] FigureNames = ["ELBO", "reconstruction term", "KL term", "information estimate", "penalty"];

    private readonly MutualAutoencoderNetworks networks;
    private readonly MutualAutoencoderOptions options;
    private readonly AdamOptimizer modelOptimizer;
    private readonly AdamOptimizer auxiliaryOptimizer;
    private readonly long totalSteps;

    // Held as fields so that libtorch never sees a Scalar that the garbage collector may free mid-call (see Scalars).
    private readonly Scalar priorEntropy;
    private readonly Scalar target;
    private readonly Scalar penaltyWeight;
    private readonly Scalar beta;
    private readonly Scalar capacityWeight;
    private readonly Scalar freeBitsFloor;

    public TrainingStep(MutualAutoencoderNetworks networks, MutualAutoencoderOptions options, long totalSteps)
    {
        this.networks = networks;
        this.options = options;
        this.totalSteps = totalSteps;
        modelOptimizer = new AdamOptimizer(networks.ModelParameters(), options.LearningRate);
        auxiliaryOptimizer = new AdamOptimizer(networks.AuxiliaryParameters(), options.AuxiliaryLearningRate);
        priorEntropy = GaussianMath.PriorEntropy(networks.LatentDimension).ToScalar();
        target = options.TargetInformation.ToScalar();
        penaltyWeight = options.PenaltyWeight.ToScalar();
        beta = options.Beta.ToScalar();
        capacityWeight = options.CapacityWeight.ToScalar();
        freeBitsFloor = (options.TargetInformation / networks.LatentDimension).ToScalar();
    }

    /// <summary>The adaptive multiplier ν (zero unless the penalty is adaptive).</summary>
    public double Multiplier { get; private set; }

    public StepFigures Run(Tensor rows, long step)
    {
        using var scope = NewDisposeScope();
        SetLearningRates(step);
        var likelihood = networks.Likelihood;
        bool informationShapesDecoder = options.Objective == MutualAutoencoderObjective.MutualAutoencoder;

        // ELBO with reparameterised posterior samples and the analytic KL to N(0, I).
        var posterior = networks.Encoder.forward(likelihood.ToNetworkInput(rows)).chunk(2, 1);
        var (mean, logVariance) = (posterior[0], posterior[1]);
        var z = GaussianMath.Sample(mean, logVariance);

        // One decoder pass serves the posterior samples and the prior draws of the information bound.
        var priorDraws = randn(new long[] { options.EffectivePriorSampleSize, networks.LatentDimension });
        var decoded = networks.Decoder.forward(cat([z, priorDraws], 0));
        var decodedPosterior = decoded.narrow(0, 0, z.shape[0]);
        var decodedPrior = decoded.narrow(0, z.shape[0], priorDraws.shape[0]);
        if (!informationShapesDecoder)
            decodedPrior = decodedPrior.detach(); // the baselines leave the decoder untouched by the bound

        var reconstruction = likelihood.LogLikelihood(decodedPosterior, rows).mean();
        var ratePerDimension = ((mean * mean).Plus(logVariance.exp()) - logVariance).sub(Scalars.One).mul(Scalars.Half).mean(new long[] { 0 });
        var rate = ratePerDimension.sum();
        var elbo = reconstruction - rate;

        var information = likelihood.Information(decodedPrior, priorDraws, networks.Auxiliary);
        var estimate = information.DecoderSurrogate.Plus(priorEntropy);

        var (loss, penalty) = ModelLoss(elbo, reconstruction, rate, ratePerDimension, estimate, step);

        // Checked before the update, so a diverged step never reaches the weights.
        var figures = stack([elbo, reconstruction, rate, estimate, penalty]).detach().to_type(ScalarType.Float64).data<double>().ToArray();
        // The parts before their sum, so the message names the term that broke.
        foreach (int i in (int[])[1, 2, 3, 4, 0])
        {
            if (!double.IsFinite(figures[i]))
            {
                throw new InvalidOperationException(
                    $"Training diverged at step {step + 1}: the {FigureNames[i]} is {figures[i]}. " +
                    $"Lower {nameof(MutualAutoencoderOptions.LearningRate)} (now {options.LearningRate}) or {nameof(MutualAutoencoderOptions.PenaltyWeight)} (now {options.PenaltyWeight}), or check the data's scale.");
            }
        }

        modelOptimizer.ZeroGrad();
        auxiliaryOptimizer.ZeroGrad();
        if (likelihood.AuxiliaryObjectiveIsSeparate)
        {
            // Neither term reaches the other's parameters: one backward pass serves both.
            (loss - information.AuxiliaryObjective).backward();
        }
        else
        {
            loss.backward();
            // The penalty's gradient also reached r through the reparameterised samples: r learns from its own objective only.
            auxiliaryOptimizer.ZeroGrad();
            (-information.AuxiliaryObjective).backward();
        }
        modelOptimizer.Step();
        auxiliaryOptimizer.Step();

        if (options.Objective == MutualAutoencoderObjective.MutualAutoencoder && options.Penalty == InformationPenalty.Adaptive)
            Multiplier += options.MultiplierLearningRate * (options.TargetInformation - figures[3]);
        return new StepFigures(figures[0], figures[1], figures[2], figures[3], figures[4]);
    }

    private (Tensor Loss, Tensor Penalty) ModelLoss(Tensor elbo, Tensor reconstruction, Tensor rate, Tensor ratePerDimension, Tensor estimate, long step)
    {
        double progress = (double)step / totalSteps;
        var noPenalty = zeros(1).squeeze();
        switch (options.Objective)
        {
            case MutualAutoencoderObjective.MutualAutoencoder:
                var gap = estimate.sub(target);
                Tensor penalty;
                switch (options.Penalty)
                {
                    case InformationPenalty.Absolute:
                        penalty = gap.abs().mul(penaltyWeight);
                        break;
                    case InformationPenalty.Squared:
                        penalty = (gap * gap).mul(penaltyWeight);
                        break;
                    default:
                        using (var multiplier = (-Multiplier).ToScalar())
                            penalty = gap.mul(multiplier).Plus((gap * gap).mul(penaltyWeight));
                        break;
                }
                return ((-elbo).Plus(penalty), penalty);
            case MutualAutoencoderObjective.VariationalAutoencoder:
                return (-elbo, noPenalty);
            case MutualAutoencoderObjective.BetaVariationalAutoencoder:
                return (-(reconstruction - rate.mul(beta)), noPenalty);
            case MutualAutoencoderObjective.KLAnnealing:
                using (var weight = Math.Min(1.0, (step + 1) / (options.KLAnnealingFraction * totalSteps)).ToScalar())
                    return (-(reconstruction - rate.mul(weight)), noPenalty);
            case MutualAutoencoderObjective.CapacityTargeted:
                using (var capacity = (options.TargetInformation * Math.Min(1.0, progress / options.CapacityIncreaseFraction)).ToScalar())
                    return ((-reconstruction).Plus(rate.sub(capacity).abs().mul(capacityWeight)), noPenalty);
            case MutualAutoencoderObjective.FreeBits:
                return (-(reconstruction - ratePerDimension.clamp_min(freeBitsFloor).sum()), noPenalty);
            default:
                throw new InvalidOperationException($"Unknown objective {options.Objective}.");
        }
    }

    private void SetLearningRates(long step)
    {
        if (!options.DecayLearningRate)
            return;
        double progress = (double)step / totalSteps;
        double factor = progress >= 0.85 ? 0.01 : progress >= 0.5 ? 0.1 : 1.0;
        modelOptimizer.LearningRate = options.LearningRate * factor;
        auxiliaryOptimizer.LearningRate = options.AuxiliaryLearningRate * factor;
    }

    public void Dispose()
    {
        modelOptimizer.Dispose();
        auxiliaryOptimizer.Dispose();
        foreach (var scalar in (Scalar[])[priorEntropy, target, penaltyWeight, beta, capacityWeight, freeBitsFloor])
            scalar.Dispose();
    }
}
