using Mae;

/// <summary>The data of the paper's two toy problems, and the densities the figures need.</summary>
static class Toys
{
    public const int Classes = 10;
    public const int BatchSize = 1024;

    /// <summary>x uniform on {0, …, 9}: the categorical toy of Figure 5.</summary>
    public static TrainingData UniformClasses(Schedule schedule) =>
        TrainingData.FromSampler(featureCount: 1, schedule.RowsPerEpoch, (random, row) => row[0] = random.Next(Classes));

    /// <summary>x ~ N(0, 1): "splitting the normal", Figure 6.</summary>
    public static TrainingData StandardNormal(Schedule schedule) =>
        TrainingData.FromSampler(featureCount: 1, schedule.RowsPerEpoch, (random, row) => row[0] = (float)NextStandardNormal(random));

    /// <summary>One draw from N(0, 1) by the Box–Muller transform (System.Random has no normal sampler).</summary>
    public static double NextStandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The density of N(mean, variance) at x.</summary>
    public static double NormalDensity(double x, double mean = 0, double variance = 1) =>
        Math.Exp(-0.5 * (x - mean) * (x - mean) / variance) / Math.Sqrt(2 * Math.PI * variance);

    /// <summary><paramref name="count"/> evenly spaced values from <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    public static double[] Grid(double first, double last, int count) =>
        Enumerable.Range(0, count).Select(i => first + (last - first) * i / (count - 1)).ToArray();
}

/// <summary>Training length: <see cref="Epochs"/> epochs of <see cref="StepsPerEpoch"/> steps of <see cref="Toys.BatchSize"/> rows.</summary>
readonly record struct Schedule(int Epochs, int StepsPerEpoch)
{
    public int Steps => Epochs * StepsPerEpoch;

    public int RowsPerEpoch => StepsPerEpoch * Toys.BatchSize;

    /// <summary>About <paramref name="steps"/> steps in up to 20 epochs (at least 100 steps each), so progress shows every few percent.</summary>
    public static Schedule ForSteps(int steps)
    {
        int epochs = Math.Clamp(steps / 100, 1, 20);
        return new Schedule(epochs, Math.Max(1, (int)Math.Round(steps / (double)epochs)));
    }
}
