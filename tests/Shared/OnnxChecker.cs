using System.Diagnostics;

namespace Mae.Tests.Shared;

/// <summary>
/// Runs the reference validator, <c>onnx.checker.check_model(full_check=True)</c>, through <c>tests/onnx_check.py</c>.
/// Needs Python with the onnx package (Debian: <c>apt-get install python3-onnx</c>, which scripts/setup.sh installs): without it
/// a check fails when the environment variable CI is "true", and otherwise the test is reported as skipped, never as passed
/// (tests that call it are <c>[SkippableFact]</c>s).
/// </summary>
internal static class OnnxChecker
{
    private const string CheckScript = "tests/onnx_check.py";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Checks every model; skips the calling test (after logging why) when no checker is installed outside CI.</summary>
    public static void CheckModels(IReadOnlyList<string> paths, Action<string> log)
    {
        string python = RequirePythonWithOnnx();
        (int exitCode, string standardOutput, string standardError) = Run(python, [FindCheckScript(), .. paths]);
        log(standardOutput);
        log(standardError);
        Assert.True(exitCode == 0, $"{CheckScript} exited with {exitCode}:\n{standardOutput}\n{standardError}");
        foreach (string path in paths)
        {
            Assert.Contains($"OK {path}", standardOutput);
        }
    }

    /// <summary>
    /// Writes one model with <paramref name="write"/> to a temporary file (the path is its argument), checks it as
    /// <see cref="CheckModels"/> does, and deletes the file.
    /// </summary>
    public static void CheckWritten(Action<string> write, Action<string> log)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mae-check-{Guid.NewGuid():N}.onnx");
        try
        {
            write(path);
            CheckModels([path], log);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The interpreter that can import onnx. Without one, fails the calling test in CI and skips it elsewhere
    /// (<see cref="Skip"/> of Xunit.SkippableFact, so the test must be a <c>[SkippableFact]</c> or <c>[SkippableTheory]</c>).
    /// </summary>
    public static string RequirePythonWithOnnx()
    {
        string? python = FindPythonWithOnnx(out string diagnostics);
        if (python is not null)
        {
            return python;
        }

        string message =
            "onnx.checker could not run: no Python interpreter with the onnx package was found. " +
            $"Install it with 'apt-get install python3-onnx' (or bash scripts/setup.sh). Tried: {diagnostics}";
        Assert.False(IsContinuousIntegration(), message);
        Skip.If(true, message);
        throw new InvalidOperationException("Skip.If(true) returned."); // unreachable: Skip.If throws
    }

    public static bool IsContinuousIntegration() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Returns the first interpreter that can import onnx: Debian's /usr/bin/python3 first (python3-onnx installs
    /// there, and a pyenv python3 earlier on PATH would not see it), then python3 on PATH.
    /// </summary>
    public static string? FindPythonWithOnnx(out string diagnostics)
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
    public static string FindCheckScript()
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

    public static (int ExitCode, string StandardOutput, string StandardError) Run(string fileName, IEnumerable<string> arguments)
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
