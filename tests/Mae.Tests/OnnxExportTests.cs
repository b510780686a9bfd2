using Mae;
using Mae.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mae.Tests;

/// <summary>Exported encoders and decoders of trained models against the TorchSharp forward pass, through ONNX Runtime.</summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("mae-export-");

    public static TheoryData<DecoderFamily, HiddenActivation> Cases()
    {
        var cases = new TheoryData<DecoderFamily, HiddenActivation>();
        foreach (var family in (DecoderFamily[])[DecoderFamily.Gaussian, DecoderFamily.Categorical, DecoderFamily.Bernoulli]) // the families with a decoder export
        {
            foreach (var activation in Enum.GetValues<HiddenActivation>())
                cases.Add(family, activation);
        }
        return cases;
    }

    public void Dispose() => directory.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeMatchesTorchSharpForEncoderAndDecoder(DecoderFamily family, HiddenActivation activation)
    {
        using var model = Train(family, activation);
        using var encoderStream = new MemoryStream();
        model.ExportEncoderToOnnx(encoderStream, includeLogVariance: true);
        using var decoderStream = new MemoryStream();
        model.ExportDecoderToOnnx(decoderStream);
        using var encoder = new InferenceSession(encoderStream.ToArray());
        using var decoder = new InferenceSession(decoderStream.ToArray());
        // The encoder the ML.NET step embeds: one row per run, with slot names.
        using var rowStream = new MemoryStream();
        model.WriteEncoder(rowStream, OnnxTensorNames.Features, OnnxTensorNames.Mean, OnnxTensorNames.LogVariance, keyInput: false,
            OnnxTensorLayout.SingleRow, Mae.MLNet.CodeColumns.SlotNames(model.LatentDimension));
        using var rowEncoder = new InferenceSession(rowStream.ToArray());
        var random = new Random(3);

        foreach (int batch in (int[])[1, 7, 1024])
        {
            var rows = RandomRows(random, family, batch, model.FeatureCount);
            var mean = new float[batch * model.LatentDimension];
            var logVariance = new float[mean.Length];
            model.Encode(rows, mean, logVariance);
            var onnx = OnnxRuntimeRunner.Run(encoder, OnnxTensorNames.Features, rows, batch, model.FeatureCount);
            AssertClose(mean, onnx[OnnxTensorNames.Mean], $"encoder mean, batch {batch}");
            AssertClose(logVariance, onnx[OnnxTensorNames.LogVariance], $"encoder log-variance, batch {batch}");
            if (batch <= 7)
            {
                var byRow = OnnxRuntimeRunner.RunRows(rowEncoder, OnnxTensorNames.Features, rows, batch, model.FeatureCount);
                AssertClose(mean, byRow[OnnxTensorNames.Mean], $"single-row encoder mean, {batch} rows");
                AssertClose(logVariance, byRow[OnnxTensorNames.LogVariance], $"single-row encoder log-variance, {batch} rows");
            }

            var latent = Enumerable.Range(0, batch * model.LatentDimension).Select(_ => (float)(2 * TestData.StandardNormal(random))).ToArray();
            var decoded = model.Decode(latent);
            var onnxDecoded = OnnxRuntimeRunner.Run(decoder, OnnxTensorNames.Latent, latent, batch, model.LatentDimension);
            if (family == DecoderFamily.Gaussian)
            {
                AssertClose(decoded.Mean!, onnxDecoded[OnnxTensorNames.Mean], $"decoder mean, batch {batch}");
                AssertClose(decoded.LogVariance!, onnxDecoded[OnnxTensorNames.LogVariance], $"decoder log-variance, batch {batch}");
            }
            else
            {
                AssertClose(decoded.Probabilities!, onnxDecoded[OnnxTensorNames.Probabilities], $"decoder probabilities, batch {batch}");
                AssertClose(Logits(model, latent), onnxDecoded[OnnxTensorNames.Logits], $"decoder logits, batch {batch}");
            }
        }
    }

    /// <summary>The families with a decoder export.</summary>
    private static readonly DecoderFamily[] ExportedFamilies = [DecoderFamily.Gaussian, DecoderFamily.Categorical, DecoderFamily.Bernoulli];

    /// <summary>Trains a model of each exported family and writes its encoder and decoder files; returns each model with its paths.</summary>
    private IEnumerable<(MutualAutoencoderModel Model, string EncoderPath, string DecoderPath)> ExportedModels()
    {
        foreach (var family in ExportedFamilies)
        {
            var model = Train(family, HiddenActivation.Gelu);
            string encoderPath = Path.Combine(directory.FullName, $"encoder-{family}.onnx");
            string decoderPath = Path.Combine(directory.FullName, $"decoder-{family}.onnx");
            model.ExportEncoderToOnnx(encoderPath);
            model.ExportDecoderToOnnx(decoderPath);
            yield return (model, encoderPath, decoderPath);
        }
    }

    [SkippableFact]
    public void ExportedModelsPassTheOnnxChecker()
    {
        var paths = new List<string>();
        foreach (var (model, encoderPath, decoderPath) in ExportedModels())
        {
            model.Dispose();
            paths.AddRange([encoderPath, decoderPath]);
        }
        OnnxChecker.CheckModels(paths, output.WriteLine);
    }

    [Fact]
    public void ExportedModelsCarryTheTrainingReport()
    {
        foreach (var (trained, encoderPath, _) in ExportedModels())
        {
            using var model = trained;

            using var session = new InferenceSession(encoderPath);
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.Equal(model.Report.TargetInformation.ToString("R", System.Globalization.CultureInfo.InvariantCulture), metadata[OnnxMetadataKeys.TargetInformation]);
            Assert.Equal(nameof(MutualAutoencoderObjective.MutualAutoencoder), metadata[OnnxMetadataKeys.Objective]);
            Assert.Equal(model.Report.Final.InformationBound, double.Parse(metadata[OnnxMetadataKeys.InformationBound], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(model.LatentDimension.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata[OnnxMetadataKeys.LatentDimension]);
            Assert.Equal(model.FeatureCount.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata[OnnxMetadataKeys.InputWidth]);
            Assert.Equal(-1, session.InputMetadata[OnnxTensorNames.Features].Dimensions[0]);
            Assert.Equal(new[] { OnnxTensorNames.Mean }, session.OutputMetadata.Keys.ToArray());
            Assert.Equal([-1, model.LatentDimension], session.OutputMetadata[OnnxTensorNames.Mean].Dimensions);
            // The slot-name nodes are for ML.NET's ONNX transformer only; the file for ONNX Runtime apps has none.
            Assert.DoesNotContain("mlnet.", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(encoderPath)));
        }
    }

    [Fact]
    public void ExportingADisposedModelThrows()
    {
        var model = Train(DecoderFamily.Gaussian, HiddenActivation.Tanh);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.ExportEncoderToOnnx(new MemoryStream()));
    }

    [Fact]
    public void ExportingToAnUnwritablePathNamesThePathAndLeavesNoFile()
    {
        using var model = Train(DecoderFamily.Gaussian, HiddenActivation.Tanh);
        string path = Path.Combine(directory.FullName, "missing-folder", "encoder.onnx");
        var error = Assert.ThrowsAny<IOException>(() => model.ExportEncoderToOnnx(path));
        Assert.Contains(path, error.Message);
        Assert.False(File.Exists(path));
    }

    private static MutualAutoencoderModel Train(DecoderFamily family, HiddenActivation activation)
    {
        int features = family == DecoderFamily.Categorical ? 1 : 6;
        var options = new MutualAutoencoderOptions
        {
            Decoder = family,
            NumberOfClasses = family == DecoderFamily.Categorical ? 5 : 0,
            LatentDimension = 3,
            HiddenSizes = [16, 12],
            Activation = activation,
            BatchSize = 64,
            NumberOfEpochs = 1,
            TargetInformation = 1,
            Seed = 4,
            EvaluationPriorSampleSize = 256,
        };
        var random = new Random(9);
        return new MutualAutoencoderTrainer(options).Fit(TrainingData.FromArray(RandomRows(random, family, 256, features), features));
    }

    private static float[] RandomRows(Random random, DecoderFamily family, int rows, int features) =>
        Enumerable.Range(0, rows * features).Select(_ => family switch
        {
            DecoderFamily.Categorical => random.Next(5),
            DecoderFamily.Bernoulli => (float)random.NextDouble(),
            _ => (float)(1.5 * TestData.StandardNormal(random)),
        }).ToArray();

    private static float[] Logits(MutualAutoencoderModel model, float[] latent)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return model.Networks.Decoder.Condition(tensor(latent, [latent.Length / model.LatentDimension, model.LatentDimension])).data<float>().ToArray();
    }

    private static void AssertClose(IReadOnlyList<float> expected, float[] actual, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= Tolerance, $"{what}: max |TorchSharp − ONNX Runtime| = {worst:E2} exceeds {Tolerance:E0}.");
    }
}
