namespace Mae.Training;

/// <summary>
/// What a training step reads of the options, with every default resolved (<see cref="MutualAutoencoderOptions"/> builds it for a
/// decoder; the names are the options' own, so that messages can name them). Training reads this, never the options themselves,
/// so that dependencies run one way: the public API → Training → Modeling.
/// </summary>
internal sealed record StepSettings
{
    public required MutualAutoencoderObjective Objective { get; init; }

    public required InformationPenalty Penalty { get; init; }

    /// <summary>M, in nats.</summary>
    public required double TargetInformation { get; init; }

    /// <summary>λ, resolved for the decoder's drawn features.</summary>
    public required double PenaltyWeight { get; init; }

    public required double MultiplierLearningRate { get; init; }

    /// <summary>γ, resolved for the decoder's row width.</summary>
    public required double MarginalMatchingWeight { get; init; }

    public required double RateMultiplierLearningRate { get; init; }

    public required int CodeInformationSampleSize { get; init; }

    public required double WarmStartFraction { get; init; }

    public required double Beta { get; init; }

    public required double KLAnnealingFraction { get; init; }

    public required double CapacityWeight { get; init; }

    public required double CapacityIncreaseFraction { get; init; }

    /// <summary>Prior draws a step, resolved.</summary>
    public required int PriorSampleSize { get; init; }

    public required double LearningRate { get; init; }

    public required double AuxiliaryLearningRate { get; init; }

    public required bool DecayLearningRate { get; init; }

    /// <summary>The probability that a step hides an observed cell from the encoder (tables only; 0 hides none).</summary>
    public required double EncoderCellDropout { get; init; }
}
