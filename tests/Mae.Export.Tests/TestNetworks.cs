using Mae.Export;

namespace Mae.Export.Tests;

/// <summary>Seeded random networks and inputs whose activations stay O(1).</summary>
internal static class TestNetworks
{
    public const int FeatureCount = 13;
    public const int LatentDimension = 5;
    public static readonly int[] HiddenSizes = [32, 24];

    /// <summary>A layer with uniform weights of variance 1/inputSize and small biases, like PyTorch's default initialisation.</summary>
    public static DenseLayer RandomLayer(Random random, int inputSize, int outputSize)
    {
        float limit = MathF.Sqrt(3f / inputSize);
        float[] weight = new float[outputSize * inputSize];
        for (int k = 0; k < weight.Length; k++)
        {
            weight[k] = Uniform(random, limit);
        }

        float[] bias = new float[outputSize];
        for (int k = 0; k < bias.Length; k++)
        {
            bias[k] = Uniform(random, 0.5f);
        }

        return new DenseLayer(inputSize, outputSize, weight, bias);
    }

    public static List<DenseLayer> RandomTrunk(Random random, int inputSize, IReadOnlyList<int> hiddenSizes)
    {
        var layers = new List<DenseLayer>();
        int width = inputSize;
        foreach (int size in hiddenSizes)
        {
            layers.Add(RandomLayer(random, width, size));
            width = size;
        }

        return layers;
    }

    public static InputPreprocessing Preprocessing(InputPreprocessingKind kind, Random random) => kind switch
    {
        InputPreprocessingKind.None => InputPreprocessing.None,
        InputPreprocessingKind.Standardization => InputPreprocessing.Standardization(
            Enumerable.Range(0, FeatureCount).Select(_ => Uniform(random, 2f)).ToArray(),
            Enumerable.Range(0, FeatureCount).Select(_ => 0.5f + (float)random.NextDouble()).ToArray()),
        InputPreprocessingKind.OneHot => InputPreprocessing.OneHot(FeatureCount),
        InputPreprocessingKind.KeyOneHot => InputPreprocessing.KeyOneHot(FeatureCount),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static EncoderDescription Encoder(
        int seed, InputPreprocessingKind preprocessingKind, HiddenActivation activation, IReadOnlyList<int>? hiddenSizes = null)
    {
        var random = new Random(seed);
        InputPreprocessing preprocessing = Preprocessing(preprocessingKind, random);
        int width = preprocessing.OutputWidth ?? FeatureCount;
        List<DenseLayer> trunk = RandomTrunk(random, width, hiddenSizes ?? HiddenSizes);
        int trunkWidth = trunk.Count > 0 ? trunk[^1].OutputSize : width;
        return new EncoderDescription(
            preprocessing,
            trunk,
            activation,
            RandomLayer(random, trunkWidth, LatentDimension),
            RandomLayer(random, trunkWidth, LatentDimension));
    }

    /// <summary>The families with a decoder description (the autoregressive ones have none).</summary>
    public static readonly DecoderFamily[] ExportableFamilies = [DecoderFamily.Gaussian, DecoderFamily.Categorical, DecoderFamily.Bernoulli];

    public static DecoderDescription Decoder(
        int seed, DecoderFamily family, HiddenActivation activation, IReadOnlyList<int>? hiddenSizes = null)
    {
        var random = new Random(seed);
        List<DenseLayer> trunk = RandomTrunk(random, LatentDimension, hiddenSizes ?? HiddenSizes);
        int trunkWidth = trunk.Count > 0 ? trunk[^1].OutputSize : LatentDimension;
        return family switch
        {
            DecoderFamily.Gaussian => DecoderDescription.Gaussian(
                trunk, activation, RandomLayer(random, trunkWidth, FeatureCount), RandomLayer(random, trunkWidth, FeatureCount)),
            DecoderFamily.Bernoulli => DecoderDescription.Bernoulli(trunk, activation, RandomLayer(random, trunkWidth, FeatureCount)),
            DecoderFamily.Categorical => DecoderDescription.Categorical(trunk, activation, RandomLayer(random, trunkWidth, FeatureCount)),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
    }

    /// <summary>Inputs for an encoder: class indices for one-hot input, otherwise values spread around the offsets.</summary>
    public static float[] EncoderInput(EncoderDescription encoder, int batch, int seed)
    {
        var random = new Random(seed);
        if (encoder.Preprocessing.Kind == InputPreprocessingKind.OneHot)
        {
            return Enumerable.Range(0, batch).Select(_ => (float)random.Next(encoder.Preprocessing.ClassCount)).ToArray();
        }

        float[] input = new float[batch * encoder.InputWidth];
        ReadOnlySpan<float> offset = encoder.Preprocessing.Offset.Span;
        for (int n = 0; n < batch; n++)
        {
            for (int i = 0; i < encoder.InputWidth; i++)
            {
                input[n * encoder.InputWidth + i] = (offset.IsEmpty ? 0 : offset[i]) + Uniform(random, 2f);
            }
        }

        return input;
    }

    /// <summary>ML.NET keys for a key one-hot encoder: 0 (missing), the classes 1..K, and K + 1 (out of range).</summary>
    public static uint[] EncoderKeys(EncoderDescription encoder, int batch, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, batch).Select(_ => (uint)random.Next(encoder.Preprocessing.ClassCount + 2)).ToArray();
    }

    public static float[] Latent(int batch, int dimension, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, batch * dimension).Select(_ => Uniform(random, 2f)).ToArray();
    }

    private static float Uniform(Random random, float limit) => (float)((random.NextDouble() * 2 - 1) * limit);
}
