using System.Collections.Concurrent;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Ipam;

/// <summary>
/// The operator's one <see cref="NetworkAddressAllocator"/> per network, keyed by the Network's
/// uid. A network's allocator is rebuilt from its Ports' statuses once, the first time a port of it
/// is reconciled (after the caches have synced), and is then the authority: it is never rebuilt
/// from a cache that may not yet show a status the operator has just written.
/// </summary>
public sealed class NetworkAllocators(Func<MacAddressAllocator>? macs = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Rebuilt>> _networks = new(StringComparer.Ordinal);

    /// <summary>
    /// The network's allocator; on first use rebuilt from <paramref name="portsOnNetwork"/>, whose
    /// conflicting ports (an address recorded twice) come back in <paramref name="conflicts"/> that once.
    /// </summary>
    public NetworkAddressAllocator For(Network network, Func<IEnumerable<Port>> portsOnNetwork, out IReadOnlyList<PortIdentity> conflicts)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(portsOnNetwork);
        var uid = string.IsNullOrEmpty(network.Metadata.Uid) ? throw new ArgumentException("the network needs metadata.uid", nameof(network)) : network.Metadata.Uid;
        var created = false;
        var entry = _networks.GetOrAdd(uid, _ => new Lazy<Rebuilt>(() =>
        {
            created = true;
            var allocator = NetworkAddressAllocator.Rebuild(network, portsOnNetwork(), out var found, macs?.Invoke());
            return new Rebuilt(allocator, found);
        })).Value;
        conflicts = created ? entry.Conflicts : [];
        return entry.Allocator;
    }

    /// <summary>Forgets a deleted network's allocator (its ports are gone, so nothing is lost).</summary>
    public bool Remove(string networkUid) => _networks.TryRemove(networkUid, out _);

    public int Count => _networks.Count;

    private sealed record Rebuilt(NetworkAddressAllocator Allocator, IReadOnlyList<PortIdentity> Conflicts);
}
