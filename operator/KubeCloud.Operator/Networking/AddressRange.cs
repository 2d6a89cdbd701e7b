using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Operator.Networking;

/// <summary>An inclusive range of addresses of one family, as numbers.</summary>
public readonly record struct AddressRange(AddressFamily Family, UInt128 First, UInt128 Last)
{
    /// <summary>How many addresses the range holds.</summary>
    public UInt128 Count => Last - First + 1;

    public bool Contains(UInt128 address) => address >= First && address <= Last;

    public bool Contains(IPAddress address) =>
        address is not null && address.AddressFamily == Family && Contains(IPAddressNumber.ToNumber(address));

    public bool Overlaps(AddressRange other) => other.Family == Family && First <= other.Last && other.First <= Last;

    public bool Covers(AddressRange other) => other.Family == Family && First <= other.First && other.Last <= Last;

    public IPAddress FirstAddress => IPAddressNumber.FromNumber(First, Family);

    public IPAddress LastAddress => IPAddressNumber.FromNumber(Last, Family);

    /// <summary><c>10.0.0.2-10.0.0.254</c>.</summary>
    public override string ToString() => $"{FirstAddress}-{LastAddress}";
}
