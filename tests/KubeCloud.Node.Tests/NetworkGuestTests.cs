using System.Globalization;
using System.Net;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

[Collection(VmCollection.Name)]
public sealed class NetworkGuestTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_guests_on_one_bridge_get_dhcp_addresses_and_ping_each_other()
    {
        var id = "net-" + Guid.NewGuid().ToString("N")[..8];
        var octet = Random.Shared.Next(10, 250);
        var subnet = IPNetwork.Parse($"198.18.{octet}.0/24");
        IPAddress Ip(int host) => IPAddress.Parse($"198.18.{octet}.{host}");
        var bridges = new BridgeNetwork(vm.Run);
        var dhcp = new DnsmasqServer(vm.Run, Path.Combine(vm.WorkDir, "state"));
        var network = new NetworkPlan { NetworkId = id };
        var guests = new[] { (Name: $"kc-test-{id}-a", Mac: RandomMac(), Ip: Ip(11)), (Name: $"kc-test-{id}-b", Mac: RandomMac(), Ip: Ip(12)) };
        var plan = new DhcpPlan
        {
            NetworkId = id,
            Subnet = subnet,
            ServerAddress = Ip(2),
            Gateway = Ip(1),
            Hosts = [.. guests.Select(g => new DhcpHost(g.Mac, g.Ip))],
        };
        var taps = guests.Select(g => DeviceNames.Tap(g.Name + "-port0")).ToArray();
        try
        {
            await bridges.EnsureAsync(network);
            await bridges.EnsureAsync(network); // idempotent
            await dhcp.EnsureAsync(plan);
            var pid = dhcp.RunningPid(plan);
            Assert.NotNull(pid);
            await dhcp.EnsureAsync(plan);
            Assert.Equal(pid, dhcp.RunningPid(plan)); // unchanged plan: same process

            for (var i = 0; i < guests.Length; i++)
            {
                var (name, mac, ip) = guests[i];
                var peer = guests[1 - i].Ip;
                var seed = Path.Combine(vm.WorkDir, name + ".seed.iso");
                var userData = $$"""
                    #!/bin/sh
                    ( i=0; while [ $i -lt 60 ]; do
                        if ping -c 1 -W 1 {{peer}} >/dev/null 2>&1; then echo "KC-PING-OK {{peer}}"; break; fi
                        i=$((i+1)); sleep 0.5
                      done ) &
                    """;
                await new NoCloudSeedBuilder(vm.Run).BuildAsync(new NoCloudSeed
                {
                    InstanceId = name,
                    Hostname = name,
                    UserData = userData + "\n",
                    Interfaces = [new SeedInterface(mac, [$"{ip}/24"]) { Gateway = Ip(1).ToString() }],
                }, seed);
                var spec = vm.GuestSpec(name) with { SeedIsoPath = seed, Nics = [new NicSpec(mac, network.BridgeName, taps[i])] };
                await bridges.RequireBridgeAsync(network.BridgeName);
                vm.Driver.Define(DomainXmlBuilder.Build(spec));
                vm.Driver.Start(name);
            }

            foreach (var (name, mac, ip) in guests)
            {
                var log = new SerialLog(Path.Combine(vm.WorkDir, name + ".serial.log"));
                var address = await log.WaitForAsync(@"KC-ADDR eth0 (\S+) (\S+) dhcp-from=([\d.]+) dhcp-to=([\d.]+)", TimeSpan.FromSeconds(90));
                Assert.Equal(mac, address.Groups[1].Value);
                Assert.Equal($"{ip}/24", address.Groups[2].Value);
                var seconds = double.Parse(address.Groups[4].Value, CultureInfo.InvariantCulture) - double.Parse(address.Groups[3].Value, CultureInfo.InvariantCulture);
                output.WriteLine($"{name}: DHCP lease {ip} in {seconds:0.00} s (guest clock)");
            }

            foreach (var (name, _, _) in guests)
            {
                var log = new SerialLog(Path.Combine(vm.WorkDir, name + ".serial.log"));
                await log.WaitForAsync("KC-PING-OK", TimeSpan.FromSeconds(60));
            }

            Assert.Equal(guests.Select(g => g.Mac).Order(), dhcp.Leases(plan).Select(l => l.MacAddress).Order());
            foreach (var tap in taps)
            {
                Assert.True(await bridges.LinkExistsAsync(tap));
            }
        }
        finally
        {
            foreach (var g in guests)
            {
                vm.RemoveDomain(g.Name);
            }

            await dhcp.TeardownAsync(plan);
            await bridges.TeardownAsync(network);
        }

        // Nothing left: no domain, tap, bridge, veth, namespace, dnsmasq or state files.
        foreach (var device in taps.Concat([network.BridgeName, plan.VethBridgeSide]))
        {
            Assert.False(await bridges.LinkExistsAsync(device), $"{device} still exists");
        }

        Assert.DoesNotContain(plan.Namespace, (await vm.Run.RunAsync("ip", ["netns", "list"])).StandardOutput);
        Assert.Null(dhcp.RunningPid(plan));
        Assert.False(Directory.Exists(dhcp.StateDirectory(plan)));
        Assert.DoesNotContain(vm.Driver.List(), d => d.Name.Contains(id, StringComparison.Ordinal));
    }

    internal static string RandomMac()
    {
        var b = new byte[3];
        Random.Shared.NextBytes(b);
        return $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}";
    }
}
