using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Networking;

/// <summary>
/// Hands out VXLAN VNIs from a configured range (Neutron's ML2 type driver with
/// <c>vni_ranges</c>): no VNI to two networks, a requested one honoured or refused when another
/// network holds it. Keyed by the Network's uid, so a network deleted and recreated under the same
/// name never inherits a stale VNI. Rebuilt from the Networks at start; thread-safe.
/// Whether a user may request a VNI (an admin-only provider field) is checked at admission, not here.
/// </summary>
public sealed class SegmentationIdAllocator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string Uid, string Name)> _holders = [];
    private readonly Dictionary<string, int> _byNetwork = new(StringComparer.Ordinal);
    private int _cursor;

    /// <summary>An allocator over <paramref name="first"/>..<paramref name="last"/>, inclusive.</summary>
    public SegmentationIdAllocator(int first, int last)
    {
        if (first < 1 || last > MaxVni || first > last)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"the VNI range {first}-{last} must lie within 1-{MaxVni} with first <= last");
        }

        First = first;
        Last = last;
        _cursor = first;
    }

    /// <summary>The largest VXLAN network identifier (24 bits).</summary>
    public const int MaxVni = 16_777_215;

    public int First { get; }

    public int Last { get; }

    /// <summary>VNIs held now (inside or outside the range).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _holders.Count;
            }
        }
    }

    /// <summary>
    /// An allocator holding the VNIs the given VXLAN Networks already use (status, else the
    /// spec's requested one). A VNI claimed by two networks stays with the first in creation order;
    /// the others are returned as conflicts for the controller to report (their status must be redone).
    /// </summary>
    public static SegmentationIdAllocator Rebuild(int first, int last, IEnumerable<Network> networks, out IReadOnlyList<Network> conflicts)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var allocator = new SegmentationIdAllocator(first, last);
        var lost = new List<Network>();
        foreach (var network in networks.Where(n => n.Spec.ProviderType == ProviderType.Vxlan)
                     .OrderBy(n => n.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
                     .ThenBy(n => n.Metadata.NamespaceProperty, StringComparer.Ordinal)
                     .ThenBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            if ((network.Status?.SegmentationId ?? network.Spec.SegmentationId) is { } vni && !allocator.TryHold(UidOf(network), NameOf(network), vni, out _))
            {
                lost.Add(network);
            }
        }

        conflicts = lost;
        return allocator;
    }

    /// <summary>
    /// The VNI for the network: the one it holds already, else the requested one (refused with a
    /// reason when another network holds it), else the next free one in the range (refused when the
    /// range is exhausted).
    /// </summary>
    public SegmentAllocation Allocate(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var uid = UidOf(network);
        lock (_lock)
        {
            if (_byNetwork.TryGetValue(uid, out var held))
            {
                return network.Spec.SegmentationId is { } wanted && wanted != held
                    ? SegmentAllocation.Refused($"spec.segmentationId: the network already has VNI {held}; the segmentation ID is immutable")
                    : SegmentAllocation.Allocated(held);
            }

            if (network.Spec.SegmentationId is { } requested)
            {
                return TryHold(uid, NameOf(network), requested, out var holder)
                    ? SegmentAllocation.Allocated(requested)
                    : SegmentAllocation.Refused($"spec.segmentationId: VNI {requested} is already used by network {holder}");
            }

            var size = Last - First + 1;
            for (var i = 0; i < size; i++)
            {
                var candidate = _cursor;
                _cursor = _cursor == Last ? First : _cursor + 1;
                if (!_holders.ContainsKey(candidate))
                {
                    Hold(uid, NameOf(network), candidate);
                    return SegmentAllocation.Allocated(candidate);
                }
            }

            return SegmentAllocation.Refused($"status.segmentationId: no VNI left in the range {First}-{Last} ({size} in use); widen the operator's VNI range");
        }
    }

    /// <summary>Frees the network's VNI; false when it held none.</summary>
    public bool Release(string networkUid)
    {
        lock (_lock)
        {
            if (!_byNetwork.Remove(networkUid, out var vni))
            {
                return false;
            }

            _holders.Remove(vni);
            return true;
        }
    }

    /// <summary>The uid of the network holding <paramref name="vni"/>, or null.</summary>
    public string? HolderOf(int vni)
    {
        lock (_lock)
        {
            return _holders.TryGetValue(vni, out var holder) ? holder.Uid : null;
        }
    }

    private bool TryHold(string uid, string name, int vni, out string holder)
    {
        lock (_lock)
        {
            if (_holders.TryGetValue(vni, out var current) && current.Uid != uid)
            {
                holder = current.Name;
                return false;
            }

            Hold(uid, name, vni);
            holder = name;
            return true;
        }
    }

    private void Hold(string uid, string name, int vni)
    {
        _holders[vni] = (uid, name);
        _byNetwork[uid] = vni;
    }

    private static string NameOf(Network network) => $"{network.Metadata.NamespaceProperty}/{network.Metadata.Name}";

    private static string UidOf(Network network) =>
        string.IsNullOrEmpty(network.Metadata.Uid)
            ? throw new ArgumentException($"network {network.Metadata.NamespaceProperty}/{network.Metadata.Name} has no metadata.uid: VNIs are keyed by it", nameof(network))
            : network.Metadata.Uid;
}
