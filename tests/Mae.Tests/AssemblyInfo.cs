// Tests seed libtorch's default generator and time nothing, but share two cores: torch tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Mae.Tests
{
    internal static class TorchSetup
    {
        /// <summary>Loads Mae (whose module initializer sets the native environment defaults) and configures libtorch before any test touches it.</summary>
        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Initialize() => Mae.Training.TorchRuntime.Configure(1);
    }
}
