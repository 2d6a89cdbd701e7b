using System.Net;
using System.Net.Sockets;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Networking;

/// <summary>
/// A subnet's addresses, parsed and with the defaults applied: the CIDR as a range, the gateway
/// (unset means the first host address, as Neutron's), and the allocation pools (unset means the
/// whole CIDR except the network address, the gateway and, for IPv4, the broadcast address).
/// </summary>
public sealed class SubnetAddressing
{
    private SubnetAddressing(string name, AddressRange cidr, int prefixLength, UInt128? gateway, IReadOnlyList<AddressRange> pools)
    {
        Name = name;
        Cidr = cidr;
        PrefixLength = prefixLength;
        Gateway = gateway;
        Pools = pools;
    }

    public string Name { get; }

    /// <summary>Every address of the CIDR, network and broadcast included.</summary>
    public AddressRange Cidr { get; }

    public int PrefixLength { get; }

    public AddressFamily Family => Cidr.Family;

    public bool IsIPv4 => Family == AddressFamily.InterNetwork;

    /// <summary>The gateway as a number, or null when the subnet is too small to have one.</summary>
    public UInt128? Gateway { get; }

    /// <summary>The ranges ports get addresses from, in order.</summary>
    public IReadOnlyList<AddressRange> Pools { get; }

    /// <summary>How many addresses the pools hold.</summary>
    public UInt128 PoolSize => Pools.Aggregate(UInt128.Zero, (sum, pool) => sum + pool.Count);

    /// <summary><c>10.0.0.0/24</c>.</summary>
    public string CidrText => $"{Cidr.FirstAddress}/{PrefixLength}";

    /// <summary>Whether the address is the network or (IPv4) broadcast address, which no port may have.</summary>
    public bool IsNetworkOrBroadcast(UInt128 address) =>
        HasNetworkAndBroadcast(Family, PrefixLength) && (address == Cidr.First || (IsIPv4 && address == Cidr.Last));

    public bool InPools(UInt128 address) => Pools.Any(pool => pool.Contains(address));

    /// <summary>
    /// The addressing of a subnet that <see cref="NetworkSpecChecks"/> found valid; throws
    /// <see cref="ArgumentException"/> naming the field otherwise.
    /// </summary>
    public static SubnetAddressing From(Subnet subnet)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        if (!TryParseCidr(subnet.Cidr, out var cidr, out var prefix, out var error))
        {
            throw new ArgumentException($"subnet {subnet.Name}: cidr: {error}", nameof(subnet));
        }

        UInt128? gateway = null;
        if (!string.IsNullOrEmpty(subnet.GatewayIP))
        {
            gateway = IPAddressNumber.TryParse(subnet.GatewayIP, out var address) && cidr.Contains(address)
                ? IPAddressNumber.ToNumber(address)
                : throw new ArgumentException($"subnet {subnet.Name}: gatewayIP {subnet.GatewayIP} is not an address inside {subnet.Cidr}", nameof(subnet));
        }
        else if (FirstHost(cidr, prefix) is { } first)
        {
            gateway = first;
        }

        IReadOnlyList<AddressRange> pools;
        if (subnet.AllocationPools is { Count: > 0 } configured)
        {
            pools = [.. configured.Select(pool => TryParsePool(pool, out var range)
                ? range
                : throw new ArgumentException($"subnet {subnet.Name}: allocation pool {pool.Start}-{pool.End} is not a valid range", nameof(subnet)))];
        }
        else
        {
            pools = DefaultPools(cidr, prefix, gateway);
        }

        return new SubnetAddressing(subnet.Name, cidr, prefix, gateway, pools);
    }

    /// <summary>Parses <c>10.0.0.0/24</c> or <c>fd00::/64</c>; the host bits must be zero.</summary>
    public static bool TryParseCidr(string? text, out AddressRange range, out int prefixLength, out string error)
    {
        range = default;
        prefixLength = 0;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0)
        {
            error = $"'{text}' is not in CIDR notation (address/prefix length)";
            return false;
        }

        if (!IPAddressNumber.TryParse(text[..slash], out var address))
        {
            error = $"'{text[..slash]}' is not an IP address";
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefixLength) || prefixLength > bits)
        {
            error = $"'{text[(slash + 1)..]}' is not a prefix length between 0 and {bits}";
            return false;
        }

        var hostBits = bits - prefixLength;
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        var number = IPAddressNumber.ToNumber(address);
        var network = number & ~hostMask;
        if (network != number)
        {
            error = $"{text} has host bits set; the network is {IPAddressNumber.FromNumber(network, address.AddressFamily)}/{prefixLength}";
            return false;
        }

        range = new AddressRange(address.AddressFamily, network, network | hostMask);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses a pool's start and end (same family, start not after end).</summary>
    public static bool TryParsePool(AllocationPool pool, out AddressRange range)
    {
        ArgumentNullException.ThrowIfNull(pool);
        range = default;
        if (!IPAddressNumber.TryParse(pool.Start, out var start) || !IPAddressNumber.TryParse(pool.End, out var end) || start.AddressFamily != end.AddressFamily)
        {
            return false;
        }

        var first = IPAddressNumber.ToNumber(start);
        var last = IPAddressNumber.ToNumber(end);
        if (first > last)
        {
            return false;
        }

        range = new AddressRange(start.AddressFamily, first, last);
        return true;
    }

    /// <summary>IPv4 subnets up to /30 and IPv6 subnets up to /127 keep their first (and IPv4 their last) address.</summary>
    internal static bool HasNetworkAndBroadcast(AddressFamily family, int prefixLength) =>
        family == AddressFamily.InterNetwork ? prefixLength < 31 : prefixLength < 128;

    private static UInt128? FirstHost(AddressRange cidr, int prefix) =>
        HasNetworkAndBroadcast(cidr.Family, prefix) && cidr.Count > 2 ? cidr.First + 1 : null;

    private static AddressRange[] DefaultPools(AddressRange cidr, int prefix, UInt128? gateway)
    {
        var first = cidr.First;
        var last = cidr.Last;
        if (HasNetworkAndBroadcast(cidr.Family, prefix))
        {
            first++;
            if (cidr.Family == AddressFamily.InterNetwork)
            {
                last--;
            }
        }

        if (first > last)
        {
            return [];
        }

        if (gateway is not { } g || g < first || g > last)
        {
            return [new AddressRange(cidr.Family, first, last)];
        }

        var pools = new List<AddressRange>(2);
        if (g > first)
        {
            pools.Add(new AddressRange(cidr.Family, first, g - 1));
        }

        if (g < last)
        {
            pools.Add(new AddressRange(cidr.Family, g + 1, last));
        }

        return [.. pools];
    }

    /// <summary>The address of this subnet's family whose number is <paramref name="value"/>.</summary>
    public IPAddress Address(UInt128 value) => IPAddressNumber.FromNumber(value, Family);
}
