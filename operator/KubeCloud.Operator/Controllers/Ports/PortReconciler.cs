using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers.Servers;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Controllers.Ports;

/// <summary>
/// The Port controller (Neutron's port API with its IPAM): allocates the port's MAC and fixed IPs on its network
/// following the protocol of the README ("IPAM and its protocol": allocate, write status, commit; release on a failed
/// write and in the finalizer), and reports the server it is bound to, that server's node and a phase. A port whose
/// network is missing, invalid or being deleted waits with a Ready condition saying so; a refused allocation
/// (exhaustion, a taken address) is phase Error with the allocator's message, retried with backoff and at once when
/// another port on the network gives its addresses back.
/// </summary>
public sealed class PortReconciler(IKubeClient client, SharedInformerFactory informers, NetworkIpam ipam, IEventRecorder events, TimeProvider time) : IReconciler<Port>
{
    public const string Finalizer = "kubecloud.io/port";

    private static readonly string[] OwnedFields = ["phase", "macAddress", "fixedIPs", "serverRef", "node", "observedGeneration"];

    private readonly IIndexer<Port> _ports = PortIndexes.Ports(informers);
    private readonly IIndexer<Server> _servers = informers.For<Server>().Store;
    private readonly IIndexer<Network> _networks = informers.For<Network>().Store;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var port = _ports.Get(request.Namespace, request.Name);
        if (port is null)
        {
            return ReconcileResult.Done;
        }

