using System.Runtime.InteropServices;
using TorchSharp;

namespace Mae.Training;

/// <summary>Process-wide libtorch settings made before the first tensor is created.</summary>
internal static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool waitPolicySet;

    /// <summary>
    /// Makes idle OpenMP threads sleep instead of spin (OMP_WAIT_POLICY=PASSIVE) unless the user chose a policy,
    /// and sets the intra-op thread count. Spinning threads make training 30–100× slower on a busy two-core machine.
    /// The policy only takes effect if libtorch has not been loaded yet in this process.
    /// </summary>
    public static void Configure(int numberOfThreads)
    {
        lock (Gate)
        {
            if (!waitPolicySet)
            {
                waitPolicySet = true;
                if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
                {
                    Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
                    // .NET keeps its own copy of the environment on Unix; the OpenMP runtime reads the C library's.
                    if (!OperatingSystem.IsWindows())
                        _ = SetNativeEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE", 0);
                }
            }
            if (torch.get_num_threads() != numberOfThreads)
                torch.set_num_threads(numberOfThreads);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironmentVariable(string name, string value, int overwrite);
}
