using KubeCloud.Scheduler.Filters;

namespace KubeCloud.Operator.Volumes;

/// <summary>cinder's host manager check that a backend's service is up and enabled, as a filter so "no valid backend" can count it.</summary>
public sealed class BackendStateFilter : IBackendFilter
{
    public const string FilterName = "BackendStateFilter";

    public string Name => FilterName;

    public FilterResult BackendPasses(StorageBackend backend, VolumePlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return backend switch
        {
            { Disabled: true } => FilterResult.Fail("backend is disabled"),
            { Ready: false } => FilterResult.Fail("backend's storage daemon is not reporting"),
            _ => FilterResult.Pass,
        };
    }
}
