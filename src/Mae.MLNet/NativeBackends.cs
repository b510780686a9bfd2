using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Mae;

/// <summary>
/// Checks that the native libraries Mae runs on can load, and turns a failure into an error that names the package to add.
/// The Mae.MutualAutoencoder package references the managed TorchSharp and Microsoft.ML.OnnxRuntime.Managed packages only,
/// as ML.NET does: the app chooses the natives (TorchSharp-cpu for libtorch on the CPU, Microsoft.ML.OnnxRuntime for scoring).
/// </summary>
internal static class NativeBackends
{
    internal const string TorchPackage = "TorchSharp-cpu";
    internal const string TorchPackageVersion = "0.107.0";
    internal const string OnnxRuntimePackage = "Microsoft.ML.OnnxRuntime";
    internal const string OnnxRuntimePackageVersion = "1.31.1";

    private const string MissingGlibcxxVersion = "GLIBCXX_3.4.32";

    // Set once a backend has loaded; a failed load is tried again on the next call (the app may load a library itself meanwhile).
    private static volatile bool torchLoaded;
    private static volatile bool onnxRuntimeLoaded;

    /// <summary>Loads libtorch on the CPU (what training needs).</summary>
    /// <exception cref="InvalidOperationException">libtorch or TorchSharp's native part did not load; the message names the package to add.</exception>
    public static void EnsureTorch()
    {
        if (torchLoaded)
            return;
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception exception) when (IsLoadFailure(exception) || exception is NotSupportedException)
        {
            throw new InvalidOperationException(DescribeTorchFailure(RootCause(exception).Message, ProbeLibTorchSharp()), exception);
        }
        torchLoaded = true;
    }

    /// <summary>Loads the ONNX Runtime native library (what scoring and the saved pipeline need).</summary>
    /// <exception cref="InvalidOperationException">onnxruntime did not load; the message names the package to add.</exception>
    public static void EnsureOnnxRuntime()
    {
        if (onnxRuntimeLoaded)
            return;
        try
        {
            _ = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception exception) when (IsLoadFailure(exception))
        {
            throw new InvalidOperationException(DescribeOnnxRuntimeFailure(RootCause(exception).Message), exception);
        }
        onnxRuntimeLoaded = true;
    }

    /// <summary>
    /// The message for a libtorch load failure. <paramref name="failure"/> is TorchSharp's own text; <paramref name="loaderError"/>
    /// is what the system loader said about libLibTorchSharp (null when it loaded or was not found), which names the real cause
    /// where TorchSharp only reports that the load failed.
    /// </summary>
    internal static string DescribeTorchFailure(string failure, string? loaderError)
    {
        string addPackage = $"dotnet add package {TorchPackage} --version {TorchPackageVersion}";
        string message;
        if (OperatingSystem.IsLinux() && $"{loaderError} {failure}".Contains(MissingGlibcxxVersion, StringComparison.Ordinal))
        {
            message =
                $"Mae trains with libtorch, but TorchSharp's libLibTorchSharp.so did not load: it asks for {MissingGlibcxxVersion}, which " +
                "this system's libstdc++ lacks (GCC 13's libstdc++ has it). The Mae.MutualAutoencoder package's build step " +
                "(buildTransitive/Mae.MutualAutoencoder.targets) marks that requirement weak in the copies in the build and publish " +
                "output: check that the app references Mae.MutualAutoencoder directly or through another package, that the MSBuild " +
                $"property MaeSkipLibTorchSharpPatch is not true, and that the app runs from that output. The app also needs the CPU " +
                $"backend of libtorch: {addPackage}.";
        }
        else
        {
            message =
                "Mae trains with libtorch, whose native libraries could not be loaded. Add the CPU backend to the app: " +
                $"{addPackage} (or another libtorch package of TorchSharp {TorchPackageVersion}).";
        }
        if (loaderError is not null)
            message += " The system loader said: " + loaderError;
        return message + " TorchSharp said: " + failure;
    }

    /// <summary>The message for an ONNX Runtime load failure whose own text is <paramref name="failure"/>.</summary>
    internal static string DescribeOnnxRuntimeFailure(string failure) =>
        "Mae scores with ONNX Runtime, whose native library could not be loaded. Add it to the app: " +
        $"dotnet add package {OnnxRuntimePackage} --version {OnnxRuntimePackageVersion} (or another native ONNX Runtime package of that version). " +
        "ONNX Runtime said: " + failure;

    /// <summary>
    /// Loads libLibTorchSharp the way TorchSharp first tries to (next to TorchSharp.dll, through the app's dependency manifest) and
    /// returns the loader's error, which says which dependency or symbol version is missing; null if it loads.
    /// </summary>
    private static string? ProbeLibTorchSharp()
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null));
            return null;
        }
        catch (DllNotFoundException exception)
        {
            return exception.Message;
        }
        catch (BadImageFormatException exception)
        {
            return exception.Message;
        }
    }

    private static bool IsLoadFailure(Exception exception) =>
        exception is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or TypeInitializationException;

    /// <summary>The innermost exception: type initialisers and TorchSharp wrap the real cause.</summary>
    private static Exception RootCause(Exception exception)
    {
        while (exception.InnerException is not null)
            exception = exception.InnerException;
        return exception;
    }
}
