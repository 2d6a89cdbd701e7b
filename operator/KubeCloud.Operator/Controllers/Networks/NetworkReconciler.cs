using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers.Ports;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Controllers.Networks;

/// <summary>
/// The Network controller (Neutron's network and subnet API, ML2's type drivers): checks the subnets
/// (<see cref="NetworkSpecChecks"/>: every broken rule in the Ready condition and a Warning Event), gives a VXLAN network
/// a VNI from the configured range (or the one an admin requested), keeps a VLAN's ID as given and a flat network
/// without one, and reports address usage per subnet from the IPAM allocators. Its finalizer holds the VNI and the
/// address pools until the network's last Port is gone, so neither is handed to another network while a port (and,
/// through it, a node's bridge) may still use it. It publishes the network's VXLAN tunnel endpoints as Neutron's
/// l2population tells each agent: <c>status.nodes</c>, every node with a port bound on the network (the Port cache's
/// index by network) and its Hypervisor's tunnel IP, so a node daemon needs neither the other nodes' Ports nor their Hypervisors.
/// </summary>
public sealed class NetworkReconciler(IKubeClient client, SharedInformerFactory informers, SegmentationIds segments, NetworkIpam ipam, IEventRecorder events, TimeProvider time) : IReconciler<Network>
{
    public const string Finalizer = "kubecloud.io/network";

    private static readonly string[] OwnedFields = ["segmentationId", "subnets", "nodes", "observedGeneration"];

    private readonly IIndexer<Network> _networks = informers.For<Network>().Store;
    private readonly IIndexer<Port> _ports = PortIndexes.Ports(informers);
    private readonly IIndexer<Hypervisor> _hypervisors = informers.For<Hypervisor>().Store;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var network = _networks.Get(request.Namespace, request.Name);
        if (network is null)
        {
            return ReconcileResult.Done;
        }

        var key = PortIndexes.Key(network.Metadata.NamespaceProperty, network.Metadata.Name);
        if (network.Metadata.DeletionTimestamp is not null)
        {
            if (!Finalizers.Has(network, Finalizer))
            {
                return ReconcileResult.Done;
            }

            var ports = _ports.ByIndex(PortIndexes.ByNetwork, key);
            if (ports.All(p => DhcpPort.NodeOf(p) is not null))
            {
                // Only the nodes' DHCP ports are left: deleted with the network, as Neutron deletes its network:dhcp ports
                // (a daemon removes its own when its last port goes; this covers a node that is down).
                foreach (var dhcp in ports.Where(p => p.Metadata.DeletionTimestamp is null))
                {
                    await DeletePortAsync(dhcp, cancellationToken).ConfigureAwait(false);
                }
            }

            if (ports.Count > 0)
            {
                var names = string.Join(", ", ports.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).Take(5));
                var waiting = Status(network, network.Status?.SegmentationId, network.Status?.Subnets, ConditionStatus.False, NetworkReasons.PortsRemain,
                    $"deleted; waiting for {ports.Count} port(s) to be deleted ({names}{(ports.Count > 5 ? ", ..." : "")}) before the VNI and addresses are released");
                await WriteAsync(network, waiting, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done; // each port's deletion brings the network back
            }

            segments.Allocator.Release(network.Metadata.Uid);
            ipam.Forget(network.Metadata.Uid);
            IpamMetrics.Remove(key, (network.Spec.Subnets ?? []).Select(s => s.Name));
            await Finalizers.RemoveAsync(client, network, Finalizer, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        network = await Finalizers.AddAsync(client, network, Finalizer, cancellationToken).ConfigureAwait(false);
        var errors = NetworkSpecChecks.Check(network.Spec);
        var segment = network.Spec.ProviderType switch
        {
            ProviderType.Vxlan => segments.Allocator.Allocate(network),
            ProviderType.Vlan => SegmentAllocation.Allocated(network.Spec.SegmentationId ?? 0),
            _ => default,
        };
        List<SubnetStatus>? subnets = null;
        if (errors.Count == 0)
        {
            var usage = ipam.For(network).Usage();
            IpamMetrics.Set(key, usage);
            subnets = [.. usage.Select(u => new SubnetStatus { Name = u.Subnet, UsedIPs = u.Used, TotalIPs = u.PoolSize > long.MaxValue ? long.MaxValue : (long)u.PoolSize })];
        }

        var status = (errors.Count, segment.Refusal) switch
        {
            ( > 0, _) => Status(network, segment.SegmentationId, subnets, ConditionStatus.False, NetworkReasons.SubnetsInvalid, string.Join("; ", errors)),
            (_, { } refusal) => Status(network, null, subnets, ConditionStatus.False, NetworkReasons.SegmentationIdUnavailable, refusal),
            _ => Status(network, segment.SegmentationId, subnets, ConditionStatus.True, NetworkReasons.Ready, Describe(network, segment.SegmentationId)),
        };
        var before = Conditions.Find(network.Status, ConditionTypes.Ready);
        if (await WriteAsync(network, status, cancellationToken).ConfigureAwait(false))
        {
            var after = Conditions.Find(status, ConditionTypes.Ready)!;
            if (before?.Reason != after.Reason || before.Message != after.Message)
            {
                events.Record(network, after.Status == ConditionStatus.True ? EventTypes.Normal : EventTypes.Warning, after.Reason, "Reconcile", after.Message ?? after.Reason);
            }
        }

        // A refused VNI may come free (another network deleted, which also requeues this one at once): retry with backoff.
        return segment.Refusal is null ? ReconcileResult.Done : ReconcileResult.RequeueNow;
    }

    /// <summary>The Network to reconcile when a Port changes (its usage, or its deletion releasing the network).</summary>
    public static IEnumerable<ReconcileRequest> NetworkOf(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        yield return new ReconcileRequest(port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty, port.Spec.NetworkRef.Name);
    }

    /// <summary>
    /// When a network is deleted (its VNI about to be released), the networks whose VNI was refused are tried again at once rather than after their backoff.
    /// </summary>
    public IEnumerable<ReconcileRequest> NetworksWaitingForAVni(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Metadata.DeletionTimestamp is null)
        {
            return [];
        }

        return _networks.List()
            .Where(n => Conditions.Find(n.Status, ConditionTypes.Ready)?.Reason == NetworkReasons.SegmentationIdUnavailable && n.Metadata.DeletionTimestamp is null)
            .Select(ReconcileRequest.For);
    }

