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
    /// <item>MKL_CBWR: MKL's conditional numerical reproducibility, without which results vary in the last bit with the
    /// memory alignment of the batch, so that a seed would not reproduce a run. The branch is named after the CPU's widest
    /// vector unit: AUTO picks a slow generic path on AMD processors (the Bernoulli step benchmark went from 34 to 41 ms).</item>
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
                SetDefault("MKL_CBWR", ReproducibleMklBranch());
                KeepFreedMemory();
            }
            if (torch.get_num_threads() != numberOfThreads)
                torch.set_num_threads(numberOfThreads);
        }
    }

    private static string ReproducibleMklBranch() =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX512"
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2"
        : "AUTO";

    private static void SetDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null)
            return;
        Environment.SetEnvironmentVariable(name, value);
        // .NET keeps its own copy of the environment on Unix; native libraries read the C library's.
        if (!OperatingSystem.IsWindows())
            _ = SetNativeEnvironmentVariable(name, value, 0);
    }

    /// <summary>
    /// Makes glibc keep freed memory for reuse instead of handing it back to the kernel. A training step allocates and frees
    /// the same buffers of hundreds of kilobytes each time; with glibc's defaults they are unmapped or trimmed and then
    /// faulted in again page by page on the next step, which made steps about twice as slow (measured with the step benchmark).
    /// Raises the mmap threshold to its 32 MiB maximum and the trim threshold to 256 MiB, unless the user set either.
    /// Affects the whole process; does nothing on other C libraries.
    /// </summary>
    private static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is not null)
            return;
        try
        {
            const int TrimThreshold = -1, MmapThreshold = -3;
            _ = SetMallocOption(MmapThreshold, 32 << 20);
            _ = SetMallocOption(TrimThreshold, 256 << 20);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to tune.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetMallocOption(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironmentVariable(string name, string value, int overwrite);
}
