using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Ipam;

/// <summary>Why a requested address cannot be had.</summary>
public enum AddressRefusal
{
    None,
    WrongFamily,
    OutsideSubnet,
    NetworkOrBroadcast,
    Gateway,
    Taken,
}

/// <summary>
/// The addresses of one subnet that ports hold: the next free one from the allocation pools
/// (a cursor walks forward, so a released address is not handed out again at once), or a requested
/// one anywhere in the CIDR except the network, broadcast and gateway addresses (as Neutron allows a
/// fixed IP outside the pools). IPv4 and IPv6. Not thread-safe on its own: the network's
/// <see cref="NetworkAddressAllocator"/> guards it.
/// </summary>
public sealed class SubnetAddressPool
{
    private readonly HashSet<UInt128> _taken = [];
    private UInt128 _takenInPools;
    private int _poolCursor;
    private UInt128 _cursor;

    public SubnetAddressPool(SubnetAddressing addressing)
    {
        Addressing = addressing ?? throw new ArgumentNullException(nameof(addressing));
        PoolSize = addressing.PoolSize;
        _cursor = addressing.Pools.Count > 0 ? addressing.Pools[0].First : UInt128.Zero;
    }

    public SubnetAddressing Addressing { get; }

    /// <summary>Addresses in the allocation pools.</summary>
    public UInt128 PoolSize { get; }

    /// <summary>Addresses held, in or out of the pools.</summary>
    public int Used => _taken.Count;

    /// <summary>Free addresses left in the pools.</summary>
    public UInt128 Free => PoolSize - _takenInPools;

    public bool IsTaken(UInt128 address) => _taken.Contains(address);

    /// <summary>The next free address of the pools, or null when they are exhausted.</summary>
    public UInt128? TakeNext()
    {
        if (Free == UInt128.Zero)
        {
            return null;
        }

        var pools = Addressing.Pools;
        // Free > 0 guarantees a free address; at most one pass over the pools from the cursor finds it.
        while (true)
        {
            var pool = pools[_poolCursor];
            for (var candidate = _cursor; candidate <= pool.Last; candidate++)
            {
                if (_taken.Add(candidate))
                {
                    _takenInPools++;
                    Advance(candidate);
                    return candidate;
                }

                if (candidate == pool.Last)
                {
                    break;
                }
            }

            _poolCursor = (_poolCursor + 1) % pools.Count;
            _cursor = pools[_poolCursor].First;
        }
    }

    /// <summary>Takes a requested address; <see cref="AddressRefusal.None"/> on success.</summary>
    public AddressRefusal TryTake(System.Net.IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != Addressing.Family)
        {
            return AddressRefusal.WrongFamily;
        }

        var value = IPAddressNumber.ToNumber(address);
        var refusal = Check(value);
        if (refusal != AddressRefusal.None)
        {
            return refusal;
        }

        _taken.Add(value);
        if (Addressing.InPools(value))
        {
            _takenInPools++;
        }

        return AddressRefusal.None;
    }

    /// <summary>Why <paramref name="value"/> cannot be taken, without taking it.</summary>
    public AddressRefusal Check(UInt128 value)
    {
        if (!Addressing.Cidr.Contains(value))
        {
            return AddressRefusal.OutsideSubnet;
        }

        if (Addressing.IsNetworkOrBroadcast(value))
        {
            return AddressRefusal.NetworkOrBroadcast;
        }

        if (Addressing.Gateway == value)
        {
            return AddressRefusal.Gateway;
        }

        return _taken.Contains(value) ? AddressRefusal.Taken : AddressRefusal.None;
    }

    /// <summary>Gives the address back; false when it was not held.</summary>
    public bool Release(UInt128 value)
    {
        if (!_taken.Remove(value))
        {
            return false;
        }

        if (Addressing.InPools(value))
        {
            _takenInPools--;
        }

        return true;
    }

    private void Advance(UInt128 taken)
    {
        var pool = Addressing.Pools[_poolCursor];
        if (taken == pool.Last)
        {
            _poolCursor = (_poolCursor + 1) % Addressing.Pools.Count;
            _cursor = Addressing.Pools[_poolCursor].First;
        }
        else
        {
            _cursor = taken + 1;
        }
    }
}
