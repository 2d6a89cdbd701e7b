using System.Diagnostics;
using System.Security.Cryptography;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.IntegrationTests.MultiNode;

/// <summary>
/// Two node daemons on one machine, on real libvirt and QEMU (TCG here), with the real operator, both in this process:
/// each with its own state directory, device prefix (its own bridges and VXLAN devices) and underlay namespace (its
/// tunnel IP, where its VXLAN sockets live; <see cref="UnderlayPair"/>). Two servers of an anti-affinity group land on
/// the two nodes, reach Active, and ping each other over the tenant network's VXLAN: each guest's user data (the seed,
/// which the test guest's init sources) sets its port's address and pings the other's, printing KC-PING-OK on the
/// console. Deleting them leaves no domain, tap, bridge or VXLAN device; the namespaces go with the fixture.
/// Needs root and libvirtd (tests/setup/node-deps.sh).
/// </summary>
[Collection(VmCollection.Name)]
public sealed class TwoNodeVxlanTests(VmFixture vm, ITestOutputHelper output)
{
    private static readonly TimeSpan BootBound = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Anti_affine_servers_land_on_two_nodes_and_reach_each_other_over_vxlan()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var nodes = new[] { $"mn1-{id}", $"mn2-{id}" };
        var prefixes = new[] { "m" + id[..3], "n" + id[..3] };
        var states = nodes.Select(n => Path.Combine(vm.WorkDir, n)).ToArray();
        var octet = Random.Shared.Next(10, 250);
        var addresses = new[] { $"10.77.{octet}.11", $"10.77.{octet}.12" };
        var names = new[] { "vx-a-" + id, "vx-b-" + id };

        var disk = await vm.Guest.BootDiskAsync(vm.Run);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
        using var files = new LoopbackFileServer();
        var url = files.Add("guest.raw", disk);
        using var http = new HttpClient();
        await using var underlay = await UnderlayPair.CreateAsync(vm.Run, id);

