using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Node.Agent.Networks;

/// <summary>Wires one network on this node (bridge, VXLAN and its peers), or removes it when no port of this node is left on it.</summary>
public interface INetworkConverger
{
    Task EnsureAsync(Network network, CancellationToken cancellationToken);

    Task RemoveAsync(Network network, CancellationToken cancellationToken);
}

/// <summary>No host networking at all: the fake hypervisor driver's node (scale tests run many in one process).</summary>
public sealed class NullNetworkConverger : INetworkConverger
{
    public Task EnsureAsync(Network network, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveAsync(Network network, CancellationToken cancellationToken) => Task.CompletedTask;
}
