using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Volumes;

/// <summary>What each backend has promised, counted from the Volumes placed on it (status.backendNode), never kept as a counter.</summary>
public static class ProvisionedCapacity
{
    /// <summary>GiB of volume size per backend node.</summary>
    public static IReadOnlyDictionary<string, double> ByBackend(IEnumerable<Volume> volumes)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var volume in volumes)
        {
            if (volume.Status?.BackendNode is { Length: > 0 } node)
            {
                totals[node] = totals.GetValueOrDefault(node) + SizeGb(volume);
            }
        }

        return totals;
    }

    /// <summary>What one volume has been promised, in GiB: the larger of its spec and its provisioned capacity (while it grows).</summary>
    public static double SizeGb(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return (volume.Status?.Capacity is { } capacity && capacity > volume.Spec.Size ? capacity : volume.Spec.Size).ToGibibytes();
    }
}
