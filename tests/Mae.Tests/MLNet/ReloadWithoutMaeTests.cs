using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mae.Tests.MLNet;

/// <summary>
/// A pipeline with the Mutual Autoencoder step, saved with <c>mlContext.Model.Save</c>, loads and runs in a separate
/// program (tests/ReloadWithoutMae) that references Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// Microsoft.ML.OnnxRuntime only, and gives the outputs, column types and slot names of the pipeline that was saved.
/// </summary>
public sealed class ReloadWithoutMaeTests
{
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void SavedPipelineRunsInAProgramWithoutMaeAndGivesTheSameOutput()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = PipelineData.Rows(300);
        var data = PipelineData.Load(mlContext, rows);
        var pipeline = mlContext.Transforms.MutualAutoencode("Code", "Features", PipelineData.Quick())
            .Append(mlContext.Transforms.Concatenate("Both", "Code", "Features"))
            .Append(mlContext.Transforms.NormalizeMinMax("Scaled", "Both"));
        var model = pipeline.Fit(data);
        var directory = Directory.CreateTempSubdirectory("mae-reload-");
        try
        {
            var expected = PipelineData.ReadVectors(model.Transform(data), "Scaled");
            string modelPath = Path.Combine(directory.FullName, "model.zip");
            string inputPath = Path.Combine(directory.FullName, "input.bin");
            string outputPath = Path.Combine(directory.FullName, "output.bin");
            mlContext.Model.Save(model, data.Schema, modelPath);
            WriteRows(inputPath, rows.Select(r => r.Features).ToArray());

            var (exitCode, output) = Run([ProgramPath(), modelPath, inputPath, outputPath, "Scaled"]);

            Assert.True(exitCode == 0, $"ReloadWithoutMae exited with {exitCode}.\n{output}");
            PipelineData.AssertClose(expected, ReadRows(outputPath), 1e-5);
            Assert.Contains("transformer: Microsoft.ML.Transforms.Onnx.OnnxTransformer", output);
            // The code column has the type and slot names it has in the pipeline that was saved.
            PipelineData.AssertCodeColumn(model.GetOutputSchema(data.Schema), "Code", 3);
            Assert.Contains("column 'Code': Vector<Single, 3>; slot names: z0, z1, z2", output);
            Assert.Contains("Mae or TorchSharp assemblies loaded: none", output);

            // The program's own output folder: neither Mae nor TorchSharp was built or copied next to it.
            string programDirectory = output.Split('\n').Select(l => l.Trim())
                .Single(l => l.StartsWith("Program directory: ", StringComparison.Ordinal))["Program directory: ".Length..];
            Assert.True(File.Exists(Path.Combine(programDirectory, "ReloadWithoutMae.dll")), $"No ReloadWithoutMae.dll in '{programDirectory}'.\n{output}");
            var foreign = Directory.EnumerateFiles(programDirectory, "*", SearchOption.AllDirectories)
                .Select(Path.GetFileName)
                .Where(name => name!.StartsWith("Mae", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)
                    || name.Contains("LibTorchSharp", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase))
                .ToArray();
            Assert.True(foreign.Length == 0, $"'{programDirectory}' holds {string.Join(", ", foreign)}.");
            string dependencies = File.ReadAllText(Path.Combine(programDirectory, "ReloadWithoutMae.deps.json"));
            Assert.DoesNotContain("\"Mae", dependencies);
            Assert.DoesNotContain("TorchSharp", dependencies);
        }
        finally
        {
            foreach (var step in model)
                (step as IDisposable)?.Dispose();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void SavedTablePipelineImputesAndEncodesInAProgramWithoutMae()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(TablePipelineTests.Rows(300, seed: 4));
        var model = TablePipelineTests.Pipeline(mlContext, TablePipelineTests.Options()).Fit(data);
        ScoreInAProgramWithoutMae(mlContext, model, data, "mae-reload-table-", (output, actual) =>
        {
            Assert.Contains("column 'Workclass': Vector<Key<UInt32, 0-3>, 1>", output);
            Assert.Contains("column 'Income': Vector<Double, 1>", output);
            var expected = model.Transform(data);
            // In memory the graph runs in batches, reloaded one row at a time: other kernels, the same values to float rounding.
            PipelineData.AssertClose(PipelineData.ReadVectors(expected, "Code"), PipelineData.ReadVectors(actual, "Code"), 1e-5);
            var before = mlContext.Data.CreateEnumerable<TablePipelineTests.ImputedRow>(expected, false).ToArray();
            var after = mlContext.Data.CreateEnumerable<TablePipelineTests.ImputedRow>(actual, false).ToArray();
            Assert.Equal(before.Length, after.Length);
            for (int r = 0; r < before.Length; r++)
            {
                PipelineData.AssertRelativelyClose(before[r].Age.Select(v => (double)v), after[r].Age.Select(v => (double)v));
                PipelineData.AssertRelativelyClose(before[r].Income, after[r].Income);
                PipelineData.AssertRelativelyClose(before[r].Body.Select(v => (double)v), after[r].Body.Select(v => (double)v));
                PipelineData.AssertRelativelyClose(before[r].Visits.Select(v => (double)v), after[r].Visits.Select(v => (double)v));
                Assert.Equal(before[r].Workclass, after[r].Workclass);
                Assert.False(float.IsNaN(after[r].Age[0]));
                Assert.NotEqual(0u, after[r].Workclass[0]);
            }
        });
    }

