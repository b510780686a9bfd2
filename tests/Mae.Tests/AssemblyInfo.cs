// libtorch's random state and thread settings are process-wide: torch tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
