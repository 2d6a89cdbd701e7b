using System.Diagnostics;
using System.Globalization;
using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

/// <summary>
/// Two networks built from API objects (Network + Ports through <see cref="NetworkSetupMapper"/>),
/// a guest booted on the first; the second port's NIC is hot-plugged, gets its DHCP address, and
/// is unplugged again; then the guest is reset (one guest boot serves both, to keep the suite short).
/// </summary>
[Collection(VmCollection.Name)]
public sealed class NicHotPlugTests(VmFixture vm, ITestOutputHelper output)
{
    private const string NodeName = "kc-test-node-nic";

    [Fact]
    public async Task Ports_mapped_from_api_objects_get_their_addresses_a_hot_plugged_nic_comes_and_goes_and_reset_reboots_in_place()
    {
        var id = "nic-" + Guid.NewGuid().ToString("N")[..8];
        var name = $"kc-test-{id}";
        var octets = Random.Shared.GetItems(Enumerable.Range(10, 240).ToArray(), 2);
        if (octets[0] == octets[1])
        {
            octets[1] = octets[0] == 10 ? 11 : 10;
        }

        var networks = new[] { ApiNetwork(id + "-a", octets[0], 101), ApiNetwork(id + "-b", octets[1], 102) };
        var ports = new[]
        {
            ApiPort(id + "-a-port", networks[0], NetworkGuestTests.RandomMac(), $"198.18.{octets[0]}.11", NodeName),
            ApiPort(id + "-b-port", networks[1], NetworkGuestTests.RandomMac(), $"198.18.{octets[1]}.21", NodeName),
        };
        var elsewhere = ApiPort(id + "-a-other", networks[0], NetworkGuestTests.RandomMac(), $"198.18.{octets[0]}.12", "kc-test-other-node");
        var node = new NodeNetworkContext { NodeName = NodeName, TunnelIp = IPAddress.Loopback, DhcpLeaseTime = TimeSpan.FromMinutes(10) };
        var setups = networks.Select((n, i) => NetworkSetupMapper.Map(n, [ports[i], elsewhere], node, IPAddress.Parse($"198.18.{octets[i]}.2"))).ToArray();
        foreach (var setup in setups)
        {
            Assert.Single(setup.Dhcp!.Hosts); // the port on the other node is left out
        }

        var bridges = new BridgeNetwork(vm.Run);
        var dhcp = new DnsmasqServer(vm.Run, Path.Combine(vm.WorkDir, "state-" + id));
        var nics = networks.Select((n, i) => ServerDomainMapper.ToNicSpec(new BoundPort(ports[i], n))).ToArray();
        // A seed spares the guest its wait for one (on both boots).
        var seed = Path.Combine(vm.WorkDir, name + ".seed.iso");
        await new NoCloudSeedBuilder(vm.Run).BuildAsync(new NoCloudSeed { InstanceId = name, Hostname = name }, seed);
        var spec = vm.GuestSpec(name) with { Nics = [nics[0]], SeedIsoPath = seed };
        var log = new SerialLog(spec.SerialLogPath);
        var events = new DomainEventLog(vm.Driver, name);
        try
        {
            foreach (var setup in setups)
            {
                // The plans carry the VXLAN device (VNI from the status); this single-node test
                // wires the bridge only, so no VXLAN socket listens on the host's addresses.
                // VxlanTests covers the tunnel, inside network namespaces.
                Assert.NotNull(setup.Bridge.Vni);
                await bridges.EnsureAsync(setup.Bridge with { Vni = null });
                await dhcp.EnsureAsync(setup.Dhcp!);
            }

            vm.Driver.Define(DomainXmlBuilder.Build(spec));
            vm.Driver.Start(name);
            await log.WaitForAsync($@"KC-ADDR eth0 {nics[0].MacAddress} {Regex(ports[0])}/24 ", TimeSpan.FromSeconds(90));
            await log.WaitForAsync("KC-READY", TimeSpan.FromSeconds(60));

            // Hot-plug the second port's NIC: the guest sees a new interface and gets the port's address.
            var nicXml = DomainXmlBuilder.Nic(nics[1]);
            var offset = log.Length;
            var watch = Stopwatch.StartNew();
            vm.Driver.AttachDevice(name, nicXml);
            var added = await log.WaitForAsync($@"KC-NET-ADDED (eth\d+) {nics[1].MacAddress}", TimeSpan.FromSeconds(60), offset);
            var seen = watch.Elapsed;
            var device = added.Groups[1].Value;
            var address = await log.WaitForAsync($@"KC-ADDR {device} {nics[1].MacAddress} (\S+) dhcp-from=([\d.]+) dhcp-to=([\d.]+)", TimeSpan.FromSeconds(60), offset);
            output.WriteLine($"NIC hot-plug: guest saw {device} after {seen.TotalSeconds:0.00} s, DHCP lease {address.Groups[1].Value} after {watch.Elapsed.TotalSeconds:0.00} s " +
                             $"(udhcpc {Seconds(address.Groups[3].Value) - Seconds(address.Groups[2].Value):0.00} s guest clock)");
            Assert.Equal($"{Address(ports[1])}/24", address.Groups[1].Value);
            Assert.Contains(nics[1].MacAddress, vm.Driver.GetXml(name), StringComparison.Ordinal);
            Assert.True(await bridges.LinkExistsAsync(nics[1].TapName));
            Assert.Contains(dhcp.Leases(setups[1].Dhcp!), l => l.MacAddress == nics[1].MacAddress && l.Address.Equals(IPAddress.Parse(Address(ports[1]))));

            // Unplug: gone from the guest, from the domain XML (live and persistent), and the tap is removed.
            watch.Restart();
            vm.Driver.DetachDevice(name, nicXml);
            await log.WaitForAsync($"KC-NET-REMOVED {device}", TimeSpan.FromSeconds(60), address.Index);
            await ServerLifecycleTests.WaitUntilAsync(() => !vm.Driver.GetXml(name).Contains(nics[1].MacAddress, StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => vm.Driver.GetXml(name));
            await WaitForAsync(async () => !await bridges.LinkExistsAsync(nics[1].TapName), $"tap {nics[1].TapName} still exists");
            output.WriteLine($"NIC unplug to tap gone: {watch.Elapsed.TotalSeconds:0.00} s");
            Assert.Contains(nics[0].MacAddress, vm.Driver.GetXml(name), StringComparison.Ordinal);

            // Reset (virDomainReset, the reset button): the guest boots again inside the same QEMU
            // process, so the domain never leaves Running; the first port gets its address again
            // and the unplugged NIC does not come back.
            await ResetAsync(name, log, events);
            var secondBoot = log.Text.LastIndexOf("KC-BOOT", StringComparison.Ordinal);
            await log.WaitForAsync($@"KC-ADDR eth0 {nics[0].MacAddress} {Regex(ports[0])}/24 ", TimeSpan.FromSeconds(90), secondBoot);
            await log.WaitForAsync("KC-READY", TimeSpan.FromSeconds(60), secondBoot);
            Assert.DoesNotContain(nics[1].MacAddress, log.Text[secondBoot..], StringComparison.Ordinal);
            Assert.DoesNotContain(nics[1].MacAddress, vm.Driver.GetXml(name), StringComparison.Ordinal);
        }
        finally
        {
            events.Dispose();
            vm.RemoveDomain(name);
            File.Delete(seed);
            foreach (var setup in setups)
            {
                await dhcp.TeardownAsync(setup.Dhcp!);
                await bridges.TeardownAsync(setup.Bridge);
            }
        }

        // Nothing left: domain, taps, bridges, VXLAN devices, veths, namespaces, dnsmasq, state files.
        Assert.DoesNotContain(vm.Driver.List(), d => d.Name.Contains(id, StringComparison.Ordinal));
        var netns = (await vm.Run.RunCheckedAsync("ip", "netns", "list")).StandardOutput;
        foreach (var setup in setups)
        {
            foreach (var link in new[] { setup.Bridge.BridgeName, setup.Bridge.VxlanName, setup.Dhcp!.VethBridgeSide })
            {
                Assert.False(await bridges.LinkExistsAsync(link), $"{link} still exists");
            }

            Assert.DoesNotContain(setup.Dhcp.Namespace, netns, StringComparison.Ordinal);
            Assert.Null(dhcp.RunningPid(setup.Dhcp));
            Assert.False(Directory.Exists(dhcp.StateDirectory(setup.Dhcp)));
        }

        foreach (var nic in nics)
        {
            Assert.False(await bridges.LinkExistsAsync(nic.TapName), $"{nic.TapName} still exists");
        }
    }

    private async Task ResetAsync(string name, SerialLog log, DomainEventLog events)
    {
        Assert.Equal(1, ServerLifecycleTests.Count(log.Text, "KC-BOOT"));
        var before = events.Snapshot().Count;

        var states = new HashSet<DomainState>();
        var watch = Stopwatch.StartNew();
        vm.Driver.Reset(name);
        await ServerLifecycleTests.WaitUntilAsync(
            () =>
            {
                states.Add(vm.Driver.GetStatus(name).State);
                return ServerLifecycleTests.Count(log.Text, "KC-BOOT") == 2;
            },
            TimeSpan.FromSeconds(90),
            () => log.Text);
        output.WriteLine($"reset to second boot marker: {watch.Elapsed.TotalSeconds:0.00} s");
        states.Add(vm.Driver.GetStatus(name).State);
        Assert.Equal([DomainState.Running], states);
        var after = events.Snapshot().Skip(before).ToList();
        output.WriteLine("lifecycle events after the reset: " + string.Join(", ", after.Select(e => $"{e.Type}/{e.Detail}")));
        Assert.DoesNotContain(after, e => e.Type is DomainLifecycleEventType.Stopped or DomainLifecycleEventType.Shutdown or DomainLifecycleEventType.Crashed or DomainLifecycleEventType.Started);
    }

    private static Network ApiNetwork(string name, int octet, int vni) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "kc-test", Uid = Guid.NewGuid().ToString() },
        Spec = new NetworkSpec
        {
            Mtu = 1450,
            Subnets = [new Subnet { Name = "v4", Cidr = $"198.18.{octet}.0/24", GatewayIP = $"198.18.{octet}.1", DnsNameservers = [$"198.18.{octet}.53"] }],
        },
        Status = new NetworkStatus { SegmentationId = vni },
    };

    private static Port ApiPort(string name, Network network, string mac, string ip, string node) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "kc-test", Uid = Guid.NewGuid().ToString() },
        Spec = new PortSpec { NetworkRef = new() { Name = network.Metadata.Name! } },
        Status = new PortStatus { Node = node, MacAddress = mac, FixedIPs = [new AllocatedIP { Subnet = "v4", IPAddress = ip }] },
    };

    private static string Address(Port port) => port.Status!.FixedIPs![0].IPAddress;

    private static string Regex(Port port) => System.Text.RegularExpressions.Regex.Escape(Address(port));

    private static double Seconds(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(100);
        }
    }
}