    [Fact]
    public void SavedAnomalyDetectorScoresInAProgramWithoutMae()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(AnomalyDetectionTests.Rows(300, seed: 4));
        var model = AnomalyDetectionTests.Pipeline(mlContext, AnomalyDetectionTests.Options()).Fit(data);
        ScoreInAProgramWithoutMae(mlContext, model, data, "mae-reload-anomaly-", (output, actual) =>
        {
            // ML.NET's ONNX transformer gives one-slot vectors where the step in memory gives scalars (see MutualAutoencoderAnomalyTransformer).
            Assert.Contains("column 'Score': Vector<Single, 1>", output);
            Assert.Contains("column 'PredictedLabel': Vector<Boolean, 1>", output);
            var before = mlContext.Data.CreateEnumerable<AnomalyDetectionTests.ScoredRow>(model.Transform(data), false).ToArray();
            var after = mlContext.Data.CreateEnumerable<ReloadedScore>(actual, false).ToArray();
            Assert.Equal(before.Length, after.Length);
            // In memory the score comes from the graph in batches, reloaded from one run per row: a row within rounding of the
            // threshold could take either label, so labels are compared away from it.
            float threshold = ((IEnumerable<ITransformer>)model).OfType<MutualAutoencoderAnomalyTransformer>().Single().Threshold;
            for (int r = 0; r < before.Length; r++)
            {
                PipelineData.AssertRelativelyClose([before[r].Score], [after[r].Score[0]]);
                if (Math.Abs(before[r].Score - threshold) > 1e-4 * Math.Max(1, Math.Abs(threshold)))
                    Assert.Equal(before[r].PredictedLabel, after[r].PredictedLabel[0]);
            }
            Assert.Contains(before, r => r.PredictedLabel);
        });
    }

    /// <summary>
    /// Saves <paramref name="model"/> and <paramref name="data"/> as an ML.NET binary view, runs ReloadWithoutMae <c>--binary</c> on them,
    /// checks that it ran with no Mae or TorchSharp assembly loaded, and hands its printed output and its scored view to <paramref name="check"/>;
    /// disposes the model's steps.
    /// </summary>
    private static void ScoreInAProgramWithoutMae(MLContext mlContext, ITransformer model, IDataView data, string folderPrefix, Action<string, IDataView> check)
    {
        var directory = Directory.CreateTempSubdirectory(folderPrefix);
        try
        {
            string modelPath = Path.Combine(directory.FullName, "model.zip");
            string inputPath = Path.Combine(directory.FullName, "input.idv");
            string outputPath = Path.Combine(directory.FullName, "output.idv");
            mlContext.Model.Save(model, data.Schema, modelPath);
            using (var stream = File.Create(inputPath))
                mlContext.Data.SaveAsBinary(data, stream);

            var (exitCode, output) = Run([ProgramPath(), "--binary", modelPath, inputPath, outputPath]);

            Assert.True(exitCode == 0, $"ReloadWithoutMae exited with {exitCode}.\n{output}");
            Assert.Contains("Mae or TorchSharp assemblies loaded: none", output);
            check(output, mlContext.Data.LoadFromBinary(outputPath));
        }
        finally
        {
            foreach (var step in (IEnumerable<ITransformer>)model)
                (step as IDisposable)?.Dispose();
            directory.Delete(recursive: true);
        }
    }

    public sealed class ReloadedScore
    {
        [VectorType(1)]
        public float[] Score { get; set; } = [];

        [VectorType(1)]
        public bool[] PredictedLabel { get; set; } = [];
    }

    /// <summary>Runs the dotnet CLI and returns its exit code and everything it printed.</summary>
    private static (int ExitCode, string Output) Run(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The test host's MSBuild variables would steer the child build; long-lived build servers would hold the
        // redirected pipes open after the build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToArray())
            start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "false";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(ProgramTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
                Assert.Fail($"'dotnet {string.Join(' ', arguments)}' did not finish within {ProgramTimeout.TotalMinutes} minutes.\n{output}");
        }
        process.WaitForExit();
        lock (output)
            return (process.ExitCode, $"$ dotnet {string.Join(' ', arguments)}\n{output}");
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        string? process = Environment.ProcessPath;
        return process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
    }

    /// <summary>
    /// tests/ReloadWithoutMae's program, which the build of Mae.Tests builds (a project reference that references no assembly) into
    /// the same configuration and framework folder as the tests.
    /// </summary>
    private static string ProgramPath()
    {
        string tests = Path.Combine(RepositoryRoot(), "tests");
        string outputFolder = Path.GetRelativePath(Path.Combine(tests, "Mae.Tests"), AppContext.BaseDirectory);
        string program = Path.Combine(tests, "ReloadWithoutMae", outputFolder, "ReloadWithoutMae.dll");
        Assert.True(File.Exists(program), $"No {program}: build tests/Mae.Tests, which builds tests/ReloadWithoutMae.");
        return program;
    }

    /// <summary>The folder holding Mae.sln, found from the test's output folder upwards.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Mae.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No Mae.sln in '{AppContext.BaseDirectory}' or any folder above it.");
    }

    /// <summary>Writes rows in ReloadWithoutMae's format: row count and width (Int32), then the Single values, little-endian.</summary>
    private static void WriteRows(string path, float[][] rows)
    {
        int width = rows[0].Length;
        var bytes = new byte[8 + 4 * rows.Length * width];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, rows.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), width);
        int offset = 8;
        foreach (var row in rows)
        {
            foreach (float value in row)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), value);
                offset += 4;
            }
        }
        File.WriteAllBytes(path, bytes);
    }

    private static float[][] ReadRows(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes), width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        Assert.Equal(8 + 4 * count * width, bytes.Length);
        var rows = new float[count][];
        for (int r = 0; r < count; r++)
        {
            rows[r] = new float[width];
            for (int j = 0; j < width; j++)
                rows[r][j] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + 4 * (r * width + j)));
        }
        return rows;
    }
}
