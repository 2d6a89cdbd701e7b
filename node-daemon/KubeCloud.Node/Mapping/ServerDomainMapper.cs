using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Networking;
using HypervisorType = KubeCloud.Node.Hypervisor.HypervisorType;

namespace KubeCloud.Node.Mapping;

/// <summary>A port of the server with the network it is on.</summary>
public sealed record BoundPort(Port Port, Network Network);

/// <summary>A volume to attach, with the CHAP user read from its secret and the device the user asked for (vda for a boot volume).</summary>
public sealed record AttachedVolume(Volume Volume, string ChapUsername, string? Device = null);

/// <summary>Everything the node has read about one server assigned to it.</summary>
public sealed record ServerBuild(Server Server, Flavor Flavor, IReadOnlyList<BoundPort> Ports, IReadOnlyList<AttachedVolume> Volumes);

/// <summary>Where this node keeps per-server files, which hypervisor it runs, and the prefix of its network devices.</summary>
public sealed record NodeLayout(string InstancesDirectory, HypervisorType Hypervisor)
{
    /// <summary>The node's device prefix: its guests' NICs join the bridges named with it.</summary>
    public string DevicePrefix { get; init; } = DeviceNames.DefaultPrefix;

    public string InstanceDirectory(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Path.Combine(InstancesDirectory, $"{server.Metadata.NamespaceProperty}_{server.Metadata.Name}");
    }

    /// <summary>The file the guest's serial console (ttyS0) is appended to.</summary>
    public string ConsoleLogPath(Server server) => Path.Combine(InstanceDirectory(server), "console.log");
}

/// <summary>Maps the API types (Server, Flavor, Ports, Networks, Volumes) to the node's host-side records.</summary>
public static class ServerDomainMapper
{
    /// <summary>The prefix of every domain a node daemon makes; domains without it are not KubeCloud's and are never touched.</summary>
    public const string DomainPrefix = "kc-";

    /// <summary>libvirt domain name: kc-NAMESPACE-NAME.</summary>
    public static string DomainName(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return $"{DomainPrefix}{server.Metadata.NamespaceProperty}-{server.Metadata.Name}";
    }

    /// <summary>The domain UUID: the Server's uid, so libvirt and Kubernetes agree on identity.</summary>
    public static Guid DomainUuid(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Guid.TryParse(server.Metadata.Uid, out var uid) ? uid : StableGuid($"server/{server.Metadata.NamespaceProperty}/{server.Metadata.Name}");
    }

    /// <summary>Id used to derive a network's device names (its uid, else namespace/name).</summary>
    public static string NetworkId(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Metadata.Uid ?? $"{network.Metadata.NamespaceProperty}/{network.Metadata.Name}";
    }

    public static string PortId(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Metadata.Uid ?? $"{port.Metadata.NamespaceProperty}/{port.Metadata.Name}";
    }

    /// <summary>libvirt secret UUID holding a volume's CHAP password (stable per volume).</summary>
    public static Guid ChapSecretUuid(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return StableGuid("chap/" + (volume.Metadata.Uid ?? $"{volume.Metadata.NamespaceProperty}/{volume.Metadata.Name}"));
    }

