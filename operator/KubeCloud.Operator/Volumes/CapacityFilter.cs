using System.Globalization;
using KubeCloud.Scheduler.Filters;

namespace KubeCloud.Operator.Volumes;

/// <summary>
/// cinder's CapacityFilter (<c>cinder/scheduler/filters/capacity_filter.py</c>): free space after
/// the reserved percentage must hold the volume; on a thin backend, provisioned plus requested
/// over total must stay within the over-subscription ratio and the free space times that ratio
/// must hold the volume. An unknown free capacity passes (the backend cannot say; a failed create
/// is retried elsewhere); an unknown total passes only with nothing reserved.
/// </summary>
public sealed class CapacityFilter : IBackendFilter
{
    public const string FilterName = "CapacityFilter";

    public string Name => FilterName;

    public FilterResult BackendPasses(StorageBackend backend, VolumePlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(request);
        var requested = request.SizeGb;
        if (requested <= 0 || backend.FreeCapacityGb is not { } freeSpace)
        {
            return FilterResult.Pass;
        }

        var reserved = backend.ReservedPercentage / 100;
        if (backend.TotalCapacityGb is not { } total)
        {
            return reserved == 0 ? FilterResult.Pass : FilterResult.Fail($"cannot reserve {Gb(backend.ReservedPercentage)}% of an unknown total capacity");
        }

        if (total <= 0)
        {
            return FilterResult.Fail($"total capacity is {Gb(total)} GiB");
        }

        var free = freeSpace - Math.Floor(total * reserved);
        if (!request.Thick && backend.ThinProvisioningSupport)
        {
            if (backend.MaxOverSubscriptionRatio < 1)
            {
                return FilterResult.Fail($"invalid maxOverSubscriptionRatio {Gb(backend.MaxOverSubscriptionRatio)} (it must be at least 1)");
            }

            var provisionedRatio = (backend.ProvisionedCapacityGb + requested) / total;
            if (provisionedRatio > backend.MaxOverSubscriptionRatio)
            {
                return FilterResult.Fail($"provisioned capacity over total would be {provisionedRatio:0.##}, above the maximum over-subscription ratio {Gb(backend.MaxOverSubscriptionRatio)}");
            }

            var adjustedFreeVirtual = free * backend.MaxOverSubscriptionRatio;
            return adjustedFreeVirtual >= requested
                ? FilterResult.Pass
                : FilterResult.Fail($"insufficient free virtual space ({Gb(adjustedFreeVirtual)} GiB) for a thin {Gb(requested)} GiB volume");
        }

        return free >= requested
            ? FilterResult.Pass
            : FilterResult.Fail($"insufficient free space (requested {Gb(requested)} GiB, available {Gb(free)} GiB after {Gb(backend.ReservedPercentage)}% reserved)");
    }

    private static string Gb(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
