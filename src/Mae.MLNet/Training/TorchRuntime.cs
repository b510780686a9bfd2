using System.Runtime.InteropServices;
using TorchSharp;

namespace Mae.Training;

/// <summary>Process-wide libtorch settings made before the first tensor is created.</summary>
internal static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool environmentSet;

    /// <summary>
    /// Sets the intra-op thread count, and, the first time, two environment defaults that the native runtimes read when they
    /// start (so they only take effect if libtorch has not run yet in this process; a value the user set is kept):
    /// <list type="bullet">
    /// <item>OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep instead of spin; spinning makes training 30–100× slower on a busy two-core machine.</item>
    /// <item>MKL_CBWR=AUTO: MKL's conditional numerical reproducibility, without which results vary in the last bit with the
    /// memory alignment of the batch, so that a seed would not reproduce a run.</item>
    /// </list>
    /// </summary>
    public static void Configure(int numberOfThreads)
    {
        lock (Gate)
        {
            if (!environmentSet)
            {
                environmentSet = true;
                SetDefault("OMP_WAIT_POLICY", "PASSIVE");
                SetDefault("MKL_CBWR", "AUTO");
            }
            if (torch.get_num_threads() != numberOfThreads)
                torch.set_num_threads(numberOfThreads);
        }
    }

    private static void SetDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null)
            return;
        Environment.SetEnvironmentVariable(name, value);
        // .NET keeps its own copy of the environment on Unix; native libraries read the C library's.
        if (!OperatingSystem.IsWindows())
            _ = SetNativeEnvironmentVariable(name, value, 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironmentVariable(string name, string value, int overwrite);
}
