using System.Diagnostics;
using Mae.Export;
using Xunit.Abstractions;

namespace Mae.Export.Tests;

/// <summary>
/// The exported models pass the reference validator, <c>onnx.checker.check_model(full_check=True)</c>, through
/// <c>tests/onnx_check.py</c>. Needs Python with the onnx package (Debian: <c>apt-get install python3-onnx</c>):
/// without it the test fails when the environment variable CI is "true", and otherwise returns early.
/// </summary>
public sealed class OnnxCheckerTests(ITestOutputHelper output) : IDisposable
{
    private const string CheckScript = "tests/onnx_check.py";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mae-onnx-check-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void ExportedModelsPassTheOnnxChecker()
    {
        string? python = FindPythonWithOnnx(out string diagnostics);
        if (python is null)
        {
            string message =
                "onnx.checker could not run: no Python interpreter with the onnx package was found. " +
                $"Install it with 'apt-get install python3-onnx'. Tried: {diagnostics}";
            Assert.False(IsContinuousIntegration(), message);
            output.WriteLine($"NOT RUN: {message}");
            return;
        }

        string script = FindCheckScript();
        List<string> paths = WriteModels();

        (int exitCode, string standardOutput, string standardError) = Run(python, [script, .. paths]);

        output.WriteLine(standardOutput);
        output.WriteLine(standardError);
        Assert.True(exitCode == 0, $"{CheckScript} exited with {exitCode}:\n{standardOutput}\n{standardError}");
        foreach (string path in paths)
        {
            Assert.Contains($"OK {path}", standardOutput);
        }
    }

    [Fact]
    public void CheckerScriptRejectsAnInvalidModel()
    {
        string? python = FindPythonWithOnnx(out _);
        if (python is null)
        {
            output.WriteLine("NOT RUN: no Python interpreter with the onnx package (see ExportedModelsPassTheOnnxChecker).");
            return;
        }

        string path = Path.Combine(_directory.FullName, "broken.onnx");
        File.WriteAllBytes(path, [0x08, 0x63]); // ir_version 99 and no graph

        (int exitCode, string standardOutput, _) = Run(python, [FindCheckScript(), path]);

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

            foreach (DecoderFamily family in Enum.GetValues<DecoderFamily>())
            {
                string path = Path.Combine(_directory.FullName, $"decoder_{family}_{activation}.onnx");
                OnnxExporter.WriteDecoder(TestNetworks.Decoder(seed++, family, activation), path);
                paths.Add(path);
            }
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
        return paths;
    }

    private static bool IsContinuousIntegration() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Returns the first interpreter that can import onnx: Debian's /usr/bin/python3 first (python3-onnx installs
    /// there, and a pyenv python3 earlier on PATH would not see it), then python3 on PATH.
    /// </summary>
    private static string? FindPythonWithOnnx(out string diagnostics)
    {
        var tried = new List<string>();
        string[] candidates = File.Exists("/usr/bin/python3") ? ["/usr/bin/python3", "python3"] : ["python3"];
        foreach (string candidate in candidates)
        {
            try
            {
                (int exitCode, _, string standardError) = Run(candidate, ["-c", "import onnx"]);
                if (exitCode == 0)
                {
                    diagnostics = string.Empty;
                    return candidate;
                }

                string lastLine = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
                tried.Add($"{candidate}: exit code {exitCode}, {lastLine}");
            }
            catch (System.ComponentModel.Win32Exception exception)
            {
                tried.Add($"{candidate}: {exception.Message}");
            }
        }

        diagnostics = string.Join("; ", tried);
        return null;
    }

    /// <summary>
    /// Finds tests/onnx_check.py by walking up from the test assembly to the directory that holds Mae.sln,
    /// or, failing that, the script itself.
    /// </summary>
    private static string FindCheckScript()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string script = Path.Combine(directory.FullName, CheckScript);
            if (File.Exists(Path.Combine(directory.FullName, "Mae.sln")) || File.Exists(script))
            {
                Assert.True(File.Exists(script), $"Found the repository root {directory.FullName}, but not {CheckScript} in it.");
                return script;
            }
        }

        throw new FileNotFoundException($"Neither Mae.sln nor {CheckScript} was found above {AppContext.BaseDirectory}.");
    }

    private static (int ExitCode, string StandardOutput, string StandardError) Run(string fileName, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(startInfo)!;
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {Timeout}.");
        }

        return (process.ExitCode, standardOutput.Result, standardError.Result);
    }
}
