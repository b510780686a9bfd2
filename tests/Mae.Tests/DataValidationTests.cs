using Mae;

namespace Mae.Tests;

public class DataValidationTests
{
    private static MutualAutoencoderOptions Small(DecoderFamily family) => new()
    {
        Decoder = family,
        NumberOfClasses = family == DecoderFamily.Categorical ? 4 : 0,
        LatentDimension = 2,
        HiddenSizes = [8],
        BatchSize = 4,
        NumberOfEpochs = 1,
        Seed = 1,
    };

    [Fact]
    public void NaNInGaussianDataNamesRowAndFeature()
    {
        var values = new float[] { 0, 1, 2, 3, 4, float.NaN, 6, 7 };
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(Small(DecoderFamily.Gaussian)).Fit(TrainingData.FromArray(values, 2)));
        Assert.Contains("row 2, feature 1", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.Contains("must be finite", error.Message);
    }

    [Fact]
    public void InfinityIsRejected()
    {
        var values = new float[] { 0, float.PositiveInfinity };
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(Small(DecoderFamily.Gaussian)).Fit(TrainingData.FromArray(values, 1)));
        Assert.Contains("row 1, feature 0", error.Message);
    }

    [Theory]
    [InlineData(4f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    public void CategoricalValueOutsideTheClassesIsRejected(float bad)
    {
        var values = new float[] { 0, 1, bad, 3 };
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(Small(DecoderFamily.Categorical)).Fit(TrainingData.FromArray(values, 1)));
        Assert.Contains("row 2", error.Message);
        Assert.Contains("[0, 4)", error.Message);
    }

    [Fact]
    public void CategoricalDataMustHaveOneFeature()
    {
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(Small(DecoderFamily.Categorical)).Fit(TrainingData.FromArray(new float[4], 2)));
        Assert.Contains("2 features", error.Message);
    }

    [Fact]
    public void BernoulliValueAboveOneIsRejected()
    {
        var values = new float[] { 0, 1, 0.5f, 1.25f };
        var error = Assert.Throws<ArgumentException>(() => new MutualAutoencoderTrainer(Small(DecoderFamily.Bernoulli)).Fit(TrainingData.FromArray(values, 2)));
        Assert.Contains("row 1, feature 1", error.Message);
        Assert.Contains("[0, 1]", error.Message);
    }

    [Fact]
    public void ArrayLengthMustBeAWholeNumberOfRows()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingData.FromArray(new float[7], 3));
        Assert.Contains("7 values", error.Message);
    }

    [Fact]
    public void FewerRowsThanABatchStillTrain()
    {
        var options = Small(DecoderFamily.Gaussian);
        options.BatchSize = 256;
        options.NumberOfEpochs = 3;
        using var model = new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray([0.1f, -0.3f, 0.7f, 1.2f, -1f, 0.4f], 2));
        Assert.Equal(3, model.Report.Epochs.Count);
        Assert.Equal(3, model.Report.Final.Step);
        Assert.True(double.IsFinite(model.Report.Final.Elbo));
    }

    [Fact]
    public void EncodeRejectsAWrongWidth()
    {
        using var model = new MutualAutoencoderTrainer(Small(DecoderFamily.Gaussian)).Fit(TrainingData.FromArray(new float[8], 2));
        var error = Assert.Throws<ArgumentException>(() => model.Encode(new float[5]));
        Assert.Contains("rows of 2 values; got 5", error.Message);
    }

    [Fact]
    public void EncodeRejectsAValueOutsideTheFamilysRangeNamingRowAndFeature()
    {
        using var model = new MutualAutoencoderTrainer(Small(DecoderFamily.Bernoulli)).Fit(TrainingData.FromArray(new float[8], 2));
        var error = Assert.Throws<ArgumentException>(() => model.Encode([0f, 1f, 0.5f, 2.5f]));
        Assert.Contains("Row 1, feature 1: the value 2.5 must lie in [0, 1]", error.Message);
    }
}
