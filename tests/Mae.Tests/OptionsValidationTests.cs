using Mae;
using Microsoft.ML;

namespace Mae.Tests;

public class OptionsValidationTests
{
    public static TheoryData<string, Action<MutualAutoencoderOptions>, string> InvalidOptions => new()
    {
        { nameof(MutualAutoencoderOptions.LatentDimension), o => o.LatentDimension = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.TargetInformation), o => o.TargetInformation = -0.5, "got -0.5" },
        { nameof(MutualAutoencoderOptions.TargetInformation), o => o.TargetInformation = double.NaN, "got NaN" },
        { nameof(MutualAutoencoderOptions.PenaltyWeight), o => o.PenaltyWeight = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.MultiplierLearningRate), o => o.MultiplierLearningRate = double.PositiveInfinity, "got Infinity" },
        { nameof(MutualAutoencoderOptions.Beta), o => o.Beta = -1, "got -1" },
        { nameof(MutualAutoencoderOptions.KLAnnealingFraction), o => o.KLAnnealingFraction = 1.5, "got 1.5" },
        { nameof(MutualAutoencoderOptions.CapacityWeight), o => o.CapacityWeight = -2, "got -2" },
        { nameof(MutualAutoencoderOptions.CapacityIncreaseFraction), o => o.CapacityIncreaseFraction = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.NumberOfClasses), o => { o.Decoder = DecoderFamily.Categorical; o.NumberOfClasses = 1; }, "got 1" },
        { nameof(MutualAutoencoderOptions.HiddenSizes), o => o.HiddenSizes = [64, 0], "entry 1 must be positive" },
        { nameof(MutualAutoencoderOptions.HiddenSizes), o => o.HiddenSizes = [], "at least one hidden layer" },
        { nameof(MutualAutoencoderOptions.MarginalMatchingWeight), o => o.MarginalMatchingWeight = -1, "got -1" },
        { nameof(MutualAutoencoderOptions.RateMultiplierLearningRate), o => o.RateMultiplierLearningRate = double.NaN, "got NaN" },
        { nameof(MutualAutoencoderOptions.CodeInformationSampleSize), o => o.CodeInformationSampleSize = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.WarmStartFraction), o => o.WarmStartFraction = 1, "got 1" },
        { nameof(MutualAutoencoderOptions.NumberOfEpochs), o => o.NumberOfEpochs = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.BatchSize), o => o.BatchSize = -3, "got -3" },
        { nameof(MutualAutoencoderOptions.PriorSampleSize), o => o.PriorSampleSize = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.LearningRate), o => o.LearningRate = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.AuxiliaryLearningRate), o => o.AuxiliaryLearningRate = double.NaN, "got NaN" },
        { nameof(MutualAutoencoderOptions.NumberOfThreads), o => o.NumberOfThreads = 0, "got 0" },
        { nameof(MutualAutoencoderOptions.EvaluationSampleSize), o => o.EvaluationSampleSize = 1, "got 1" },
        { nameof(MutualAutoencoderOptions.Objective), o => o.Objective = (MutualAutoencoderObjective)42, "got 42" },
        { nameof(MutualAutoencoderOptions.Decoder), o => o.Decoder = (DecoderFamily)(-1), "got -1" },
        { nameof(MutualAutoencoderOptions.EncoderCellDropout), o => o.EncoderCellDropout = 1, "must be within [0, 1); got 1" },
        { nameof(MutualAutoencoderOptions.EncoderCellDropout), o => o.EncoderCellDropout = -0.1, "got -0.1" },
        { nameof(MutualAutoencoderOptions.EncoderCellDropout), o => o.EncoderCellDropout = double.NaN, "got NaN" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void InvalidOptionIsRejectedWithItsNameAndValue(string option, Action<MutualAutoencoderOptions> breakIt, string actual)
    {
        var options = new MutualAutoencoderOptions();
        breakIt(options);
        var error = Assert.ThrowsAny<ArgumentException>(() => new MutualAutoencoderTrainer(options));
        Assert.Equal(option, error.ParamName);
        Assert.Contains($"{nameof(MutualAutoencoderOptions)}.{option}", error.Message);
        Assert.Contains(actual, error.Message);
    }

    [Fact]
    public void EncoderCellDropoutIsRefusedForASingleColumnModel()
    {
        // The trainer's own model of one column, and the single-column ML.NET step (which points to the multi-column one).
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(new MutualAutoencoderOptions { EncoderCellDropout = 0.3 }));
        Assert.Equal(nameof(MutualAutoencoderOptions.EncoderCellDropout), error.ParamName);
        Assert.Contains("MutualAutoencoderOptions.EncoderCellDropout is 0.3", error.Message);
        Assert.Contains("single-column model reads no missing cells", error.Message);

        var mlContext = new MLContext(seed: 1);
        var step = Assert.Throws<ArgumentException>(() => mlContext.Transforms.MutualAutoencode("Code", "Pixels",
            new MutualAutoencoderEstimator.Options { EncoderCellDropout = 0.5 }));
        Assert.Contains("EncoderCellDropout is 0.5", step.Message);
        Assert.Contains("MutualAutoencode(\"Code\", new[] { \"Pixels\" }, options)", step.Message);
    }

    [Fact]
    public void DefaultsAreValid()
    {
        _ = new MutualAutoencoderTrainer(new MutualAutoencoderOptions());
    }

    [Fact]
    public void TrainerCopiesOptionsSoLaterChangesDoNotLeakIn()
    {
        var options = TestData.Toy(DecoderFamily.Gaussian, 0.5, epochs: 1);
        options.Seed = 3;
        var trainer = new MutualAutoencoderTrainer(options);
        options.LatentDimension = 5;
        using var model = trainer.Fit(TestData.StandardNormalRows(1024));
        Assert.Equal(1, model.LatentDimension);
    }
}
