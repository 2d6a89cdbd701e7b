using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;

namespace KubeCloud.Node.Agent.Networks;

/// <summary>
/// A network as this node wires it with <see cref="BridgeNetwork"/>: the bridge and the VXLAN device of the network's
/// VNI, and the VXLAN flood list equal to the tunnel IPs of the other nodes that host ports of the network (their
/// Hypervisors' <c>status.tunnelIP</c>, from the ports' <c>status.node</c>). Every step checks first, so it runs again at
/// any time; removal deletes the devices when present.
/// </summary>
public sealed class NetworkConverger(BridgeNetwork bridges, NodeInformers cache, NodeAgentOptions options) : INetworkConverger
{
    public Task EnsureAsync(Network network, CancellationToken cancellationToken)
        => bridges.EnsureAsync(NetworkSetupMapper.MapBridge(network, Context(network)), cancellationToken);

    public Task RemoveAsync(Network network, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        var id = ServerDomainMapper.NetworkId(network);
        return bridges.TeardownAsync(new NetworkPlan { NetworkId = id, DevicePrefix = options.DevicePrefix }, cancellationToken);
    }

    /// <summary>This node's tunnel IP and the peers: tunnel IPs of the other nodes with a port on the network.</summary>
    public NodeNetworkContext Context(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var nodes = cache.Ports.Store.ByIndex(NodeInformers.PortsByNetwork, NodeInformers.Key(network.Metadata.NamespaceProperty, network.Metadata.Name))
            .Select(p => p.Status?.Node).OfType<string>().Where(n => n != options.NodeName).Distinct(StringComparer.Ordinal);
        var peers = nodes.Select(n => cache.Hypervisors.Store.Get(null, n)?.Status?.TunnelIP)
            .Select(ip => IPAddress.TryParse(ip, out var address) ? address : null).OfType<IPAddress>().ToList();
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
}
