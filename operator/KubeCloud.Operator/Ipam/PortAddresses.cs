using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Ipam;

/// <summary>The port an allocation belongs to: its uid keys the allocation, the name is for messages.</summary>
public readonly record struct PortIdentity(string Namespace, string Name, string Uid)
{
    public static PortIdentity Of(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var uid = string.IsNullOrEmpty(port.Metadata.Uid)
            ? throw new ArgumentException($"port {port.Metadata.NamespaceProperty}/{port.Metadata.Name} has no metadata.uid: allocations are keyed by it", nameof(port))
            : port.Metadata.Uid;
        return new PortIdentity(port.Metadata.NamespaceProperty ?? string.Empty, port.Metadata.Name ?? string.Empty, uid);
    }

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>One address of a port: the subnet's name and the address in canonical text.</summary>
public readonly record struct AssignedIP(string Subnet, string Address)
{
    public AllocatedIP ToStatus() => new() { Subnet = Subnet, IPAddress = Address };
}

/// <summary>What a port holds on its network: a MAC and its fixed IPs, in the order requested.</summary>
public sealed record PortAddresses(string MacAddress, IReadOnlyList<AssignedIP> FixedIPs)
{
    /// <summary>Equal when the MAC and the addresses are (records compare lists by reference).</summary>
    public bool SameAs(PortAddresses? other) =>
        other is not null && MacAddress == other.MacAddress && FixedIPs.SequenceEqual(other.FixedIPs);

    /// <summary>What a Port's status records (the source of truth the allocator is rebuilt from), or null when it has no MAC yet.</summary>
    public static PortAddresses? FromStatus(PortStatus? status) =>
        status?.MacAddress is { Length: > 0 } mac
            ? new PortAddresses(mac.ToLowerInvariant(), [.. (status.FixedIPs ?? []).Select(ip => new AssignedIP(ip.Subnet, Canonical(ip.IPAddress)))])
            : null;

    internal static string Canonical(string address) =>
        Networking.IPAddressNumber.TryParse(address, out var parsed) ? parsed.ToString() : address;
}