        // One libvirt connection per daemon, as two kubecloud-node processes have; closed after the daemons stop.
        using var driver1 = LibvirtDriver.Open();
        using var driver2 = LibvirtDriver.Open();
        var drivers = new[] { driver1, driver2 };
        await using var cluster = await NodeCluster.StartAsync();
        await using var op = await InProcessOperator.StartAsync(cluster);
        await cluster.EnsureFlavorAndImageAsync(sha, url.ToString(), memory: "160Mi", format: DiskFormat.Raw);
        Network? network = null;
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var images = new ImageCache(Path.Combine(states[i], "images"), http, new QemuImg(vm.Run));
                var (tunnelIp, tunnelNamespace, prefix) = (underlay.TunnelIps[i], underlay.Namespaces[i], prefixes[i]);
                await cluster.StartNodeAsync(nodes[i], states[i], drivers[i], new LocalInstanceFiles(images, new QemuImg(vm.Run), new NoCloudSeedBuilder(vm.Run)),
                    o => o with
                    {
                        SaveDirectory = "/var/lib/libvirt/qemu/save",
                        Hypervisor = vm.Probe.Type,
                        HypervisorReason = vm.Probe.Reason,
                        ManageNetworks = true,
                        TunnelIp = tunnelIp,
                        TunnelNamespace = tunnelNamespace,
                        DevicePrefix = prefix,
                        ShutdownTimeout = TimeSpan.FromSeconds(30),
                    });
            }

            await cluster.Client.CreateAsync(new Network
            {
                Metadata = new() { Name = "tenant", NamespaceProperty = NodeCluster.Project },
                Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = $"10.77.{octet}.0/24" }] },
            });
            await cluster.Client.CreateAsync(new ServerGroup
            {
                Metadata = new() { Name = "spread", NamespaceProperty = NodeCluster.Project },
                Spec = new ServerGroupSpec { Policy = ServerGroupPolicy.AntiAffinity },
            });
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 2; i++)
            {
                await cluster.Client.CreateAsync(new Server
                {
                    Metadata = new() { Name = names[i], NamespaceProperty = NodeCluster.Project },
                    Spec = new ServerSpec
                    {
                        FlavorRef = new() { Name = "m1.tiny" },
                        ImageRef = new() { Name = "guest" },
                        Networks = [new ServerNetwork { NetworkRef = new() { Name = "tenant" }, FixedIP = addresses[i] }],
                        SchedulerHints = new SchedulerHints { ServerGroup = "spread" },
                        UserData = PingPeer(addresses[i], addresses[1 - i]),
                    },
                });
            }

            var servers = new Server[2];
            for (var i = 0; i < 2; i++)
            {
                servers[i] = await NodeCluster.EventuallyAsync(() => cluster.GetServerAsync(names[i]),
                    s => s.Status?.Phase is ServerPhase.Active or ServerPhase.Error, $"{names[i]} Active", BootBound);
                Assert.True(servers[i].Status!.Phase == ServerPhase.Active, $"{names[i]}: {servers[i].Status!.Fault?.Message}");
            }

            output.WriteLine($"both Active: {watch.Elapsed.TotalSeconds:0.0} s ({vm.Probe.Type})");
            var placed = servers.Select(s => s.Status!.Node!).ToArray();
            Assert.Equal(nodes.Order(), placed.Order());
            network = await cluster.Client.GetAsync<Network>("tenant", NodeCluster.Project);
            var networkId = ServerDomainMapper.NetworkId(network);
            foreach (var prefix in prefixes)
            {
                var vxlan = (await vm.Run.RunCheckedAsync("ip", "-d", "link", "show", "dev", DeviceNames.Vxlan(networkId, prefix))).StandardOutput;
                Assert.Contains($"master {DeviceNames.Bridge(networkId, prefix)}", vxlan);
                Assert.Contains($"vxlan id {network.Status!.SegmentationId} ", vxlan);
            }

            for (var i = 0; i < 2; i++)
            {
                var node = Array.IndexOf(nodes, placed[i]);
                var console = new SerialLog(Path.Combine(states[node], "instances", $"{NodeCluster.Project}_{names[i]}", "console.log"));
                await console.WaitForAsync($"KC-PING-(OK|FAILED) {addresses[1 - i].Replace(".", "\\.", StringComparison.Ordinal)}", BootBound);
                output.WriteLine($"{names[i]} on {placed[i]}: {console.Text.Split('\n').First(l => l.Contains("KC-PING", StringComparison.Ordinal)).Trim()} at {watch.Elapsed.TotalSeconds:0.0} s");
                Assert.Contains($"KC-PING-OK {addresses[1 - i]}", console.Text);
            }

            // The frames crossed the underlay as UDP to each node's tunnel IP: both veths received, both namespaces hold a VXLAN socket.
            for (var i = 0; i < 2; i++)
            {
                Assert.True(await underlay.ReceivedPacketsAsync(i) > 0, $"underlay of {nodes[i]} received nothing");
                Assert.Contains($":{new NetworkPlan { NetworkId = "x" }.VxlanPort}", await underlay.UdpSocketsAsync(i));
            }

            foreach (var name in names)
            {
                await cluster.Client.DeleteAsync<Server>(name, NodeCluster.Project);
            }

            foreach (var name in names)
            {
                await NodeCluster.EventuallyAsync(async () => await ExistsAsync(cluster, name), exists => !exists, $"{name} deleted", TimeSpan.FromMinutes(2));
            }

            // The last port of each node left the network: its bridge and VXLAN device go.
            var bridges = new BridgeNetwork(vm.Run);
            foreach (var prefix in prefixes)
            {
                var plan = new NetworkPlan { NetworkId = networkId, DevicePrefix = prefix };
                await NodeCluster.EventuallyAsync(async () => await bridges.LinkExistsAsync(plan.BridgeName) || await bridges.LinkExistsAsync(plan.VxlanName),
                    exists => !exists, $"{plan.BridgeName} and {plan.VxlanName} removed", TimeSpan.FromMinutes(1));
            }
        }
        finally
        {
            foreach (var name in names)
            {
                vm.RemoveDomain($"kc-{NodeCluster.Project}-{name}");
            }

            if (network is not null)
            {
                foreach (var prefix in prefixes)
                {
                    await new BridgeNetwork(vm.Run).TeardownAsync(new NetworkPlan { NetworkId = ServerDomainMapper.NetworkId(network), DevicePrefix = prefix });
                }
            }
        }

        await underlay.DisposeAsync();
        var links = (await vm.Run.RunCheckedAsync("ip", "-o", "link", "show")).StandardOutput;
        Assert.All(prefixes, p => Assert.DoesNotContain($": {p}", links));
        Assert.DoesNotContain(id, links);
        Assert.DoesNotContain(id, (await vm.Run.RunCheckedAsync("ip", "netns", "list")).StandardOutput);
        Assert.DoesNotContain(vm.Driver.List(), d => d.Name.Contains(id, StringComparison.Ordinal));
    }

    /// <summary>
    /// User data the test guest's init sources: the port's address on eth0 (there is no DHCP on the tenant network yet;
    /// an address already there stays), then a ping of the peer until it answers (two minutes at most), printed on the console.
    /// </summary>
    private static string PingPeer(string self, string peer) => $$"""
        #!/bin/sh
        ip link set eth0 up
        ip -4 addr show dev eth0 | grep -q ' {{self}}/' || ip addr add {{self}}/24 dev eth0
        ( i=0; while [ $i -lt 240 ]; do
            if ping -c 1 -W 1 {{peer}} >/dev/null 2>&1; then echo "KC-PING-OK {{peer}}"; exit 0; fi
            i=$((i+1)); sleep 0.5
          done; echo "KC-PING-FAILED {{peer}}" ) &

        """;

    private static async Task<bool> ExistsAsync(NodeCluster cluster, string name)
    {
        try
        {
            await cluster.GetServerAsync(name);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }
}
