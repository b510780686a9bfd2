using System.Globalization;
using Mae.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Mae.Export.Tests;

/// <summary>
/// The exported models, run by ONNX Runtime in float32, agree with a double-precision reference forward pass.
/// </summary>
public sealed class ParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private static readonly int[] BatchSizes = [1, 7, 1024];

    public static TheoryData<InputPreprocessingKind, HiddenActivation> EncoderCases()
    {
        var data = new TheoryData<InputPreprocessingKind, HiddenActivation>();
        foreach (InputPreprocessingKind kind in Enum.GetValues<InputPreprocessingKind>())
        {
            foreach (HiddenActivation activation in Enum.GetValues<HiddenActivation>())
            {
                data.Add(kind, activation);
            }
        }

        return data;
    }

    public static TheoryData<DecoderFamily, HiddenActivation> DecoderCases()
    {
        var data = new TheoryData<DecoderFamily, HiddenActivation>();
        foreach (DecoderFamily family in TestNetworks.ExportableFamilies)
        {
            foreach (HiddenActivation activation in Enum.GetValues<HiddenActivation>())
            {
                data.Add(family, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EncoderCases))]
    public void EncoderMatchesReference(InputPreprocessingKind preprocessing, HiddenActivation activation)
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 11, preprocessing, activation);
        var options = new OnnxExportOptions { IncludeLogVariance = true };

        double error = MaxEncoderError(encoder, options);

        output.WriteLine($"{preprocessing}/{activation}: max abs error {error:E3}");
        Assert.True(error <= Tolerance, $"Max abs error {error:E3} exceeds {Tolerance:E0}.");
    }

    [Theory]
    [MemberData(nameof(DecoderCases))]
    public void DecoderMatchesReference(DecoderFamily family, HiddenActivation activation)
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 23 + (int)family, family, activation);

        double error = MaxDecoderError(decoder);

        output.WriteLine($"{family}/{activation}: max abs error {error:E3}");
        Assert.True(error <= Tolerance, $"Max abs error {error:E3} exceeds {Tolerance:E0}.");
    }

    [Theory]
    [MemberData(nameof(EncoderCases))]
    public void SingleRowEncoderMatchesReferenceAndTheBatchedEncoder(InputPreprocessingKind preprocessing, HiddenActivation activation)
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 11, preprocessing, activation);
        var batchOptions = new OnnxExportOptions { IncludeLogVariance = true };
        var rowOptions = new OnnxExportOptions
        {
            IncludeLogVariance = true,
            TensorLayout = OnnxTensorLayout.SingleRow,
            EncoderSlotNames = Enumerable.Range(0, encoder.LatentDimension).Select(i => $"z{i}").ToArray(),
        };
        using var rowSession = new InferenceSession(OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, rowOptions)));
        byte[] batchModel = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteEncoder(encoder, s, batchOptions));
        const int rows = 7;

        Dictionary<string, float[]> actual, batched;
        Dictionary<string, double[]> expected;
        if (preprocessing == InputPreprocessingKind.KeyOneHot)
        {
            uint[] keys = TestNetworks.EncoderKeys(encoder, rows, seed: 2);
            actual = OnnxRuntimeRunner.RunRows(rowSession, OnnxTensorNames.Features, keys, rows, encoder.InputWidth);
            batched = OnnxRuntimeRunner.Run(batchModel, OnnxTensorNames.Features, keys, rows, encoder.InputWidth);
            expected = ReferenceForwardPass.Encoder(encoder, keys, rows);
        }
        else
        {
            float[] input = TestNetworks.EncoderInput(encoder, rows, seed: 2);
            actual = OnnxRuntimeRunner.RunRows(rowSession, OnnxTensorNames.Features, input, rows, encoder.InputWidth);
            batched = OnnxRuntimeRunner.Run(batchModel, OnnxTensorNames.Features, input, rows, encoder.InputWidth);
            expected = ReferenceForwardPass.Encoder(encoder, input, rows);
        }

        double error = Compare(expected, actual, expectedOutputCount: 2);
        double fromBatched = actual.Max(output => MaxAbsoluteDifference(batched[output.Key].Select(v => (double)v).ToArray(), output.Value));
        output.WriteLine($"{preprocessing}/{activation}: max abs error {error:E3}, from the batched encoder {fromBatched:E3}");
        Assert.True(error <= Tolerance, $"Max abs error {error:E3} exceeds {Tolerance:E0}.");
        Assert.True(fromBatched <= Tolerance, $"Max abs difference from the batched encoder {fromBatched:E3} exceeds {Tolerance:E0}.");
    }

    [Theory]
    [MemberData(nameof(DecoderCases))]
    public void SingleRowDecoderMatchesReference(DecoderFamily family, HiddenActivation activation)
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 23 + (int)family, family, activation);
        byte[] model = OnnxRuntimeRunner.ToBytes(s => OnnxExporter.WriteDecoder(decoder, s, new OnnxExportOptions { TensorLayout = OnnxTensorLayout.SingleRow }));
        using var session = new InferenceSession(model);
        const int rows = 7;
        float[] latent = TestNetworks.Latent(rows, decoder.LatentDimension, seed: 2);

        Dictionary<string, float[]> actual = OnnxRuntimeRunner.RunRows(session, OnnxTensorNames.Latent, latent, rows, decoder.LatentDimension);

        double error = Compare(ReferenceForwardPass.Decoder(decoder, latent, rows), actual, expectedOutputCount: 2);
        Assert.True(error <= Tolerance, $"Max abs error {error:E3} exceeds {Tolerance:E0}.");
    }

    [Theory]
    [InlineData(InputPreprocessingKind.None)]
    [InlineData(InputPreprocessingKind.Standardization)]
    [InlineData(InputPreprocessingKind.OneHot)]
    [InlineData(InputPreprocessingKind.KeyOneHot)]
    public void EncoderWithoutHiddenLayersMatchesReference(InputPreprocessingKind preprocessing)
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 5, preprocessing, HiddenActivation.Tanh, hiddenSizes: []);

        double error = MaxEncoderError(encoder, new OnnxExportOptions { IncludeLogVariance = true });

        Assert.True(error <= Tolerance, $"Max abs error {error:E3} exceeds {Tolerance:E0}.");
    }

    [Theory]
    [InlineData(DecoderFamily.Gaussian)]
    [InlineData(DecoderFamily.Bernoulli)]
    [InlineData(DecoderFamily.Categorical)]
    public void DecoderWithoutHiddenLayersMatchesReference(DecoderFamily family)
    {
        DecoderDescription decoder = TestNetworks.Decoder(seed: 7, family, HiddenActivation.Relu, hiddenSizes: []);

        Assert.True(MaxDecoderError(decoder) <= Tolerance);
    }

    [Theory]
    [InlineData(HiddenActivation.Gelu)]
    [InlineData(HiddenActivation.Tanh)]
    public void WideDeepNetworkMatchesReference(HiddenActivation activation)
    {
        EncoderDescription encoder = TestNetworks.Encoder(
            seed: 3, InputPreprocessingKind.Standardization, activation, hiddenSizes: [256, 256, 128]);
        DecoderDescription decoder = TestNetworks.Decoder(seed: 4, DecoderFamily.Gaussian, activation, hiddenSizes: [128, 256, 256]);

        double encoderError = MaxEncoderError(encoder, new OnnxExportOptions { IncludeLogVariance = true });
        double decoderError = MaxDecoderError(decoder);

        output.WriteLine($"wide {activation}: encoder {encoderError:E3}, decoder {decoderError:E3}");
        Assert.True(encoderError <= Tolerance, $"Encoder max abs error {encoderError:E3} exceeds {Tolerance:E0}.");
        Assert.True(decoderError <= Tolerance, $"Decoder max abs error {decoderError:E3} exceeds {Tolerance:E0}.");
    }

    [Fact]
    public void OneHotInputThatIsNotAClassIndexEncodesAsZeros()
    {
        EncoderDescription encoder = TestNetworks.Encoder(seed: 9, InputPreprocessingKind.OneHot, HiddenActivation.Silu);
        byte[] model = OnnxRuntimeRunner.ToBytes(stream => OnnxExporter.WriteEncoder(encoder, stream));
        float[] input = [-1f, 2.5f, TestNetworks.FeatureCount, 3f];

        float[] actual = OnnxRuntimeRunner.Run(model, OnnxTensorNames.Features, input, input.Length, 1)[OnnxTensorNames.Mean];

        double[] expected = ReferenceForwardPass.Encoder(encoder, input, input.Length)[OnnxTensorNames.Mean];
        Assert.True(MaxAbsoluteDifference(expected, actual) <= Tolerance);
        // The first three rows are all-zero one-hot vectors, so they map to the same mean.
        int d = encoder.LatentDimension;
        Assert.Equal(actual.AsSpan(0, d).ToArray(), actual.AsSpan(d, d).ToArray());
        Assert.Equal(actual.AsSpan(0, d).ToArray(), actual.AsSpan(2 * d, d).ToArray());
    }

    [Fact]
    public void ReferenceErfMatchesKnownValues()
    {
        // erf values to 16 significant digits.
        Assert.Equal(0.0, ReferenceForwardPass.Erf(0.0), tolerance: 1e-15);
        Assert.Equal(0.5204998778130465, ReferenceForwardPass.Erf(0.5), tolerance: 1e-15);
        Assert.Equal(0.8427007929497149, ReferenceForwardPass.Erf(1.0), tolerance: 1e-15);
        Assert.Equal(-0.9953222650189527, ReferenceForwardPass.Erf(-2.0), tolerance: 1e-15);
        Assert.Equal(0.9999779095030014, ReferenceForwardPass.Erf(3.0), tolerance: 1e-15);
        Assert.Equal(0.9999999845827421, ReferenceForwardPass.Erf(4.0), tolerance: 1e-15);
    }

    private double MaxEncoderError(EncoderDescription encoder, OnnxExportOptions options)
    {
        byte[] model = OnnxRuntimeRunner.ToBytes(stream => OnnxExporter.WriteEncoder(encoder, stream, options));
        using var session = new InferenceSession(model);
        double worst = 0;
        foreach (int batch in BatchSizes)
        {
            Dictionary<string, float[]> actual;
            Dictionary<string, double[]> expected;
            if (encoder.Preprocessing.Kind == InputPreprocessingKind.KeyOneHot)
            {
                uint[] keys = TestNetworks.EncoderKeys(encoder, batch, seed: batch);
                actual = OnnxRuntimeRunner.Run(session, OnnxTensorNames.Features, keys, batch, encoder.InputWidth);
                expected = ReferenceForwardPass.Encoder(encoder, keys, batch);
            }
            else
            {
                float[] input = TestNetworks.EncoderInput(encoder, batch, seed: batch);
                actual = OnnxRuntimeRunner.Run(session, OnnxTensorNames.Features, input, batch, encoder.InputWidth);
                expected = ReferenceForwardPass.Encoder(encoder, input, batch);
            }

            worst = Math.Max(worst, Compare(expected, actual, options.IncludeLogVariance ? 2 : 1));
        }

        return worst;
    }

    private double MaxDecoderError(DecoderDescription decoder)
    {
        byte[] model = OnnxRuntimeRunner.ToBytes(stream => OnnxExporter.WriteDecoder(decoder, stream));
        using var session = new InferenceSession(model);
        double worst = 0;
        foreach (int batch in BatchSizes)
        {
            float[] latent = TestNetworks.Latent(batch, decoder.LatentDimension, seed: batch);
            Dictionary<string, float[]> actual = OnnxRuntimeRunner.Run(session, OnnxTensorNames.Latent, latent, batch, decoder.LatentDimension);
            Dictionary<string, double[]> expected = ReferenceForwardPass.Decoder(decoder, latent, batch);
            worst = Math.Max(worst, Compare(expected, actual, expectedOutputCount: 2));
        }

        return worst;
    }

    private double Compare(Dictionary<string, double[]> expected, Dictionary<string, float[]> actual, int expectedOutputCount)
    {
        Assert.Equal(expectedOutputCount, actual.Count);
        double worst = 0;
        foreach ((string name, float[] values) in actual)
        {
            Assert.True(expected.ContainsKey(name), $"Unexpected output '{name}'.");
            Assert.Equal(expected[name].Length, values.Length);
            double error = MaxAbsoluteDifference(expected[name], values);
            double magnitude = expected[name].Max(Math.Abs);
            Assert.InRange(magnitude, 1e-3, 100); // the comparison is only meaningful for O(1) values
            worst = Math.Max(worst, error);
        }

        return worst;
    }

    private static double MaxAbsoluteDifference(double[] expected, float[] actual)
    {
        double worst = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            worst = Math.Max(worst, Math.Abs(expected[k] - actual[k]));
        }

        return worst;
    }
}
