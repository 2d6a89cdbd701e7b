using System.Collections.Concurrent;
using System.Globalization;
using k8s;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.Operator.Controllers.Servers;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Operator.Controllers.Hypervisors;

/// <summary>
/// The Hypervisor controller (the node lifecycle controller and nova's resource tracker report): a hypervisor whose
/// node daemon has not reported for <see cref="OperatorSettings.HeartbeatGrace"/> gets Ready False, reason
/// <c>HeartbeatStale</c> (re-checked at the moment it would go stale); <c>status.allocated</c> and <c>instances</c> are
/// counted from the Servers placed on it. The node daemon owns Ready otherwise: the operator sends Ready only while
/// the heartbeat is stale, so the daemon's next report (with force) takes it back.
/// <para>
/// <c>allocated</c> is a report (the scheduler counts claims in its own ledger), so it is written per batch, as nova's
/// resource tracker reports: at once when the last write is older than
/// <see cref="OperatorSettings.HypervisorAllocationInterval"/>, otherwise once that interval has passed, with every
/// placement of the meantime (the queue folds them into one request). A stale heartbeat is written at once.
/// </para>
/// </summary>
public sealed class HypervisorReconciler(IKubeClient client, SharedInformerFactory informers, OperatorSettings settings, IEventRecorder events, TimeProvider time) : IReconciler<Hypervisor>
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastAllocationWrite = new(StringComparer.Ordinal);

    public const string ControllerName = "hypervisor";

    public const string HeartbeatStale = "HeartbeatStale";

    /// <summary>For a Server's change: the hypervisors it is (or, resizing, was) placed on.</summary>
    public static IEnumerable<ReconcileRequest> HypervisorsOf(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new[] { server.Status?.Node, server.Status?.Resize?.SourceNode }
            .Where(n => !string.IsNullOrEmpty(n))
            .Distinct(StringComparer.Ordinal)
            .Select(n => new ReconcileRequest(null, n!));
    }

    /// <summary>A Server update that changes what it holds: its node, its flavor or its resize (nothing else is counted).</summary>
    public static bool PlacementChanged(Server old, Server updated)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(updated);
        return old.Status?.Node != updated.Status?.Node
            || (old.Spec.BootVolumeRef is null) != (updated.Spec.BootVolumeRef is null)
            || !JsonEquality.Same(old.Status?.Flavor, updated.Status?.Flavor)
            || !JsonEquality.Same(old.Status?.Resize, updated.Status?.Resize);
    }

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var hypervisor = informers.For<Hypervisor>().Store.Get(null, request.Name);
        if (hypervisor is null)
        {
            _lastAllocationWrite.TryRemove(request.Name, out _);
            return ReconcileResult.Done;
        }

        var now = time.GetUtcNow();
        var (allocated, instances) = Allocations(request.Name);
        var status = new HypervisorStatus { Allocated = allocated, Instances = instances };
        var heartbeat = hypervisor.Status?.LastHeartbeatTime ?? new DateTimeOffset(hypervisor.Metadata.CreationTimestamp ?? now.UtcDateTime, TimeSpan.Zero);
        var staleAt = heartbeat + settings.HeartbeatGrace;
        var stale = now >= staleAt;
        var current = Conditions.Find(hypervisor.Status, ConditionTypes.Ready);
        if (stale)
        {
            status.Conditions = Conditions.CopyOf(hypervisor.Status, t => t == ConditionTypes.Ready);
            var message = hypervisor.Status?.LastHeartbeatTime is { } last
                ? $"the node daemon has not reported since {last.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)} (grace period {settings.HeartbeatGrace.TotalSeconds:0.#} s)"
                : $"the node daemon has never reported (grace period {settings.HeartbeatGrace.TotalSeconds:0.#} s)";
            Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.False, HeartbeatStale, message, null, now);
            if (current is not { Status: ConditionStatus.False, Reason: HeartbeatStale })
            {
                events.Record(hypervisor, EventTypes.Warning, HeartbeatStale, "MonitorHeartbeat", message);
            }
        }

        if (Changed(hypervisor.Status, status, stale))
        {
            var nextWrite = _lastAllocationWrite.TryGetValue(request.Name, out var last) ? last + settings.HypervisorAllocationInterval : now;
            if (!stale && now < nextWrite)
            {
                // Only the allocation moved, and it was written a moment ago: write this batch when the interval is up.
                return ReconcileResult.After(Earliest(nextWrite, staleAt) - now + TimeSpan.FromMilliseconds(10));
            }

            await client.ApplyStatusAsync(hypervisor, status, cancellationToken).ConfigureAwait(false);
            _lastAllocationWrite[request.Name] = now;
        }

        // Not stale yet: look again at the moment it would be. Stale: the daemon's next report is a change that brings it back.
        return stale ? ReconcileResult.Done : ReconcileResult.After(staleAt - now + TimeSpan.FromMilliseconds(10));
    }

    /// <summary>What the Servers placed here hold, as the scheduler counts a claim (status.flavor; a resize holds the old flavor on its source node too).</summary>
    private (HypervisorResources Allocated, int Instances) Allocations(string node)
    {
        var vcpus = 0;
        long memoryMb = 0;
        long diskMb = 0;
        var instances = 0;
        foreach (var server in informers.For<Server>().Store.ByIndex(ServerIndexes.ByNode, node))
        {
            var bootFromVolume = server.Spec.BootVolumeRef is not null;
            if (server.Status?.Node == node)
            {
                instances++;
                if (server.Status.Flavor is { } flavor)
                {
                    var held = ScheduleRequestFactory.Resources(flavor, bootFromVolume);
                    (vcpus, memoryMb, diskMb) = (vcpus + held.Vcpus, memoryMb + held.MemoryMb, diskMb + held.DiskMb);
                }
            }

            if (server.Status?.Resize is { } resize && resize.SourceNode == node)
            {
                var held = ScheduleRequestFactory.Resources(resize.OldFlavor, bootFromVolume);
                (vcpus, memoryMb, diskMb) = (vcpus + held.Vcpus, memoryMb + held.MemoryMb, diskMb + held.DiskMb);
            }
        }

        return (new HypervisorResources { Vcpus = vcpus, Memory = Mebibytes(memoryMb), Disk = Mebibytes(diskMb) }, instances);
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static Quantity Mebibytes(long mb) => Quantity.FromBytes(mb * 1024 * 1024);

    private static bool Changed(HypervisorStatus? current, HypervisorStatus desired, bool stale)
    {
        var mine = new HypervisorStatus
        {
            Allocated = current?.Allocated,
            Instances = current?.Instances,
            Conditions = stale && Conditions.Find(current, ConditionTypes.Ready) is not null ? Conditions.CopyOf(current, t => t == ConditionTypes.Ready) : null,
        };
        return KubernetesJson.Serialize(mine) != KubernetesJson.Serialize(desired);
    }
}
