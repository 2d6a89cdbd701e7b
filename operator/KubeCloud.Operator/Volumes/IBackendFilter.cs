using KubeCloud.Scheduler.Filters;

namespace KubeCloud.Operator.Volumes;

/// <summary>A cinder-scheduler filter: one pure predicate over a backend, with the reason it says no (the scheduler's <see cref="FilterResult"/>).</summary>
public interface IBackendFilter
{
    string Name { get; }

    FilterResult BackendPasses(StorageBackend backend, VolumePlacementRequest request);
}
