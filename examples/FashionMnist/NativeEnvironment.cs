using System.Runtime.InteropServices;

/// <summary>Sets environment defaults that native libraries read when they start.</summary>
static partial class NativeEnvironment
{
    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE (unless it is set already), so that idle OpenMP threads sleep instead of spinning.
    /// Mae sets it too, but only when it first trains; LightGBM's OpenMP runtime reads it when LightGbm first runs, which here
    /// is earlier. With spinning threads, LightGbm took 13–44 s instead of 3 s on 16 features on a busy two-core machine.
    /// </summary>
    public static void UsePassiveOpenMPThreads()
    {
        const string Name = "OMP_WAIT_POLICY", Value = "PASSIVE";
        if (Environment.GetEnvironmentVariable(Name) is not null)
            return;
        Environment.SetEnvironmentVariable(Name, Value);
        // .NET keeps its own copy of the environment on Unix; native libraries read the C library's.
        if (!OperatingSystem.IsWindows())
            _ = SetNative(Name, Value, overwrite: 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);
}