        var network = _networks.Get(port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty, port.Spec.NetworkRef.Name);
        if (port.Metadata.DeletionTimestamp is not null)
        {
            if (Finalizers.Has(port, Finalizer))
            {
                if (network is not null && NetworkSpecChecks.Check(network.Spec).Count == 0)
                {
                    ipam.For(network).Release(port.Metadata.Uid);
                }

                await Finalizers.RemoveAsync(client, port, Finalizer, cancellationToken).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        port = await EnsureMetadataAsync(port, Binding(port).Node, cancellationToken).ConfigureAwait(false);
        if (port is null)
        {
            return ReconcileResult.Done;
        }

        var (waiting, message) = network switch
        {
            null => (PortReasons.NetworkNotFound, $"network {PortIndexes.NetworkKey(port)} does not exist; the port gets its addresses once it does"),
            { Metadata.DeletionTimestamp: not null } => (PortReasons.NetworkDeleting, $"network {PortIndexes.NetworkKey(port)} is being deleted"),
            _ when NetworkSpecChecks.Check(network.Spec) is { Count: > 0 } errors =>
                (PortReasons.NetworkInvalid, $"network {PortIndexes.NetworkKey(port)} is invalid: {string.Join("; ", errors)}"),
            _ => (null, null),
        };
        if (waiting is not null)
        {
            // The port holds nothing on a network it cannot use yet; the Network watch brings it back.
            await WriteAsync(port, Status(port, null, ConditionStatus.False, waiting, message), cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var allocator = ipam.For(network!);
        var uid = port.Metadata.Uid;
        var addresses = allocator.AddressesOf(uid);
        var fresh = false;
        if (addresses is null)
        {
            var allocation = allocator.Allocate(PortIdentity.Of(port), port.Spec);
            if (allocation.Error is { } refusal)
            {
                var refused = Status(port, null, ConditionStatus.False, refusal.Rule, refusal.ToString());
                if (await WriteAsync(port, refused, cancellationToken).ConfigureAwait(false))
                {
                    events.Record(port, EventTypes.Warning, refusal.Rule, "Allocate", refusal.ToString());
                }

                return ReconcileResult.RequeueNow;
            }

            addresses = allocation.Addresses!;
            fresh = true;
        }

        var desired = Status(port, addresses, ConditionStatus.True, PortReasons.Allocated, Describe(addresses));
        try
        {
            await WriteAsync(port, desired, cancellationToken).ConfigureAwait(false);
        }
        catch when (fresh)
        {
            // Nothing records the new addresses: give them back, so they are neither leaked nor held twice.
            allocator.Release(uid);
            throw;
        }

        allocator.Commit(uid);
        if (fresh)
        {
            events.Record(port, EventTypes.Normal, PortReasons.Allocated, "Allocate", Describe(addresses));
        }

        return ReconcileResult.Done;
    }

    /// <summary>The Ports to reconcile when a Network changes: every port naming it.</summary>
    public IEnumerable<ReconcileRequest> PortsOf(Network network) =>
        _ports.ByIndex(PortIndexes.ByNetwork, PortIndexes.Key(network.Metadata.NamespaceProperty, network.Metadata.Name)).Select(ReconcileRequest.For);

    /// <summary>The Ports to reconcile when a Server changes: those it owns and those it names in networks[].portRef.</summary>
    public IEnumerable<ReconcileRequest> PortsOf(Server server)
    {
        var owned = _ports.ByIndex(PortIndexes.ByServer, PortIndexes.Key(server.Metadata.NamespaceProperty, server.Metadata.Name)).Select(ReconcileRequest.For);
        var named = (server.Spec.Networks ?? []).Where(n => n.PortRef is { Name.Length: > 0 })
            .Select(n => new ReconcileRequest(server.Metadata.NamespaceProperty, n.PortRef!.Name));
        return owned.Concat(named).Distinct();
    }

    /// <summary>
    /// When a port gives its addresses back (it is being deleted), the ports of the same network whose allocation was
    /// refused are tried again at once rather than after their backoff.
    /// </summary>
    public IEnumerable<ReconcileRequest> RefusedPortsOnNetworkOf(Port port)
    {
        if (port.Metadata.DeletionTimestamp is null)
        {
            return [];
        }

        return _ports.ByIndex(PortIndexes.ByNetwork, PortIndexes.NetworkKey(port))
            .Where(p => p.Status?.Phase == PortPhase.Error && p.Metadata.DeletionTimestamp is null)
            .Select(ReconcileRequest.For);
    }

    private PortStatus Status(Port port, PortAddresses? addresses, ConditionStatus ready, string reason, string? message)
    {
        var (server, node, phase) = Binding(port);
        var status = new PortStatus
        {
            Phase = addresses is null ? PortPhase.Error : phase,
            MacAddress = addresses?.MacAddress,
            FixedIPs = addresses is null ? null : [.. addresses.FixedIPs.Select(ip => ip.ToStatus())],
            ServerRef = server is null ? null : new LocalObjectReference { Name = server },
            Node = node,
            Conditions = Conditions.CopyOf(port.Status, type => type == ConditionTypes.Ready),
        };
        if (addresses is null && reason is PortReasons.NetworkNotFound or PortReasons.NetworkDeleting or PortReasons.NetworkInvalid)
        {
            status.Phase = PortPhase.Down;
        }

        Conditions.Set(status, ConditionTypes.Ready, ready, reason, message, port.Metadata.Generation, time.GetUtcNow());
        return status;
    }

    /// <summary>
    /// The server the port is bound to (its owner, else a Server naming it in networks[].portRef, through the Server
    /// controller's index), its node, and the phase that follows. A node's DHCP port (<see cref="DhcpPort"/>, Neutron's
    /// <c>network:dhcp</c>) is bound to no server: its node is the one its label names, and it is Active.
    /// </summary>
    private (string? Server, string? Node, PortPhase Phase) Binding(Port port)
    {
        if (DhcpPort.NodeOf(port) is { } dhcpNode)
        {
            return (null, dhcpNode, PortPhase.Active);
        }

        var name = PortIndexes.OwningServer(port)
            ?? _servers.ByIndex(ServerIndexes.ByPort, PortIndexes.Key(port.Metadata.NamespaceProperty, port.Metadata.Name))
                .Where(s => s.Metadata.DeletionTimestamp is null)
                .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue)
                .Select(s => s.Metadata.Name)
                .FirstOrDefault();
        if (name is null)
        {
            return (null, null, PortPhase.Down);
        }

        var server = _servers.Get(port.Metadata.NamespaceProperty, name);
        var node = server?.Status?.Node;
        var phase = node is null ? PortPhase.Down : server!.Status!.Phase == ServerPhase.Active ? PortPhase.Active : PortPhase.Build;
        return (name, node, phase);
    }

    /// <summary>
    /// The finalizer and the label <c>kubecloud.io/node=&lt;node&gt;</c> (the node the port is bound to; removed when it
    /// is bound to none) in one merge patch under the cached resourceVersion, re-read on conflict; no write when both are
    /// right. The label is what a node daemon's Port watch selects on. Returns the port as stored, or null when it is gone.
    /// </summary>
    private async Task<Port?> EnsureMetadataAsync(Port port, string? node, CancellationToken cancellationToken)
    {
        var first = true;
        try
        {
            return await ConflictRetry.RunAsync(async ct =>
            {
                var current = first ? port : await client.GetAsync<Port>(port.Metadata.Name, port.Metadata.NamespaceProperty, ct).ConfigureAwait(false);
                first = false;
                var hasFinalizer = Finalizers.Has(current, Finalizer);
                var labelled = NodeLabelOf(current) == node;
                if (hasFinalizer && labelled)
                {
                    return current;
                }

                var metadata = new Dictionary<string, object?> { ["resourceVersion"] = current.Metadata.ResourceVersion };
                if (!hasFinalizer)
                {
                    metadata["finalizers"] = (current.Metadata.Finalizers ?? []).Append(Finalizer).ToList();
                }

                if (!labelled)
                {
                    metadata["labels"] = new Dictionary<string, string?> { [ApiGroup.NodeLabel] = node };
                }

                return await client.PatchAsync<Port>(port.Metadata.Name, port.Metadata.NamespaceProperty,
                    KubePatch.Merge(new Dictionary<string, object?> { ["metadata"] = metadata }), new PatchOptions { FieldManager = StatusApply.FieldManager }, ct).ConfigureAwait(false);
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private static string? NodeLabelOf(Port port) =>
        port.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var node) == true && node.Length > 0 ? node : null;

    /// <summary>Applies the status when it differs from the cached one; true when it wrote.</summary>
    private async Task<bool> WriteAsync(Port port, PortStatus status, CancellationToken cancellationToken)
    {
        if (!OwnedStatus.Differs(port.Status, status, OwnedFields))
        {
            return false;
        }

        await client.ApplyStatusAsync(port, status, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string Describe(PortAddresses addresses) =>
        $"{addresses.MacAddress}, {string.Join(", ", addresses.FixedIPs.Select(ip => $"{ip.Address} ({ip.Subnet})"))}";
}
