using System.Net;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.Tests;

public sealed class DeviceNameTests
{
    [Fact]
    public void Names_fit_fifteen_characters_and_do_not_collide_over_many_ids()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 200_000; i++)
        {
            var id = $"project-{i % 97}/network-{i}-{Guid.NewGuid()}";
            foreach (var name in new[] { DeviceNames.Bridge(id), DeviceNames.Vxlan(id), DeviceNames.Tap(id), DeviceNames.DhcpVethBridgeSide(id), DeviceNames.DhcpVethNamespaceSide(id) })
            {
                Assert.InRange(name.Length, 1, DeviceNames.MaxLength);
                Assert.Matches("^[a-z0-9]+$", name);
                Assert.True(seen.Add(name), $"collision on {name}");
            }
        }
    }

    [Fact]
    public void Names_are_stable_and_prefixed()
    {
        Assert.Equal(DeviceNames.Bridge("net-1"), DeviceNames.Bridge("net-1"));
        Assert.NotEqual(DeviceNames.Bridge("net-1"), DeviceNames.Bridge("net-2"));
        Assert.StartsWith("kcbr", DeviceNames.Bridge("x"));
        Assert.StartsWith("kcvx", DeviceNames.Vxlan("x"));
        Assert.StartsWith("tap", DeviceNames.Tap("x"));
        Assert.Equal(14, DeviceNames.Bridge("x").Length);
        Assert.Throws<ArgumentException>(() => DeviceNames.Derive("toolongprefix", "x", 10));
    }

    public static TheoryData<string, string, int> Prefixes => new()
    {
        { "default", "kc", 14 },
        { "one letter", "a", 13 },
        { "three", "k2x", 15 },
        { "four: the hash gives one character up", "node", 15 },
    };

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void A_node_prefix_names_its_bridges_vxlans_and_dhcp_devices(string because, string prefix, int bridgeLength)
    {
        var names = new[]
        {
            DeviceNames.Bridge("net-1", prefix), DeviceNames.Vxlan("net-1", prefix),
            DeviceNames.DhcpVethBridgeSide("net-1", prefix), DeviceNames.DhcpVethNamespaceSide("net-1", prefix),
        };
        _ = because;
        Assert.Equal(bridgeLength, names[0].Length);
        Assert.All(names, n => Assert.StartsWith(prefix, n, StringComparison.Ordinal));
        Assert.All(names, n => Assert.InRange(n.Length, 1, DeviceNames.MaxLength));
        Assert.StartsWith(prefix + "dhcp-", DeviceNames.DhcpNamespace("net-1", prefix), StringComparison.Ordinal);
        Assert.Equal(DeviceNames.Bridge("net-1"), DeviceNames.Bridge("net-1", DeviceNames.DefaultPrefix));
        if (prefix != DeviceNames.DefaultPrefix)
        {
            Assert.NotEqual(DeviceNames.Bridge("net-1"), names[0]);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("kcnode")]
    [InlineData("2k")]
    [InlineData("K2")]
    [InlineData("k-2")]
    public void A_prefix_that_cannot_name_devices_is_refused_with_the_rule(string prefix)
    {
        Assert.Contains("1 to 4 lower-case letters or digits, starting with a letter", DeviceNames.PrefixProblem(prefix));
        var e = Assert.Throws<ArgumentException>(() => DeviceNames.Bridge("net-1", prefix));
        Assert.Contains($"\"{prefix}\" is not a device prefix", e.Message);
    }
}

public sealed class VxlanArgumentTests
{
    private static readonly NetworkPlan Plan = new() { NetworkId = "n1", Vni = 7, LocalTunnelIp = IPAddress.Parse("192.0.2.1"), DevicePrefix = "k2" };

    public static TheoryData<string, NetworkPlan, string> Cases => new()
    {
        { "this namespace", Plan, $"link add {DeviceNames.Vxlan("n1", "k2")} type vxlan id 7 local 192.0.2.1 dstport 4789 nolearning" },
        { "bound to a device", Plan with { UnderlayDevice = "eth1" }, $"link add {DeviceNames.Vxlan("n1", "k2")} type vxlan id 7 local 192.0.2.1 dstport 4789 nolearning dev eth1" },
        { "socket in the underlay namespace", Plan with { UnderlayNamespace = "underlay" }, $"link add {DeviceNames.Vxlan("n1", "k2")} link-netns underlay type vxlan id 7 local 192.0.2.1 dstport 4789 nolearning" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_vxlan_device_is_made_as_the_plan_says(string because, NetworkPlan plan, string expected)
    {
        _ = because;
        Assert.Equal(expected, string.Join(' ', BridgeNetwork.VxlanAddArguments(plan, 7)));
    }

    [Fact]
    public void A_device_and_a_namespace_together_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => BridgeNetwork.VxlanAddArguments(Plan with { UnderlayDevice = "eth1", UnderlayNamespace = "underlay" }, 7));
        Assert.Contains("cannot be named together with an underlay namespace", e.Message);
    }
}