    public static DomainSpec ToDomainSpec(ServerBuild build, NodeLayout node)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(node);
        var dir = node.InstanceDirectory(build.Server);
        var flavor = build.Flavor.Spec;
        return new DomainSpec
        {
            Name = DomainName(build.Server),
            Uuid = DomainUuid(build.Server),
            Vcpus = flavor.Vcpus,
            MemoryMiB = checked((int)flavor.Memory.ToMebibytes()),
            Hypervisor = node.Hypervisor,
            RootDiskPath = build.Server.Spec.BootVolumeRef is null ? Path.Combine(dir, "disk") : null, // a boot volume is the first iSCSI disk, vda
            EphemeralDiskPath = flavor.EphemeralDisk.IsZero ? null : Path.Combine(dir, "disk.eph0"),
            SeedIsoPath = Path.Combine(dir, "seed.iso"),
            SerialLogPath = node.ConsoleLogPath(build.Server),
            Nics = [.. build.Ports.Select(port => ToNicSpec(port, node.DevicePrefix))],
            IscsiDisks = [.. build.Volumes.Select(ToIscsiDisk)],
        };
    }

    /// <summary>The NIC of one port: its MAC on the network's bridge (of the node's <paramref name="devicePrefix"/>) through the port's tap; also what a hot-plug attaches.</summary>
    public static NicSpec ToNicSpec(BoundPort bound, string devicePrefix = DeviceNames.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(bound);
        return new NicSpec(MacAddress(bound.Port), DeviceNames.Bridge(NetworkId(bound.Network), devicePrefix), DeviceNames.Tap(PortId(bound.Port)), bound.Network.Spec.Mtu > 0 ? bound.Network.Spec.Mtu : null);
    }

    /// <summary>Root disk size from the flavor, in bytes.</summary>
    public static long RootDiskBytes(Flavor flavor)
    {
        ArgumentNullException.ThrowIfNull(flavor);
        return flavor.Spec.RootDisk.Value();
    }

    public static IscsiDiskSpec ToIscsiDisk(AttachedVolume attached)
    {
        ArgumentNullException.ThrowIfNull(attached);
        var volume = attached.Volume;
        var target = volume.Status?.Target ?? throw new InvalidOperationException($"volume {volume.Metadata.NamespaceProperty}/{volume.Metadata.Name} has no iSCSI target yet");
        var (host, port) = ParsePortal(target.Portal);
        return new IscsiDiskSpec
        {
            TargetIqn = target.Iqn,
            Lun = target.Lun,
            PortalHost = host,
            PortalPort = port,
            ChapUsername = target.ChapSecretRef is null ? null : attached.ChapUsername,
            ChapSecretUuid = target.ChapSecretRef is null ? null : ChapSecretUuid(volume),
            TargetDevice = attached.Device is { } d ? Path.GetFileName(d) : null,
            // virtio-blk serials hold at most 20 bytes.
            Serial = volume.Metadata.Name is { Length: > 0 } name ? name[..Math.Min(20, name.Length)] : null,
        };
    }

    public static NoCloudSeed ToSeed(ServerBuild build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var server = build.Server;
        return new NoCloudSeed
        {
            InstanceId = server.Metadata.Uid ?? DomainUuid(server).ToString("D"),
            Hostname = server.Spec.Hostname ?? server.Metadata.Name ?? "server",
            PublicKeys = server.Spec.SshKeys ?? [],
            UserData = server.Spec.UserData,
            Interfaces = [.. build.Ports.Select(ToSeedInterface)],
        };
    }

    private static SeedInterface ToSeedInterface(BoundPort bound)
    {
        var subnets = bound.Network.Spec.Subnets ?? [];
        var ips = bound.Port.Status?.FixedIPs ?? [];
        var addresses = new List<string>();
        string? gateway = null;
        var routes = new List<SeedRoute>();
        var dns = new List<string>();
        foreach (var ip in ips)
        {
            var subnet = subnets.FirstOrDefault(s => s.Name == ip.Subnet) ?? subnets.FirstOrDefault(s => IPNetwork.Parse(s.Cidr).Contains(IPAddress.Parse(ip.IPAddress)))
                ?? throw new InvalidOperationException($"port {bound.Port.Metadata.Name}: address {ip.IPAddress} is in no subnet of network {bound.Network.Metadata.Name}");
            addresses.Add($"{ip.IPAddress}/{IPNetwork.Parse(subnet.Cidr).PrefixLength.ToString(CultureInfo.InvariantCulture)}");
            gateway ??= subnet.GatewayIP;
            routes.AddRange((subnet.HostRoutes ?? []).Select(r => new SeedRoute(r.Destination, r.Nexthop)));
            dns.AddRange(subnet.DnsNameservers ?? []);
        }

        return new SeedInterface(MacAddress(bound.Port), addresses)
        {
            Gateway = gateway,
            Routes = routes,
            Nameservers = [.. dns.Distinct()],
            Mtu = bound.Network.Spec.Mtu > 0 ? bound.Network.Spec.Mtu : null,
        };
    }

    internal static string? TryMacAddress(Port port) => (port.Status?.MacAddress ?? port.Spec.MacAddress)?.ToLowerInvariant();

    private static string MacAddress(Port port)
        => TryMacAddress(port) ?? throw new InvalidOperationException($"port {port.Metadata.Name} has no MAC address yet");

    private static (string Host, int Port) ParsePortal(string portal)
    {
        var colon = portal.LastIndexOf(':');
        return colon > 0 && int.TryParse(portal[(colon + 1)..], CultureInfo.InvariantCulture, out var port)
            ? (portal[..colon].Trim('[', ']'), port)
            : (portal, 3260);
    }

    private static Guid StableGuid(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style, name based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
