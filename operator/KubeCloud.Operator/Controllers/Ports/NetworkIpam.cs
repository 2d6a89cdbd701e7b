using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.Operator.Ipam;

namespace KubeCloud.Operator.Controllers.Ports;

/// <summary>
/// The operator's IPAM for one leadership term: a <see cref="NetworkAllocators"/> whose allocator of a network is rebuilt
/// from the Ports' statuses in the synced cache the first time a controller asks for it (README, "IPAM and its
/// protocol"). Ports found recording an address another, older port records get a Warning Event; their next reconcile
/// allocates them afresh. Shared by the Port controller (allocates) and the Network controller (reads usage, forgets a
/// deleted network).
/// </summary>
public sealed class NetworkIpam(SharedInformerFactory informers, IEventRecorder events, OperatorSettings settings) : ITermState
{
    public const string AddressConflictReason = "AddressConflict";

    private volatile NetworkAllocators _allocators = NewAllocators(settings);

    /// <summary>Forgets every allocator: the next request rebuilds from the cache (a new leadership term).</summary>
    public void BeginTerm() => _allocators = NewAllocators(settings);

    /// <summary>The allocator of <paramref name="network"/>, which must pass <see cref="Networking.NetworkSpecChecks"/>.</summary>
    public NetworkAddressAllocator For(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var ports = PortIndexes.Ports(informers);
        var key = PortIndexes.Key(network.Metadata.NamespaceProperty, network.Metadata.Name);
        var allocator = _allocators.For(network, () => ports.ByIndex(PortIndexes.ByNetwork, key), out var conflicts);
        foreach (var conflict in conflicts)
        {
            if (ports.Get(conflict.Namespace, conflict.Name) is { } port)
            {
                events.Record(port, EventTypes.Warning, AddressConflictReason, "Allocate",
                    $"the MAC or an address in this port's status is also recorded by an older port on network {allocator.NetworkName}; the port gets new addresses");
            }
        }

        return allocator;
    }

    /// <summary>Forgets a deleted network's allocator (its ports are gone).</summary>
    public void Forget(string networkUid) => _allocators.Remove(networkUid);

    private static NetworkAllocators NewAllocators(OperatorSettings settings)
    {
        var prefix = settings.MacPrefix;
        _ = new MacAddressAllocator(prefix); // refuses a bad prefix at start, naming it
        return new NetworkAllocators(() => new MacAddressAllocator(prefix));
    }
}