    /// <summary>The Networks to reconcile when a Hypervisor changes (its tunnel IP): those with a port bound to its node.</summary>
    public IEnumerable<ReconcileRequest> NetworksOfNode(Hypervisor hypervisor)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        return _ports.ByIndex(PortIndexes.ByNode, hypervisor.Metadata.Name).SelectMany(NetworkOf).Distinct();
    }

    /// <summary>The nodes with a port bound on the network, each with its tunnel IP, ordered by name; null when there are none.</summary>
    private List<NetworkNodeStatus>? Endpoints(string key)
    {
        var nodes = _ports.ByIndex(PortIndexes.ByNetwork, key)
            .Where(p => p.Metadata.DeletionTimestamp is null)
            .Select(p => p.Status?.Node).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(node => new NetworkNodeStatus { Node = node, TunnelIP = _hypervisors.Get(null, node)?.Status?.TunnelIP })
            .ToList();
        return nodes.Count == 0 ? null : nodes;
    }

    private NetworkStatus Status(Network network, int? segmentationId, List<SubnetStatus>? subnets, ConditionStatus ready, string reason, string? message)
    {
        var status = new NetworkStatus
        {
            SegmentationId = segmentationId,
            Subnets = subnets,
            Nodes = Endpoints(PortIndexes.Key(network.Metadata.NamespaceProperty, network.Metadata.Name)),
            Conditions = Conditions.CopyOf(network.Status, type => type == ConditionTypes.Ready),
        };
        Conditions.Set(status, ConditionTypes.Ready, ready, reason, message, network.Metadata.Generation, time.GetUtcNow());
        return status;
    }

    private async Task<bool> WriteAsync(Network network, NetworkStatus status, CancellationToken cancellationToken)
    {
        if (!OwnedStatus.Differs(network.Status, status, OwnedFields))
        {
            return false;
        }

        await client.ApplyStatusAsync(network, status, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string Describe(Network network, int? segmentationId)
    {
        var segment = network.Spec.ProviderType switch
        {
            ProviderType.Vxlan => $"vxlan VNI {segmentationId}",
            ProviderType.Vlan => $"vlan {segmentationId} on {network.Spec.PhysicalNetwork}",
            _ => $"flat on {network.Spec.PhysicalNetwork}",
        };
        var subnets = network.Spec.Subnets ?? [];
        return subnets.Count == 0 ? $"{segment}, no subnets" : $"{segment}, subnets {string.Join(", ", subnets.Select(s => s.Cidr))}";
    }

    private async Task DeletePortAsync(Port port, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteAsync<Port>(port.Metadata.Name, port.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            // already gone
        }
    }
}
