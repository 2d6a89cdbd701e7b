using System.Net;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;

namespace KubeCloud.Node.Agent.Networks;

/// <summary>
/// A network as this node wires it with <see cref="BridgeNetwork"/>: the bridge and the VXLAN device of the network's
/// VNI, and the VXLAN flood list equal to the tunnel IPs of the other nodes that host ports of the network (the
/// Network's <c>status.nodes</c>, which the operator publishes as Neutron's l2population tells its agents). DHCP as Neutron's DHCP agent serves it:
/// this node's <see cref="DhcpPort"/> on the network (made here, its MAC and address allocated by the operator's IPAM
/// like any port's), and <see cref="DnsmasqServer"/> in the network's DHCP namespace on that address with static
/// entries for this node's ports only. Every step checks first, so it runs again at any time (a running dnsmasq with
/// the same arguments is adopted, as after a restart); removal deletes what is present.
/// </summary>
public sealed class NetworkConverger(BridgeNetwork bridges, DnsmasqServer dhcp, IKubeClient client, NodeInformers cache, NodeAgentOptions options) : INetworkConverger
{
    public Task EnsureAsync(Network network, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        var marker = MarkerOf(ServerDomainMapper.NetworkId(network));
        if (!File.Exists(marker))
        {
            // Before the devices, so a crash half-way leaves a marker the orphan sweep finds.
            Directory.CreateDirectory(options.NetworksDirectory);
            File.WriteAllText(marker, $"{network.Metadata.NamespaceProperty}/{network.Metadata.Name}");
        }

        return bridges.EnsureAsync(NetworkSetupMapper.MapBridge(network, Context(network)), cancellationToken);
    }

    public async Task EnsureDhcpAsync(Network network, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        var id = ServerDomainMapper.NetworkId(network);
        var (served, _) = NetworkSetupMapper.DhcpSubnet(network);
        if (served is not { } subnet)
        {
            await RemoveDhcpAsync(network, id, cancellationToken);
            return;
        }

        var ns = network.Metadata.NamespaceProperty;
        var name = DhcpPort.NameFor(options.NodeName, network.Metadata.Name);
        var port = cache.Ports.Store.Get(ns, name);
        if (port is null && network.Metadata.DeletionTimestamp is not null)
        {
            return; // a network being deleted gets no new port; the guests already have their leases
        }

        if (port is null)
        {
            await CreateDhcpPortAsync(network, name, subnet.Subnet.Name, cancellationToken);
            throw new NetworkSetupException($"the address of DHCP port {ns}/{name} (just made; the operator allocates it)", waiting: true);
        }

        var address = (port.Status?.FixedIPs ?? []).Where(ip => ip.Subnet == subnet.Subnet.Name)
            .Select(ip => IPAddress.TryParse(ip.IPAddress, out var a) ? a : null).FirstOrDefault(a => a is not null && subnet.Cidr.Contains(a));
        if (address is null || port.Status?.MacAddress is not { } mac)
        {
            throw new NetworkSetupException($"the MAC and address in subnet {subnet.Subnet.Name} of DHCP port {ns}/{name} (the operator allocates them)", waiting: true);
        }

        var ports = cache.Ports.Store.ByIndex(NodeInformers.PortsByNetwork, NodeInformers.Key(ns, network.Metadata.Name));
        var setup = NetworkSetupMapper.Map(network, ports, Context(network), address);
        await dhcp.EnsureAsync(setup.Dhcp! with { ServerMacAddress = mac }, cancellationToken);
    }

    public async Task RemoveAsync(Network network, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        var id = ServerDomainMapper.NetworkId(network);
        await RemoveDhcpAsync(network, id, cancellationToken);
        await bridges.TeardownAsync(new NetworkPlan { NetworkId = id, DevicePrefix = options.DevicePrefix }, cancellationToken);
        if (Directory.Exists(options.NetworksDirectory))
        {
            File.Delete(MarkerOf(id)); // File.Delete takes a missing file, not a missing directory (a node that never wired a network)
        }
    }

