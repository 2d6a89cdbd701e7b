using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Node.Agent.Networks;

/// <summary>
/// Wires one network on this node (bridge, VXLAN and its peers), serves DHCP on it, or removes both when no port of
/// this node is left on it.
/// </summary>
public interface INetworkConverger
{
    /// <summary>The bridge and VXLAN device with its peers: what a guest's tap needs.</summary>
    Task EnsureAsync(Network network, CancellationToken cancellationToken);

    /// <summary>
    /// DHCP for this node's ports on the network, as Neutron's DHCP agent serves it: this node's DHCP port, and dnsmasq
    /// on its address once the operator has allocated one (until then a waiting <see cref="Node.Networking.NetworkSetupException"/>).
    /// </summary>
    Task EnsureDhcpAsync(Network network, CancellationToken cancellationToken);

    /// <summary>Removes DHCP (dnsmasq, its namespace and leases, this node's DHCP port) and the bridge and VXLAN device.</summary>
    Task RemoveAsync(Network network, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the bridge, VXLAN device and DHCP of every network this node wired that is in no Network of the synced
    /// cache any more (deleted while the daemon was down); returns their ids.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveOrphansAsync(CancellationToken cancellationToken);
}

/// <summary>No host networking at all: the fake hypervisor driver's node (scale tests run many in one process).</summary>
public sealed class NullNetworkConverger : INetworkConverger
{
    public Task EnsureAsync(Network network, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task EnsureDhcpAsync(Network network, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveAsync(Network network, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> RemoveOrphansAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
}
