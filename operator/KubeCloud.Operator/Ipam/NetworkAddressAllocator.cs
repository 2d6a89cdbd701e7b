using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Ipam;

/// <summary>
/// The IPAM of one network: MACs and fixed IPs of its ports, behind one lock, so two ports never
/// get one address however many reconciles run at once. Allocations are keyed by the Port's uid
/// and idempotent: asking again for a port that holds addresses returns them.
/// </summary>
/// <remarks>
/// The protocol (see the project README): the Ports' <c>status.macAddress</c> and
/// <c>status.fixedIPs</c> are the source of truth. The allocator is rebuilt from them (from a
/// synced cache) before it serves a request; an allocation is <em>pending</em> until the controller
/// has written it into the Port's status and called <see cref="Commit"/>; a failed write calls
/// <see cref="Release"/>. If the operator dies in between, the pending allocation existed only
/// here, so the rebuilt allocator does not hold it and the port is allocated afresh.
/// </remarks>
public sealed class NetworkAddressAllocator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SubnetAddressPool> _subnets;
    private readonly List<string> _subnetOrder;
    private readonly MacAddressAllocator _macs;
    private readonly Dictionary<string, Holding> _ports = new(StringComparer.Ordinal);

    /// <summary>An empty allocator for <paramref name="network"/>'s subnets, which must pass <see cref="NetworkSpecChecks"/>.</summary>
    public NetworkAddressAllocator(Network network, MacAddressAllocator? macs = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkName = $"{network.Metadata.NamespaceProperty}/{network.Metadata.Name}";
        var subnets = network.Spec.Subnets ?? [];
        _subnetOrder = [.. subnets.Select(s => s.Name)];
        _subnets = subnets.ToDictionary(s => s.Name, s => new SubnetAddressPool(SubnetAddressing.From(s)), StringComparer.Ordinal);
        _macs = macs ?? new MacAddressAllocator();
    }

    /// <summary><c>namespace/name</c> of the network, for messages.</summary>
    public string NetworkName { get; }

    /// <summary>
    /// An allocator holding what the Ports' statuses record (every port given must be on this
    /// network). An address or MAC recorded by two ports stays with the older port (creation time,
    /// then name); the others come back in <paramref name="conflicts"/> and must be allocated again.
    /// </summary>
    public static NetworkAddressAllocator Rebuild(Network network, IEnumerable<Port> ports, out IReadOnlyList<PortIdentity> conflicts, MacAddressAllocator? macs = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var allocator = new NetworkAddressAllocator(network, macs);
        var lost = new List<PortIdentity>();
        foreach (var port in ports.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
                     .ThenBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal)
                     .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (PortAddresses.FromStatus(port.Status) is { } recorded && !allocator.Hold(PortIdentity.Of(port), recorded))
            {
                lost.Add(PortIdentity.Of(port));
            }
        }

        conflicts = lost;
        return allocator;
    }

    /// <summary>
    /// Allocates the port's MAC and fixed IPs as its spec asks (all or nothing): the addresses it
    /// holds already, else new ones, pending until <see cref="Commit"/>. A refusal names the field.
    /// </summary>
    public PortAllocation Allocate(PortIdentity port, PortSpec spec) => Take(port, spec, keep: true);

    /// <summary>Whether the spec could be allocated now, without taking anything (admission's dry run).</summary>
    public PortAllocation Check(PortIdentity port, PortSpec spec) => Take(port, spec, keep: false);

    private PortAllocation Take(PortIdentity port, PortSpec spec, bool keep)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_lock)
        {
            if (_ports.TryGetValue(port.Uid, out var held))
            {
                return PortAllocation.Allocated(held.Addresses);
            }

            var result = TakeFor(spec);
            if (result.Addresses is { } addresses)
            {
                if (keep)
                {
                    _ports[port.Uid] = new Holding(port, addresses, Committed: false);
                }
                else
                {
                    Free(addresses);
                }
            }

            return result;
        }
    }

    /// <summary>The port's allocation is now in its status: it survives a restart. False when the port holds nothing.</summary>
    public bool Commit(string portUid)
    {
        lock (_lock)
        {
            if (!_ports.TryGetValue(portUid, out var held))
            {
                return false;
            }

            _ports[portUid] = held with { Committed = true };
            return true;
        }
    }

    /// <summary>Gives the port's MAC and addresses back (port deleted, or its status write failed). False when it held nothing.</summary>
    public bool Release(string portUid)
    {
        lock (_lock)
        {
            if (!_ports.Remove(portUid, out var held))
            {
                return false;
            }

            Free(held.Addresses);
            return true;
        }
    }

    /// <summary>What the port holds, or null.</summary>
    public PortAddresses? AddressesOf(string portUid)
    {
        lock (_lock)
        {
            return _ports.TryGetValue(portUid, out var held) ? held.Addresses : null;
        }
    }

    /// <summary>Every port's allocation, committed ones only unless <paramref name="includePending"/>.</summary>
    public IReadOnlyDictionary<string, PortAddresses> Snapshot(bool includePending = false)
    {
        lock (_lock)
        {
            return _ports.Where(p => includePending || p.Value.Committed).ToDictionary(p => p.Key, p => p.Value.Addresses, StringComparer.Ordinal);
        }
    }

    /// <summary>Addresses used and in the pools, per subnet (for status.subnets and the pool-usage metric).</summary>
    public IReadOnlyList<SubnetUsage> Usage()
    {
        lock (_lock)
        {
            return [.. _subnetOrder.Select(name => new SubnetUsage(name, _subnets[name].Used, _subnets[name].PoolSize))];
        }
    }

    private bool Hold(PortIdentity port, PortAddresses recorded)
    {
        lock (_lock)
        {
            var taken = new List<(SubnetAddressPool Pool, UInt128 Address)>();
            var macTaken = false;
            var ok = _macs.TryTake(recorded.MacAddress) is null;
            macTaken = ok;
            foreach (var ip in recorded.FixedIPs)
            {
                if (!ok)
                {
                    break;
                }

                if (_subnets.TryGetValue(ip.Subnet, out var pool) && IPAddressNumber.TryParse(ip.Address, out var address) && pool.TryTake(address) == AddressRefusal.None)
                {
                    taken.Add((pool, IPAddressNumber.ToNumber(address)));
                }
                else
                {
                    ok = false;
                }
            }

            if (!ok)
            {
                foreach (var (pool, address) in taken)
                {
                    pool.Release(address);
                }

                if (macTaken)
                {
                    _macs.Release(recorded.MacAddress);
                }

                return false;
            }

            _ports[port.Uid] = new Holding(port, recorded, Committed: true);
            return true;
        }
    }

    private PortAllocation TakeFor(PortSpec spec)
    {
        var taken = new List<(SubnetAddressPool Pool, UInt128 Address)>();
        string? mac = null;
        try
        {
            if (_subnetOrder.Count == 0)
            {
                return Fail(new FieldError("spec.networkRef", IpamRules.NetworkHasSubnets, $"network {NetworkName} has no subnets to allocate addresses from"));
            }

            if (!string.IsNullOrEmpty(spec.MacAddress))
            {
                var alreadyTaken = _macs.IsTaken(spec.MacAddress);
                if (_macs.TryTake(spec.MacAddress) is { } refusal)
                {
                    return Fail(new FieldError("spec.macAddress", alreadyTaken ? IpamRules.MacAddressFree : IpamRules.MacAddressValid, refusal));
                }

                mac = spec.MacAddress.ToLowerInvariant();
            }
            else
            {
                mac = _macs.Allocate();
                if (mac is null)
                {
                    return Fail(new FieldError("status.macAddress", IpamRules.MacAddressesExhausted, $"every MAC address with prefix {_macs.Prefix} is in use on network {NetworkName}"));
                }
            }

            var requests = spec.FixedIPs is { Count: > 0 } wanted ? wanted : [new FixedIP()];
            var assigned = new AssignedIP[requests.Count];
            // Requested addresses first, so that an entry asking for "any" address cannot take one
            // that a later entry of the same port asks for by name; the result keeps the spec's order.
            foreach (var i in Enumerable.Range(0, requests.Count).OrderBy(i => string.IsNullOrEmpty(requests[i].IPAddress) ? 1 : 0))
            {
                var (ip, error) = TakeOne(requests[i], $"spec.fixedIPs[{i}]", spec.FixedIPs is { Count: > 0 });
                if (error is not null)
                {
                    return Fail(error);
                }

                taken.Add(ip!.Value);
                assigned[i] = new AssignedIP(ip.Value.Pool.Addressing.Name, ip.Value.Pool.Addressing.Address(ip.Value.Address).ToString());
            }

            var addresses = new PortAddresses(mac, assigned);
            taken.Clear();
            mac = null;
            return PortAllocation.Allocated(addresses);
        }
        finally
        {
            // Anything still listed here was taken by a request that failed part-way: give it back.
            foreach (var (pool, address) in taken)
            {
                pool.Release(address);
            }

            if (mac is not null)
            {
                _macs.Release(mac);
            }
        }

        static PortAllocation Fail(FieldError error) => PortAllocation.Refused(error);
    }

    private ((SubnetAddressPool Pool, UInt128 Address)? Taken, FieldError? Error) TakeOne(FixedIP request, string path, bool fromSpec)
    {
        var subnetPath = fromSpec ? $"{path}.subnet" : "spec.fixedIPs";
        var addressPath = $"{path}.ipAddress";
        SubnetAddressPool? pool = null;
        System.Net.IPAddress? address = null;
        if (!string.IsNullOrEmpty(request.IPAddress) && !IPAddressNumber.TryParse(request.IPAddress, out address))
        {
            return (null, new FieldError(addressPath, IpamRules.AddressValid, $"'{request.IPAddress}' is not an IP address"));
        }

        if (!string.IsNullOrEmpty(request.Subnet))
        {
            if (!_subnets.TryGetValue(request.Subnet, out pool))
            {
                return (null, new FieldError(subnetPath, IpamRules.SubnetExists, $"network {NetworkName} has no subnet {request.Subnet} (it has {string.Join(", ", _subnetOrder)})"));
            }
        }
        else if (address is not null)
        {
            // Neutron: an address without a subnet goes to the subnet whose CIDR holds it.
            pool = _subnetOrder.Select(name => _subnets[name]).FirstOrDefault(p => p.Addressing.Cidr.Contains(address));
            if (pool is null)
            {
                return (null, new FieldError(addressPath, IpamRules.AddressInsideSubnet, $"{request.IPAddress} is not inside any subnet of network {NetworkName} ({string.Join(", ", _subnetOrder.Select(n => _subnets[n].Addressing.CidrText))})"));
            }
        }
        else
        {
            pool = _subnets[_subnetOrder[0]];
        }

        var subnet = pool.Addressing;
        if (address is null)
        {
            return pool.TakeNext() is { } next
                ? ((pool, next), null)
                : (null, new FieldError(fromSpec ? path : "spec.fixedIPs", IpamRules.SubnetExhausted,
                    $"no free address in subnet {subnet.Name} ({subnet.CidrText}) of network {NetworkName}: all {pool.PoolSize} addresses of its allocation pools are allocated"));
        }

        var refusal = pool.TryTake(address);
        return refusal switch
        {
            AddressRefusal.None => ((pool, IPAddressNumber.ToNumber(address)), null),
            AddressRefusal.WrongFamily or AddressRefusal.OutsideSubnet => (null, new FieldError(addressPath, IpamRules.AddressInsideSubnet, $"{request.IPAddress} is not inside subnet {subnet.Name} ({subnet.CidrText})")),
            AddressRefusal.Gateway => (null, new FieldError(addressPath, IpamRules.AddressNotGateway, $"{request.IPAddress} is the gateway of subnet {subnet.Name} ({subnet.CidrText})")),
            AddressRefusal.NetworkOrBroadcast => (null, new FieldError(addressPath, IpamRules.AddressNotNetworkOrBroadcast, $"{request.IPAddress} is the network or broadcast address of subnet {subnet.Name} ({subnet.CidrText})")),
            _ => (null, new FieldError(addressPath, IpamRules.AddressFree, $"{request.IPAddress} is already allocated to another port on network {NetworkName}")),
        };
    }

    private void Free(PortAddresses addresses)
    {
        _macs.Release(addresses.MacAddress);
        foreach (var ip in addresses.FixedIPs)
        {
            if (_subnets.TryGetValue(ip.Subnet, out var pool) && IPAddressNumber.TryParse(ip.Address, out var address))
            {
                pool.Release(IPAddressNumber.ToNumber(address));
            }
        }
    }

    private sealed record Holding(PortIdentity Port, PortAddresses Addresses, bool Committed);
}
