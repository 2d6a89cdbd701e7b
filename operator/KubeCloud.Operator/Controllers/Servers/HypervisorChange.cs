using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// Which Hypervisor updates the Server controller acts on. A node daemon's heartbeat and the Hypervisor controller's
/// <c>allocated</c>/<c>instances</c> change with every placement, and the servers on that node read neither: they
/// read Ready (HostDown). Servers waiting for a host read everything the scheduler reads (the ledger, not the status,
/// holds the usage; a changed <c>allocated</c> still means capacity may have come back).
/// </summary>
public static class HypervisorChange
{
    /// <summary>The Ready condition (status, reason, message), the spec or the existence of the node changed.</summary>
    public static bool ReadinessChanged(Hypervisor old, Hypervisor updated)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(updated);
        var was = Conditions.Find(old.Status, ConditionTypes.Ready);
        var now = Conditions.Find(updated.Status, ConditionTypes.Ready);
        return old.Metadata.Generation != updated.Metadata.Generation
            || (old.Metadata.DeletionTimestamp is null) != (updated.Metadata.DeletionTimestamp is null)
            || was?.Status != now?.Status || was?.Reason != now?.Reason || was?.Message != now?.Message;
    }

    /// <summary>Anything but the heartbeat changed (what a server still looking for a host may now find).</summary>
    public static bool PlacementInputsChanged(Hypervisor old, Hypervisor updated)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(updated);
        // A Hypervisor made before its daemon's first beat has no status.
        return ReadinessChanged(old, updated) || !JsonEquality.Same(WithoutHeartbeat(old.Status), WithoutHeartbeat(updated.Status));
    }

    private static HypervisorStatus? WithoutHeartbeat(HypervisorStatus? status) =>
        status is null ? null : new HypervisorStatus
        {
            HypervisorType = status.HypervisorType,
            HypervisorVersion = status.HypervisorVersion,
            Cpu = status.Cpu,
            Capacity = status.Capacity,
            Allocated = status.Allocated,
            Storage = status.Storage,
            Instances = status.Instances,
            IoOps = status.IoOps,
            TunnelIP = status.TunnelIP,
            Conditions = status.Conditions,
            ObservedGeneration = status.ObservedGeneration,
        };
}