public sealed class DnsmasqArgumentTests
{
    private static DhcpPlan Plan => new()
    {
        NetworkId = "n1",
        Subnet = IPNetwork.Parse("10.20.30.0/24"),
        ServerAddress = IPAddress.Parse("10.20.30.2"),
        Gateway = IPAddress.Parse("10.20.30.1"),
        Hosts = [new DhcpHost("52:54:00:BB:00:02", IPAddress.Parse("10.20.30.12"), "b"), new DhcpHost("52:54:00:aa:00:01", IPAddress.Parse("10.20.30.11"))],
        LeaseTime = TimeSpan.FromHours(1),
    };

    [Fact]
    public void Arguments_serve_only_static_hosts_without_dns_on_the_namespace_veth()
    {
        var args = DnsmasqServer.Arguments(Plan, "/run/kc/dhcp/n1");
        Assert.Contains("--port=0", args);
        Assert.Contains("--bind-interfaces", args);
        Assert.Contains("--except-interface=lo", args);
        Assert.Contains($"--interface={DeviceNames.DhcpVethNamespaceSide("n1")}", args);
        Assert.Contains("--dhcp-range=10.20.30.0,static,255.255.255.0,3600s", args);
        Assert.Contains("--pid-file=/run/kc/dhcp/n1/dnsmasq.pid", args);
        Assert.Contains("--dhcp-leasefile=/run/kc/dhcp/n1/leases", args);
        Assert.Contains("--dhcp-option=option:router,10.20.30.1", args);
        Assert.Equal(["--dhcp-host=52:54:00:aa:00:01,10.20.30.11", "--dhcp-host=52:54:00:bb:00:02,10.20.30.12,b"], args.Where(a => a.StartsWith("--dhcp-host=")));
    }

    [Fact]
    public void Host_outside_the_subnet_is_refused()
    {
        var plan = Plan with { Hosts = [new DhcpHost("52:54:00:aa:00:01", IPAddress.Parse("10.99.0.1"))] };
        var e = Assert.Throws<ArgumentException>(() => DnsmasqServer.Arguments(plan, "/x"));
        Assert.Contains("outside subnet 10.20.30.0/24", e.Message);
    }

    [Fact]
    public void Host_routes_go_out_as_classless_routes_with_the_default_route()
    {
        var route = new DhcpRoute(IPNetwork.Parse("10.9.0.0/16"), IPAddress.Parse("10.20.30.254"));
        Assert.Contains("--dhcp-option=option:classless-static-route,10.9.0.0/16,10.20.30.254,0.0.0.0/0,10.20.30.1", DnsmasqServer.Arguments(Plan with { Routes = [route] }, "/x"));
        Assert.Contains("--dhcp-option=option:classless-static-route,10.9.0.0/16,10.20.30.254", DnsmasqServer.Arguments(Plan with { Routes = [route], Gateway = null }, "/x"));
        Assert.DoesNotContain(DnsmasqServer.Arguments(Plan, "/x"), a => a.Contains("classless", StringComparison.Ordinal));
    }

    [Fact]
    public void No_gateway_sends_an_empty_router_option()
        => Assert.Contains("--dhcp-option=option:router", DnsmasqServer.Arguments(Plan with { Gateway = null }, "/x"));
}

public sealed class NoCloudSeedTests
{
    private static readonly NoCloudSeed Seed = new()
    {
        InstanceId = "4f9c-uid",
        Hostname = "web-1",
        PublicKeys = ["ssh-ed25519 AAAAC3Nza+/x user@host"],
        UserData = "#cloud-config\npackages: [nginx]\n",
        Interfaces =
        [
            new SeedInterface("52:54:00:AA:BB:CC", ["10.0.0.5/24"])
            {
                Gateway = "10.0.0.1",
                Routes = [new SeedRoute("192.168.50.0/24", "10.0.0.254")],
                Nameservers = ["10.0.0.2"],
                Mtu = 1450,
            },
            new SeedInterface("52:54:00:00:00:02", []),
        ],
    };

    [Fact]
    public void Meta_data_has_instance_id_hostname_and_keys() => Assert.Equal(
        "instance-id: \"4f9c-uid\"\nlocal-hostname: \"web-1\"\npublic-keys:\n  - \"ssh-ed25519 AAAAC3Nza+/x user@host\"\n",
        NoCloudSeedBuilder.MetaData(Seed));

    [Fact]
    public void User_data_is_verbatim_or_an_empty_cloud_config()
    {
        Assert.Equal(Seed.UserData, NoCloudSeedBuilder.UserData(Seed));
        Assert.Equal("#cloud-config\n{}\n", NoCloudSeedBuilder.UserData(Seed with { UserData = null }));
    }

    [Fact]
    public void Network_config_v2_matches_by_mac_with_static_addresses_gateway_and_routes() => Assert.Equal(
        """
        network:
          version: 2
          ethernets:
            eth0:
              match:
                macaddress: "52:54:00:aa:bb:cc"
              set-name: eth0
              mtu: 1450
              dhcp4: false
              addresses:
                - "10.0.0.5/24"
              routes:
                - to: "0.0.0.0/0"
                  via: "10.0.0.1"
                - to: "192.168.50.0/24"
                  via: "10.0.0.254"
              nameservers:
                addresses: ["10.0.0.2"]
            eth1:
              match:
                macaddress: "52:54:00:00:00:02"
              set-name: eth1
              dhcp4: true

        """.Replace("\r\n", "\n"), NoCloudSeedBuilder.NetworkConfig(Seed));