    public async Task<IReadOnlyList<string>> RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.NetworksDirectory))
        {
            return [];
        }

        // The markers first, then the cache: a marker is written only once its Network is in the cache, so every marker
        // listed here has its Network in the snapshot below unless it is really gone (the other order took a network
        // wired between the two reads for an orphan and unwired it).
        var markers = Directory.GetFiles(options.NetworksDirectory);
        var known = cache.Networks.Store.List().Select(ServerDomainMapper.NetworkId).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var marker in markers)
        {
            var id = Uri.UnescapeDataString(Path.GetFileName(marker));
            if (known.Contains(id))
            {
                continue;
            }

            // Its DHCP port went with the Network (owned by it); dnsmasq, the namespace, the bridge and VXLAN device stay here.
            await dhcp.TeardownAsync(id, options.DevicePrefix, cancellationToken);
            await bridges.TeardownAsync(new NetworkPlan { NetworkId = id, DevicePrefix = options.DevicePrefix }, cancellationToken);
            File.Delete(marker);
            removed.Add(id);
        }

        return removed;
    }

    /// <summary>The marker of a wired network: its id is a uid (no path characters); a name-only id (tests) is escaped.</summary>
    private string MarkerOf(string networkId) => Path.Combine(options.NetworksDirectory, Uri.EscapeDataString(networkId));

    /// <summary>
    /// This node's tunnel IP and the peers: the tunnel IPs the Network's <c>status.nodes</c> gives for the other nodes
    /// (an entry without one, a node that has not reported it yet, is left out until it does).
    /// </summary>
    public NodeNetworkContext Context(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var peers = (network.Status?.Nodes ?? []).Where(n => n.Node != options.NodeName)
            .Select(n => IPAddress.TryParse(n.TunnelIP, out var address) ? address : null).OfType<IPAddress>().Distinct().ToList();
        return new NodeNetworkContext
        {
            NodeName = options.NodeName,
            TunnelIp = options.TunnelIp,
            Peers = peers,
            UnderlayDevice = options.TunnelInterface,
            UnderlayNamespace = options.TunnelNamespace,
            DevicePrefix = options.DevicePrefix,
        };
    }

    /// <summary>dnsmasq, its namespace and lease file first (its veth hangs on the bridge), then this node's DHCP port.</summary>
    private async Task RemoveDhcpAsync(Network network, string networkId, CancellationToken cancellationToken)
    {
        await dhcp.TeardownAsync(networkId, options.DevicePrefix, cancellationToken);
        var ns = network.Metadata.NamespaceProperty;
        var name = DhcpPort.NameFor(options.NodeName, network.Metadata.Name);
        if (cache.Ports.Store.Get(ns, name) is { Metadata.DeletionTimestamp: null })
        {
            try
            {
                await client.DeleteAsync<Port>(name, ns, cancellationToken: cancellationToken);
            }
            catch (NotFoundException)
            {
                // already gone
            }
        }
    }

    /// <summary>
    /// This node's DHCP port on the network: one address in the DHCP subnet, owned by the Network (not its controller)
    /// so that garbage collection removes it with the network.
    /// </summary>
    private async Task CreateDhcpPortAsync(Network network, string name, string subnet, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateAsync(new Port
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    NamespaceProperty = network.Metadata.NamespaceProperty,
                    // the node label too, so this node's Port watch (selected on it) sees the port before the operator labels it
                    Labels = new Dictionary<string, string> { [DhcpPort.NodeLabel] = options.NodeName, [ApiGroup.NodeLabel] = options.NodeName },
                    OwnerReferences = [new V1OwnerReference
                    {
                        ApiVersion = ApiGroup.GroupVersion, Kind = Network.KubeKind, Name = network.Metadata.Name, Uid = network.Metadata.Uid,
                        Controller = false, BlockOwnerDeletion = false,
                    }],
                },
                Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = network.Metadata.Name }, FixedIPs = [new FixedIP { Subnet = subnet }] },
            }, cancellationToken: cancellationToken);
        }
        catch (AlreadyExistsException)
        {
            // made by an earlier pass whose result the cache has not shown yet
        }
    }
}
