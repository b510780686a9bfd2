// libtorch's random state and thread settings are process-wide: torch tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Mae.Tests
{
    internal static class TorchSetup
    {
        /// <summary>Sets the native runtime defaults before any test touches libtorch, as the trainer does in an application.</summary>
        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Initialize() => Mae.Training.TorchRuntime.Configure(1);
    }
}
