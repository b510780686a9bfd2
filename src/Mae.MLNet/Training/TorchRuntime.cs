using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Mae.Training;

/// <summary>
/// The one place that touches process-wide native state: the environment that the native runtimes read when they start, the
/// C library's allocator, libtorch's default random generator and the intra-op thread count.
/// </summary>
/// <remarks>
/// Fits on several threads at once stay reproducible: each fit draws from its own <see cref="Generator"/>
/// (<see cref="CreateSeeded{T}"/>), and the thread count libtorch uses is a setting of the calling thread (OpenMP's and MKL's
/// per-thread values), which <see cref="Configure"/> sets on the fit's thread.
/// </remarks>
internal static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static readonly Lock DefaultGeneratorGate = new();
    private static bool memoryTuned;

    /// <summary>The AppContext switch that stops Mae from setting native environment defaults (see <see cref="SetNativeEnvironmentDefaults"/>).</summary>
    public const string LeaveEnvironmentSwitch = "Mae.LeaveNativeEnvironment";

    /// <summary>
    /// Sets, once, when the Mae assembly loads (before any Mae code runs and before Mae starts libtorch), two environment defaults
    /// that the native runtimes read when they start; a value already set is kept:
    /// <list type="bullet">
    /// <item>OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep instead of spin; spinning makes training 30–100× slower on a busy two-core machine.</item>
    /// <item>MKL_CBWR: MKL's conditional numerical reproducibility, without which results vary in the last bit with the
    /// memory alignment of the batch, so that a seed would not reproduce a run. The branch is named after the CPU's widest
    /// vector unit: AUTO picks a slow generic path on AMD processors (the Bernoulli step benchmark went from 34 to 41 ms).</item>
    /// </list>
    /// glibc's <c>setenv</c> is not safe while another thread reads the environment, so this is done at the earliest point a library
    /// has, and never again. An app that starts threads calling native code before it first touches Mae can set the two variables
    /// itself (in the environment or the launch script) and turn this off with the AppContext switch
    /// <c>Mae.LeaveNativeEnvironment</c> (<c>&lt;RuntimeHostConfigurationOption Include="Mae.LeaveNativeEnvironment" Value="true" /&gt;</c>).
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The environment must be set before libtorch starts and before Mae's threads exist; assembly load is the earliest point.")]
    internal static void SetNativeEnvironmentDefaults()
    {
        if (AppContext.TryGetSwitch(LeaveEnvironmentSwitch, out bool leave) && leave)
            return;
        SetDefault("OMP_WAIT_POLICY", "PASSIVE");
        SetDefault("MKL_CBWR", ReproducibleMklBranch());
    }

    /// <summary>
    /// Prepares the calling thread to train: the intra-op thread count (a per-thread setting in libtorch's OpenMP and MKL
    /// back ends, so concurrent fits on other threads keep theirs) and, the first time, the allocator settings of <see cref="KeepFreedMemory"/>.
    /// </summary>
    public static void Configure(int numberOfThreads)
    {
        lock (Gate)
        {
            if (!memoryTuned)
            {
                memoryTuned = true;
                KeepFreedMemory();
            }
        }
        if (get_num_threads() != numberOfThreads)
            set_num_threads(numberOfThreads);
    }

    /// <summary>
    /// Runs <paramref name="create"/> (which builds networks, whose constructors initialise their weights from libtorch's default
    /// generator) with the default generator seeded by <paramref name="seed"/>, and returns with it a new generator that continues
    /// the same stream, for the fit's own draws. A process-wide lock keeps two fits from interleaving their initialisation; the
    /// default generator is touched only inside it.
    /// </summary>
    public static (T Value, Generator Generator) CreateSeeded<T>(long seed, Func<T> create)
    {
        lock (DefaultGeneratorGate)
        {
#pragma warning disable RS0030 // The one place that seeds the default generator: networks initialise from it, under the lock.
            random.manual_seed(seed);
#pragma warning restore RS0030
            var value = create();
            var generator = new Generator((ulong)seed);
            using var state = random.get_rng_state();
            generator.set_state(state);
            return (value, generator);
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
