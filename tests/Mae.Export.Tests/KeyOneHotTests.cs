using System.Globalization;
using Mae.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Mae.Export.Tests;

/// <summary>
/// An encoder whose input is an ML.NET key (<see cref="InputPreprocessing.KeyOneHot"/>) reads uint32 keys and agrees with
/// the class-index one-hot encoder of the same weights; the missing key and keys above K encode as all zeros.
/// </summary>
public sealed class KeyOneHotTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private const int ClassCount = TestNetworks.FeatureCount;

    public static TheoryData<HiddenActivation> Activations() => new(Enum.GetValues<HiddenActivation>());

    [Theory]
    [MemberData(nameof(Activations))]
    public void KeysOneToKGiveTheOutputsOfClassIndicesZeroToKMinusOne(HiddenActivation activation)
    {
        EncoderDescription indexEncoder = TestNetworks.Encoder(seed: 17, InputPreprocessingKind.OneHot, activation);
        EncoderDescription keyEncoder = WithKeyInput(indexEncoder);
        var options = new OnnxExportOptions { IncludeLogVariance = true };
        float[] indices = Enumerable.Range(0, ClassCount).Select(k => (float)k).ToArray();
        uint[] keys = Enumerable.Range(1, ClassCount).Select(k => (uint)k).ToArray();

        Dictionary<string, float[]> fromIndices = OnnxRuntimeRunner.Run(
            OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(indexEncoder, s, options)), OnnxTensorNames.Features, indices, ClassCount, 1);
        Dictionary<string, float[]> fromKeys = OnnxRuntimeRunner.Run(
            OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(keyEncoder, s, options)), OnnxTensorNames.Features, keys, ClassCount, 1);

        Assert.Equal([OnnxTensorNames.Mean, OnnxTensorNames.LogVariance], fromKeys.Keys.ToArray());
        double worst = 0;
        foreach ((string name, float[] values) in fromIndices)
        {
            Assert.Equal(values.Length, fromKeys[name].Length);
            worst = Math.Max(worst, values.Zip(fromKeys[name], (a, b) => (double)Math.Abs(a - b)).Max());
        }

        output.WriteLine($"{activation}: max abs difference {worst:E3}");
        Assert.True(worst <= Tolerance, $"Max abs difference {worst:E3} between key and index input exceeds {Tolerance:E0}.");
    }

    [Fact]
    public void MissingAndOutOfRangeKeysEncodeAsZeros()
    {
        EncoderDescription encoder = WithKeyInput(TestNetworks.Encoder(seed: 19, InputPreprocessingKind.OneHot, HiddenActivation.Tanh));
        var options = new OnnxExportOptions { IncludeLogVariance = true };
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, options));
        // 0 is ML.NET's missing key; 2^24 + 1 is the first integer a float cannot hold exactly.
        uint[] keys = [0, ClassCount + 1, (1u << 24) + 1, uint.MaxValue];

        Dictionary<string, float[]> actual = OnnxRuntimeRunner.Run(model, OnnxTensorNames.Features, keys, keys.Length, 1);

        Dictionary<string, double[]> zeroOneHot = ReferenceForwardPass.EncoderAfterPreprocessing(encoder, new double[ClassCount], 1);
        int d = encoder.LatentDimension;
        foreach ((string name, float[] values) in actual)
        {
            for (int n = 0; n < keys.Length; n++)
            {
                for (int j = 0; j < d; j++)
                {
                    double error = Math.Abs(zeroOneHot[name][j] - values[n * d + j]);
                    Assert.True(error <= Tolerance,
                        $"Key {keys[n]}: {name}[{j}] is {values[n * d + j]}; the all-zero one-hot gives {zeroOneHot[name][j]} (error {error:E3}).");
                }
            }
        }

        // Class 0 (key 1) does not encode as zeros, so the comparison above can tell the two apart.
        float[] first = OnnxRuntimeRunner.Run(model, OnnxTensorNames.Features, new uint[] { 1 }, 1, 1)[OnnxTensorNames.Mean];
        Assert.True(first.Zip(zeroOneHot[OnnxTensorNames.Mean], (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    [Fact]
    public void InputIsOneUInt32ColumnAndMetadataNamesTheKind()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 1, InputPreprocessingKind.KeyOneHot, HiddenActivation.Elu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s));

        using var session = new InferenceSession(model);

        NodeMetadata input = Assert.Single(session.InputMetadata, kv => kv.Key == OnnxTensorNames.Features).Value;
        Assert.Equal(typeof(uint), input.ElementType);
        Assert.Equal([-1, 1], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        NodeMetadata mean = session.OutputMetadata[OnnxTensorNames.Mean];
        Assert.Equal(typeof(float), mean.ElementType);
        Assert.Equal([-1, TestNetworks.LatentDimension], mean.Dimensions);
        Dictionary<string, string> map = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("key_one_hot", map[OnnxMetadataKeys.InputPreprocessing]);
        Assert.Equal("1", map[OnnxMetadataKeys.InputWidth]);
        Assert.Equal(ClassCount.ToString(CultureInfo.InvariantCulture), map[OnnxMetadataKeys.InputClassCount]);
    }

    [Fact]
    public void FloatInputIsRejectedByOnnxRuntime()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 2, InputPreprocessingKind.KeyOneHot, HiddenActivation.Relu);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s));

        var error = Assert.Throws<OnnxRuntimeException>(
            () => OnnxRuntimeRunner.Run(model, OnnxTensorNames.Features, new float[] { 1 }, 1, 1));

        Assert.Contains("tensor(uint32)", error.Message);
    }

    private static EncoderDescription WithKeyInput(EncoderDescription indexEncoder) => new(
        InputPreprocessing.KeyOneHot(indexEncoder.Preprocessing.ClassCount),
        indexEncoder.HiddenLayers,
        indexEncoder.Activation,
        indexEncoder.MeanHead,
        indexEncoder.LogVarianceHead);
}