    [Fact]
    public void Address_without_prefix_is_refused()
        => Assert.Throws<ArgumentException>(() => NoCloudSeedBuilder.NetworkConfig(Seed with { Interfaces = [new SeedInterface("52:54:00:00:00:01", ["10.0.0.5"])] }));
}

public sealed class QemuImgInfoTests
{
    [Fact]
    public void Parses_qcow2_with_backing_file()
    {
        const string json = """
            {
                "children": [],
                "virtual-size": 1073741824,
                "filename": "/var/lib/kc/disk.qcow2",
                "cluster-size": 65536,
                "format": "qcow2",
                "actual-size": 200704,
                "format-specific": { "type": "qcow2", "data": { "compat": "1.1" } },
                "full-backing-filename": "/var/lib/kc/bases/abc.qcow2",
                "backing-filename": "/var/lib/kc/bases/abc.qcow2",
                "backing-filename-format": "qcow2",
                "dirty-flag": false
            }
            """;
        Assert.Equal(new DiskImageInfo("qcow2", 1073741824, 200704, "/var/lib/kc/bases/abc.qcow2", "qcow2"), DiskImageInfo.Parse(json));
    }

    [Fact]
    public void Parses_raw()
        => Assert.Equal(new DiskImageInfo("raw", 33554432, 4096, null, null),
            DiskImageInfo.Parse("""{"virtual-size": 33554432, "filename": "x.raw", "format": "raw", "actual-size": 4096, "dirty-flag": false}"""));

    [Fact]
    public void Output_without_format_is_an_error() => Assert.Throws<FormatException>(() => DiskImageInfo.Parse("{}"));
}

public sealed class TgtOutputTests
{
    [Fact]
    public void Parses_targets_and_their_backing_stores()
    {
        const string output = """
            Target 1: iqn.2025-01.io.kubecloud:volume-a
                System information:
                    Driver: iscsi
                    State: ready
                LUN information:
                    LUN: 0
                        Type: controller
                        Backing store path: None
                    LUN: 1
                        Type: disk
                        Size: 67 MB, Block size: 512
                        Backing store path: /var/lib/kc/volumes/a.img
                Account information:
                    kc-a
                ACL information:
                    127.0.0.1
            Target 2: iqn.2025-01.io.kubecloud:volume-b
                LUN information:
                    LUN: 0
                        Backing store path: None
            """;
        Assert.Equal(
            [new IscsiTarget(1, "iqn.2025-01.io.kubecloud:volume-a", 1, "/var/lib/kc/volumes/a.img"), new IscsiTarget(2, "iqn.2025-01.io.kubecloud:volume-b", 1, "")],
            TgtTargetStore.ParseTargets(output));
    }
}

public sealed class DomainStatusTests
{
    [Theory]
    [InlineData(DomainState.Shutoff, 5, "saved", false)]
    [InlineData(DomainState.Running, 3, "restored", true)]
    [InlineData(DomainState.Paused, 1, "user", true)]
    [InlineData(DomainState.Shutoff, 99, "99", false)]
    public void Reason_names_follow_libvirt(DomainState state, int reason, string name, bool active)
    {
        var status = new DomainStatus(state, reason);
        Assert.Equal(name, status.ReasonName);
        Assert.Equal(active, status.IsActive);
    }
}

public sealed class HostFactsTests
{
    [Fact]
    public void Reads_cpu_memory_and_disk_of_this_machine()
    {
        var probe = new HypervisorProbeResult(HypervisorType.Qemu, "test", TimeSpan.Zero);
        var facts = KubeCloud.Node.HostFacts.HostFactsReader.Read("/var/tmp", probe, IPAddress.Loopback);
        Assert.Equal(Environment.ProcessorCount, facts.CpuCount);
        Assert.NotEqual("unknown", facts.CpuModel);
        Assert.InRange(facts.MemoryAvailableBytes, 1, facts.MemoryTotalBytes);
        Assert.InRange(facts.DiskAvailableBytes, 1, facts.DiskTotalBytes);
        var df = new DriveInfo("/var/tmp");
        Assert.Equal(df.TotalSize, facts.DiskTotalBytes);
    }

    [Fact]
    public void Parses_cpuinfo_and_meminfo()
    {
        var (count, model, flags) = KubeCloud.Node.HostFacts.HostFactsReader.ParseCpuInfo(
            "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu vmx sse2\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n");
        Assert.Equal((2, "AMD EPYC 7B13"), (count, model));
        Assert.Equal(["fpu", "vmx", "sse2"], flags);
        Assert.Equal((2048L * 1024, 1024L * 1024), KubeCloud.Node.HostFacts.HostFactsReader.ParseMemInfo("MemTotal:       2048 kB\nMemFree: 1 kB\nMemAvailable:   1024 kB\n"));
    }
}
