using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Quota;

/// <summary>
/// A project's usage counted from its objects every time (nova's "counted quotas"), never kept as a
/// counter that can drift. An object counts until it is gone, deletion in progress included: what
/// it holds is only free once its finalizers have released it.
/// </summary>
public static class ProjectUsageCounter
{
    /// <summary>The usage of the objects; <paramref name="flavorOf"/> finds a Flavor by name (null when gone).</summary>
    public static QuotaUsage Count(ProjectObjects objects, Func<string, Flavor?> flavorOf)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(flavorOf);
        var usage = QuotaUsage.None;
        foreach (var server in objects.Servers)
        {
            usage += Of(server, flavorOf);
        }

        foreach (var volume in objects.Volumes)
        {
            usage += Of(volume);
        }

        return usage with
        {
            Networks = objects.Networks.Count,
            Ports = objects.Ports.Count,
            ServerGroups = objects.ServerGroups.Count,
        };
    }

    /// <summary>
    /// What one server counts: one server, and the vCPUs and memory of the flavor it holds
    /// (status.flavor, the snapshot taken when it was scheduled; the spec's flavor before that).
    /// While a resize waits to be confirmed or reverted the old flavor counts too, since the
    /// scheduler holds both (as nova does when it counts usage from placement).
    /// </summary>
    public static QuotaUsage Of(Server server, Func<string, Flavor?> flavorOf)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(flavorOf);
        var (vcpus, memory) = server.Status?.Flavor is { } held
            ? (held.Vcpus, held.Memory)
            : flavorOf(server.Spec.FlavorRef.Name) is { } flavor ? (flavor.Spec.Vcpus, flavor.Spec.Memory) : (0, Quantity.Zero);
        if (server.Status?.Resize?.OldFlavor is { } old)
        {
            vcpus += old.Vcpus;
            memory += old.Memory;
        }

        return new QuotaUsage { Servers = 1, Vcpus = vcpus, Memory = memory };
    }

    /// <summary>What one volume counts: one volume and its size (the larger of spec and provisioned while it grows).</summary>
    public static QuotaUsage Of(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var size = volume.Status?.Capacity is { } capacity && capacity > volume.Spec.Size ? capacity : volume.Spec.Size;
        return new QuotaUsage { Volumes = 1, VolumeStorage = size };
    }
}
