using KubeCloud.Scheduler.Filters;

namespace KubeCloud.Operator.Volumes;

/// <summary>
/// cinder's CapabilitiesFilter in its simplest use: the backend serves the volume's type. A volume
/// with no type goes to any backend; a typed volume only to backends listing that type.
/// </summary>
public sealed class VolumeTypeFilter : IBackendFilter
{
    public const string FilterName = "VolumeTypeFilter";

    public string Name => FilterName;

    public FilterResult BackendPasses(StorageBackend backend, VolumePlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(request);
        return request.VolumeType is not { } type || backend.VolumeTypes.Contains(type)
            ? FilterResult.Pass
            : FilterResult.Fail($"backend does not serve volume type {type}");
    }
}
