using Mae.Export;
using Mae.Tests.Shared;
using Xunit.Abstractions;

namespace Mae.Export.Tests;

/// <summary>The exported models pass the reference validator (see <see cref="OnnxChecker"/>).</summary>
public sealed class OnnxCheckerTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mae-onnx-check-");

    public void Dispose() => _directory.Delete(recursive: true);

    [SkippableFact]
    public void ExportedModelsPassTheOnnxChecker()
    {
        OnnxChecker.CheckModels(WriteModels(), output.WriteLine);
    }

    [SkippableFact]
    public void CheckerScriptRejectsAnInvalidModel()
    {
        string python = OnnxChecker.RequirePythonWithOnnx();

        string path = Path.Combine(_directory.FullName, "broken.onnx");
        File.WriteAllBytes(path, [0x08, 0x63]); // ir_version 99 and no graph

        (int exitCode, string standardOutput, _) = OnnxChecker.Run(python, [OnnxChecker.FindCheckScript(), path]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"FAIL {path}", standardOutput);
    }

    private List<string> WriteModels()
    {
        var paths = new List<string>();
        int seed = 0;
        foreach (HiddenActivation activation in Enum.GetValues<HiddenActivation>())
        {
            foreach (InputPreprocessingKind kind in Enum.GetValues<InputPreprocessingKind>())
            {
                string path = Path.Combine(_directory.FullName, $"encoder_{kind}_{activation}.onnx");
                var options = new OnnxExportOptions { IncludeLogVariance = seed % 2 == 0, Metadata = { ["seed"] = $"{seed}" } };
                OnnxExporter.WriteEncoder(TestNetworks.Encoder(seed++, kind, activation), path, options);
                paths.Add(path);
            }

            foreach (DecoderFamily family in TestNetworks.ExportableFamilies)
            {
                string path = Path.Combine(_directory.FullName, $"decoder_{family}_{activation}.onnx");
                OnnxExporter.WriteDecoder(TestNetworks.Decoder(seed++, family, activation), path);
                paths.Add(path);
            }
        }

        // One row per run, and the slot-name nodes ML.NET reads (with and without the log-variance, in either layout).
        foreach (InputPreprocessingKind kind in Enum.GetValues<InputPreprocessingKind>())
        {
            foreach (OnnxTensorLayout layout in Enum.GetValues<OnnxTensorLayout>())
            {
                string path = Path.Combine(_directory.FullName, $"encoder_{kind}_{layout}_slot_names.onnx");
                var options = new OnnxExportOptions
                {
                    TensorLayout = layout,
                    IncludeLogVariance = seed % 2 == 0,
                    EncoderSlotNames = Enumerable.Range(0, TestNetworks.LatentDimension).Select(i => $"z{i}").ToArray(),
                };
                OnnxExporter.WriteEncoder(TestNetworks.Encoder(seed++, kind, HiddenActivation.Gelu), path, options);
                paths.Add(path);
            }
        }

        foreach (DecoderFamily family in TestNetworks.ExportableFamilies)
        {
            string path = Path.Combine(_directory.FullName, $"decoder_{family}_single_row.onnx");
            OnnxExporter.WriteDecoder(TestNetworks.Decoder(seed++, family, HiddenActivation.Silu), path, new OnnxExportOptions { TensorLayout = OnnxTensorLayout.SingleRow });
            paths.Add(path);
        }

        string linearEncoder = Path.Combine(_directory.FullName, "encoder_linear.onnx");
        OnnxExporter.WriteEncoder(
            TestNetworks.Encoder(seed++, InputPreprocessingKind.None, HiddenActivation.Tanh, hiddenSizes: []),
            linearEncoder,
            new OnnxExportOptions { IncludeLogVariance = true });
        paths.Add(linearEncoder);
        string linearDecoder = Path.Combine(_directory.FullName, "decoder_linear.onnx");
        OnnxExporter.WriteDecoder(TestNetworks.Decoder(seed, DecoderFamily.Categorical, HiddenActivation.Tanh, hiddenSizes: []), linearDecoder);
        paths.Add(linearDecoder);

        // A table of every kind, and one whose columns of one kind are read as groups (gathered back into the table's order, a key
        // column padded), with imputed columns, anomaly score and predicted label, in either layout.
        foreach (OnnxTensorLayout layout in Enum.GetValues<OnnxTensorLayout>())
        {
            foreach (var (name, description) in new[] { ("table", TableGraphTests.Table()), ("table_grouped", GroupedColumnsTests.Table()) })
            {
                string table = Path.Combine(_directory.FullName, $"{name}_{layout}.onnx");
                OnnxExporter.WriteTable(description, table, new OnnxExportOptions
                {
                    TensorLayout = layout,
                    ImputedColumnSuffix = ".imputed",
                    AnomalyScoreName = "Score",
                    PredictedLabelName = "PredictedLabel",
                    AnomalyThreshold = 3.5f,
                    EncoderSlotNames = Enumerable.Range(0, description.LatentDimension).Select(i => $"z{i}").ToArray(),
                });
                paths.Add(table);
            }
        }
        return paths;
    }
}
