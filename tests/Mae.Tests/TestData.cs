using Mae;

namespace Mae.Tests;

/// <summary>Samplers and option presets shared by the tests.</summary>
internal static class TestData
{
    public static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>x uniform on {0..9}.</summary>
    public static TrainingData UniformDigits(int rowsPerEpoch) =>
        TrainingData.FromSampler(1, rowsPerEpoch, (random, row) => row[0] = random.Next(10));

    /// <summary>x ~ N(0, 1).</summary>
    public static TrainingData StandardNormalRows(int rowsPerEpoch) =>
        TrainingData.FromSampler(1, rowsPerEpoch, (random, row) => row[0] = (float)StandardNormal(random));

    /// <summary>The paper's toy setting: d = 1, two tanh layers of 64, batch 1024.</summary>
    public static MutualAutoencoderOptions Toy(DecoderFamily family, double target, int epochs) => new()
    {
        Decoder = family,
        NumberOfClasses = family == DecoderFamily.Categorical ? 10 : 0,
        LatentDimension = 1,
        HiddenSizes = [64, 64],
        BatchSize = 1024,
        NumberOfEpochs = epochs,
        TargetInformation = target,
        Seed = 7,
        EvaluationSampleSize = 1024,
    };
}
