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

    /// <summary>
    /// Makes a one-input network with a ReLU trunk of two units and a two-output head linear-Gaussian: the trunk gives
    /// [max(u, 0), max(−u, 0)] and the head mean = slope·u and log-variance = <paramref name="logVariance"/>, whatever u.
    /// </summary>
    public static void MakeLinearGaussian(TorchSharp.Modules.Sequential hidden, TorchSharp.Modules.Linear head, double slope, double logVariance)
    {
        using var _ = TorchSharp.torch.no_grad();
        var first = (TorchSharp.Modules.Linear)hidden[0];
        first.weight!.copy_(TorchSharp.torch.tensor(new float[] { 1, -1 }).view(2, 1));
        first.bias!.zero_();
        head.weight!.copy_(TorchSharp.torch.tensor(new float[] { (float)slope, (float)-slope, 0, 0 }).view(2, 2));
        head.bias!.copy_(TorchSharp.torch.tensor(new float[] { 0, (float)logVariance }));
    }

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

/// <summary>Access to the network of a factorized decoder, which tests set by hand.</summary>
internal static class NetworksExtensions
{
    public static Mae.Modeling.DecoderNetwork Factorized(this Mae.Modeling.MutualAutoencoderNetworks networks) =>
        ((Mae.Modeling.FactorizedDecoder)networks.Decoder).Network;
}

/// <summary>The networks of a decoder family with the given sizes (the other options at their defaults), as tests build them by hand.</summary>
internal static class TestNetworks
{
    public static Mae.Modeling.MutualAutoencoderNetworks Create(DecoderFamily family, int featureCount, int numberOfClasses, int latentDimension, IReadOnlyList<int> hiddenSizes,
        HiddenActivation activation, int? groupSize = null, int decoderHiddenSize = MutualAutoencoderOptions.Defaults.DecoderHiddenSize) =>
        Mae.Modeling.MutualAutoencoderNetworks.Create(new MutualAutoencoderOptions
        {
            Decoder = family, NumberOfClasses = numberOfClasses, LatentDimension = latentDimension, HiddenSizes = hiddenSizes, Activation = activation,
            GroupSize = groupSize, DecoderHiddenSize = decoderHiddenSize,
        }.Networks, featureCount);
}
