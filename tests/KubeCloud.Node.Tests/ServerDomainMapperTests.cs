using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;

namespace KubeCloud.Node.Tests;

public sealed class ServerDomainMapperTests
{
    private static Server Server(string? userData = "#!/bin/sh\necho hi\n") => new()
    {
        Metadata = new() { Name = "web-1", NamespaceProperty = "demo", Uid = "11111111-2222-3333-4444-555555555555" },
        Spec = new ServerSpec { FlavorRef = new() { Name = "m1.small" }, SshKeys = ["ssh-ed25519 AAAA k"], UserData = userData },
    };

    private static Flavor Flavor(string ephemeral = "0") => new()
    {
        Metadata = new() { Name = "m1.small" },
        Spec = new FlavorSpec { Vcpus = 2, Memory = Quantity.Parse("512Mi"), RootDisk = Quantity.Parse("1Gi"), EphemeralDisk = Quantity.Parse(ephemeral) },
    };

    private static BoundPort Port() => new(
        new Port
        {
            Metadata = new() { Name = "web-1-port0", NamespaceProperty = "demo", Uid = "port-uid-1" },
            Spec = new PortSpec { NetworkRef = new() { Name = "private" } },
            Status = new PortStatus { MacAddress = "52:54:00:AB:CD:EF", FixedIPs = [new AllocatedIP { Subnet = "v4", IPAddress = "10.1.0.5" }] },
        },
        new Network
        {
            Metadata = new() { Name = "private", NamespaceProperty = "demo", Uid = "net-uid-1" },
            Spec = new NetworkSpec
            {
                Mtu = 1450,
                Subnets = [new Subnet { Name = "v4", Cidr = "10.1.0.0/24", GatewayIP = "10.1.0.1", DnsNameservers = ["10.1.0.2"], HostRoutes = [new HostRoute { Destination = "10.9.0.0/16", Nexthop = "10.1.0.254" }] }],
            },
        });

    private static AttachedVolume Volume() => new(
        new Volume
        {
            Metadata = new() { Name = "data", NamespaceProperty = "demo", Uid = "vol-uid-1" },
            Spec = new VolumeSpec { Size = Quantity.Parse("1Gi") },
            Status = new VolumeStatus { Target = new IscsiTarget { Portal = "10.0.0.7:3260", Iqn = "iqn.2025-01.io.kubecloud:volume-data", Lun = 1, ChapSecretRef = new() { Name = "data-chap" } } },
        },
        "kc-data",
        "/dev/vdc");

    private static readonly NodeLayout Node = new("/var/lib/kubecloud/instances", KubeCloud.Node.Hypervisor.HypervisorType.Qemu);

    [Fact]
    public void Server_flavor_ports_and_volumes_become_a_domain_spec()
    {
        var spec = ServerDomainMapper.ToDomainSpec(new ServerBuild(Server(), Flavor("2Gi"), [Port()], [Volume()]), Node);
        Assert.Equal("kc-demo-web-1", spec.Name);
        Assert.Equal(Guid.Parse("11111111-2222-3333-4444-555555555555"), spec.Uuid);
        Assert.Equal((2, 512), (spec.Vcpus, spec.MemoryMiB));
        Assert.Equal("/var/lib/kubecloud/instances/demo_web-1/disk", spec.RootDiskPath);
        Assert.Equal("/var/lib/kubecloud/instances/demo_web-1/disk.eph0", spec.EphemeralDiskPath);
        Assert.Equal("/var/lib/kubecloud/instances/demo_web-1/seed.iso", spec.SeedIsoPath);
        Assert.Equal([new NicSpec("52:54:00:ab:cd:ef", DeviceNames.Bridge("net-uid-1"), DeviceNames.Tap("port-uid-1"), 1450)], spec.Nics);
        var disk = Assert.Single(spec.IscsiDisks);
        Assert.Equal(("iqn.2025-01.io.kubecloud:volume-data", 1, "10.0.0.7", 3260, "kc-data", "vdc", "data"),
            (disk.TargetIqn, disk.Lun, disk.PortalHost, disk.PortalPort, disk.ChapUsername, disk.TargetDevice, disk.Serial));
        Assert.Equal(ServerDomainMapper.ChapSecretUuid(Volume().Volume), disk.ChapSecretUuid);
        Assert.Contains("<secret type=\"iscsi\"", DomainXmlBuilder.Build(spec));
        Assert.Equal(1L << 30, ServerDomainMapper.RootDiskBytes(Flavor()));
    }

    [Fact]
    public void A_boot_volume_is_vda_and_the_server_gets_no_root_overlay_while_the_ephemeral_disk_takes_the_next_name()
    {
        var server = Server();
        server.Spec.BootVolumeRef = new() { Name = "data" };
        var spec = ServerDomainMapper.ToDomainSpec(new ServerBuild(server, Flavor("2Gi"), [], [Volume() with { Device = "vda" }]), Node);
        Assert.Null(spec.RootDiskPath);
        var xml = System.Xml.Linq.XElement.Parse(DomainXmlBuilder.Build(spec));
        var devices = xml.Descendants("disk").Select(d => ((string?)d.Attribute("type"), (string?)d.Element("target")!.Attribute("dev"))).ToList();
        Assert.Equal([("file", "hdc"), ("network", "vda"), ("file", "vdb")], devices.OrderBy(d => d.Item2, StringComparer.Ordinal));
    }

    [Fact]
    public void No_ephemeral_disk_when_the_flavor_has_none()
        => Assert.Null(ServerDomainMapper.ToDomainSpec(new ServerBuild(Server(), Flavor(), [], []), Node).EphemeralDiskPath);

    [Fact]
    public void Seed_carries_hostname_keys_user_data_and_static_addresses()
    {
        var seed = ServerDomainMapper.ToSeed(new ServerBuild(Server(), Flavor(), [Port()], []));
        Assert.Equal(("11111111-2222-3333-4444-555555555555", "web-1"), (seed.InstanceId, seed.Hostname));
        Assert.Equal(["ssh-ed25519 AAAA k"], seed.PublicKeys);
        Assert.Equal("#!/bin/sh\necho hi\n", seed.UserData);
        var nic = Assert.Single(seed.Interfaces);
        Assert.Equal("52:54:00:ab:cd:ef", nic.MacAddress);
        Assert.Equal(["10.1.0.5/24"], nic.Addresses);
        Assert.Equal("10.1.0.1", nic.Gateway);
        Assert.Equal([new KubeCloud.Node.CloudInit.SeedRoute("10.9.0.0/16", "10.1.0.254")], nic.Routes);
        Assert.Equal(["10.1.0.2"], nic.Nameservers);
    }

    [Fact]
    public void Chap_secret_uuid_is_stable_per_volume()
        => Assert.Equal(ServerDomainMapper.ChapSecretUuid(Volume().Volume), ServerDomainMapper.ChapSecretUuid(Volume().Volume));
}
