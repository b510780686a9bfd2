using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Mae.Tests;

public class NativeBackendsTests
{
    [Fact]
    public void BothBackendsLoadInTheTestHostWhichReferencesTheirNativePackages()
    {
        NativeBackends.EnsureTorch();
        NativeBackends.EnsureOnnxRuntime();
    }

    [Fact]
    public void TheNamedPackageVersionsAreTheOnesTheLibraryIsBuiltAgainst()
    {
        // The advice "dotnet add package X --version V" must name the versions of the managed packages Mae references.
        Assert.Equal(NativeBackends.TorchPackageVersion, ThreePartVersion(typeof(torch).Assembly));
        Assert.Equal(NativeBackends.OnnxRuntimePackageVersion, ThreePartVersion(typeof(OrtEnv).Assembly));
    }

    [Fact]
    public void AMissingLibtorchNamesTheCpuPackageAndKeepsWhatTheLoaderAndTorchSharpSaid()
    {
        string message = NativeBackends.DescribeTorchFailure("TorchSharp's own text.", "libtorch.so: cannot open shared object file");

        Assert.Contains("dotnet add package TorchSharp-cpu --version 0.107.0", message);
        Assert.Contains("libtorch.so: cannot open shared object file", message);
        Assert.Contains("TorchSharp's own text.", message);
        Assert.DoesNotContain("MaeSkipLibTorchSharpPatch", message);
    }

    [Fact]
    public void AnOldLibstdcxxOnLinuxPointsAtThePackagedLoadFixAndItsOptOut()
    {
        string loader = "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)";
        string message = NativeBackends.DescribeTorchFailure("TorchSharp's own text.", loader);

        Assert.Contains("dotnet add package TorchSharp-cpu --version 0.107.0", message);
        Assert.Contains(loader, message);
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("buildTransitive/Mae.MutualAutoencoder.targets", message);
            Assert.Contains("MaeSkipLibTorchSharpPatch", message);
        }
    }

    [Fact]
    public void AMissingOnnxRuntimeNamesItsNativePackageAndKeepsTheOriginalMessage()
    {
        string message = NativeBackends.DescribeOnnxRuntimeFailure("Unable to load shared library 'onnxruntime'.");

        Assert.Contains("dotnet add package Microsoft.ML.OnnxRuntime --version 1.31.1", message);
        Assert.Contains("Unable to load shared library 'onnxruntime'.", message);
    }

    private static string ThreePartVersion(Assembly assembly)
    {
        var version = assembly.GetName().Version!;
        return $"{version.Major}.{version.Minor}.{version.Build}";
    }
}
