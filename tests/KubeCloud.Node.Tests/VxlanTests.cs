using System.Net;
using System.Text.Json;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

/// <summary>
/// Two network namespaces stand in for two nodes: a veth pair is the underlay; each "node" runs
/// <see cref="BridgeNetwork"/> (bridge + VXLAN + flood entry to the other node) and has an endpoint
/// veth on the tenant bridge. Traffic stays inside the namespaces.
/// </summary>
public sealed class VxlanTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Concurrent_setups_of_one_network_make_its_devices_once_and_none_fails()
    {
        // The node daemon's Server and Network reconcilers wire a network at once (before: "ip link add: File exists").
        var run = ProcessCommandRunner.Instance;
        var id = Guid.NewGuid().ToString("N")[..6];
        var ns = $"kc-test-race-{id}";
        try
        {
            await run.RunCheckedAsync("ip", "netns", "add", ns);
            await run.RunCheckedAsync("ip", "-n", ns, "link", "add", "kcul" + id, "type", "veth", "peer", "name", "kcup" + id);
            await run.RunCheckedAsync("ip", "-n", ns, "addr", "add", "198.19.254.1/24", "dev", "kcul" + id);
            await run.RunCheckedAsync("ip", "-n", ns, "link", "set", "kcul" + id, "up");
            var adds = new CountingRunner(new NamespacedCommandRunner(run, ns));
            var node = new BridgeNetwork(adds);
            var plan = new NetworkPlan
            {
                NetworkId = "race-" + id,
                Vni = 4343,
                LocalTunnelIp = IPAddress.Parse("198.19.254.1"),
                Peers = [IPAddress.Parse("198.19.254.2"), IPAddress.Parse("198.19.254.3")],
            };

            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => node.EnsureAsync(plan))));

            Assert.Equal(2, adds.LinkAdds); // the bridge and the VXLAN device, once each
            Assert.Equal(["198.19.254.2", "198.19.254.3"], (await node.FloodPeersAsync(plan.VxlanName)).Select(p => p.ToString()).Order(StringComparer.Ordinal));
        }
        finally
        {
            await run.RunAsync("ip", "netns", "del", ns);
        }
    }

    [Fact]
    public async Task A_leftover_device_of_this_node_holding_the_vni_is_replaced_and_a_foreign_one_is_named()
    {
        // CI once lost a server to "A VXLAN device with the specified VNI already exists": a bench killed before its node
        // unwired a network had left the operator's first VNI on the host, and every later network with it failed.
        var run = ProcessCommandRunner.Instance;
        var id = Guid.NewGuid().ToString("N")[..6];
        var ns = $"kc-test-vni-{id}";
        try
        {
            await run.RunCheckedAsync("ip", "netns", "add", ns);
            var inside = new NamespacedCommandRunner(run, ns);
            var node = new BridgeNetwork(inside);
            var plan = new NetworkPlan { NetworkId = "vni-" + id, Vni = 4646, LocalTunnelIp = IPAddress.Loopback };
            await inside.RunCheckedAsync("ip", "link", "add", DeviceNames.DefaultPrefix + "vxstale", "type", "vxlan", "id", "4646", "local", "127.0.0.1", "dstport", "4789", "nolearning");

            await node.EnsureAsync(plan);

            Assert.True(await node.LinkExistsAsync(plan.VxlanName));
            Assert.False(await node.LinkExistsAsync(DeviceNames.DefaultPrefix + "vxstale"));

            await node.TeardownAsync(plan);
            await inside.RunCheckedAsync("ip", "link", "add", "other0", "type", "vxlan", "id", "4646", "local", "127.0.0.1", "dstport", "4789", "nolearning");
            var refused = await Assert.ThrowsAsync<CommandFailedException>(() => node.EnsureAsync(plan));
            Assert.Contains("is held by device other0, which is not this node's", refused.Message, StringComparison.Ordinal);
            Assert.True(await node.LinkExistsAsync("other0"));
            Assert.False(await node.LinkExistsAsync(plan.BridgeName)); // the failed setup removed what it made
        }
        finally
        {
            await run.RunAsync("ip", "netns", "del", ns);
        }
    }

    private sealed class CountingRunner(ICommandRunner inner) : ICommandRunner
    {
        private int _linkAdds;

        public int LinkAdds => _linkAdds;

        public Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
        {
            if (file == "ip" && arguments is ["link", "add", ..])
            {
                Interlocked.Increment(ref _linkAdds);
            }

            return inner.RunAsync(file, arguments, cancellationToken);
        }
    }

    [Fact]
    public async Task Tenant_network_spans_two_namespaces_over_vxlan()
    {
        var run = ProcessCommandRunner.Instance;
        var id = Guid.NewGuid().ToString("N")[..6];
        var nodes = new[] { $"kc-test-node1-{id}", $"kc-test-node2-{id}" };
        var underlay = new[] { IPAddress.Parse("198.19.255.1"), IPAddress.Parse("198.19.255.2") };
        var tenant = new[] { "198.19.7.1/24", "198.19.7.2/24" };
        var networkId = "tenant-" + id;
        try
        {
            foreach (var ns in nodes)
            {
                await run.RunCheckedAsync("ip", "netns", "add", ns);
                await run.RunCheckedAsync("ip", "-n", ns, "link", "set", "lo", "up");
            }

            await run.RunCheckedAsync("ip", "link", "add", "kcul1" + id, "netns", nodes[0], "type", "veth", "peer", "name", "kcul2" + id, "netns", nodes[1]);
            for (var i = 0; i < 2; i++)
            {
                var ns = nodes[i];
                var ul = $"kcul{i + 1}{id}";
                await run.RunCheckedAsync("ip", "-n", ns, "addr", "add", underlay[i] + "/30", "dev", ul);
                await run.RunCheckedAsync("ip", "-n", ns, "link", "set", ul, "up");

                var node = new BridgeNetwork(new NamespacedCommandRunner(run, ns));
                var plan = new NetworkPlan { NetworkId = networkId, Vni = 4242, LocalTunnelIp = underlay[i], Peers = [underlay[1 - i]], UnderlayDevice = ul };
                await node.EnsureAsync(plan);
                await node.EnsureAsync(plan); // idempotent: no duplicate flood entries
                Assert.Equal([underlay[1 - i]], await node.FloodPeersAsync(plan.VxlanName));

                // An endpoint on the tenant bridge: a veth whose far end holds a tenant address.
                await run.RunCheckedAsync("ip", "-n", ns, "link", "add", "kcep" + id, "type", "veth", "peer", "name", "kceb" + id);
                await run.RunCheckedAsync("ip", "-n", ns, "link", "set", "kceb" + id, "master", plan.BridgeName, "up");
                await run.RunCheckedAsync("ip", "-n", ns, "addr", "add", tenant[i], "dev", "kcep" + id);
                await run.RunCheckedAsync("ip", "-n", ns, "link", "set", "kcep" + id, "mtu", "1400", "up");
            }

            var ping = await run.RunAsync("ip", "netns", "exec", nodes[0], "ping", "-c", "3", "-i", "0.2", "-W", "2", "198.19.7.2");
            output.WriteLine(ping.StandardOutput);
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);

            // The frames really crossed the tunnel: node 2's VXLAN device learned node 1's endpoint MAC.
            var fdb = await run.RunCheckedAsync("ip", "netns", "exec", nodes[1], "bridge", "fdb", "show", "dev", DeviceNames.Vxlan(networkId));
            output.WriteLine(fdb.StandardOutput);
            Assert.Contains("dst 198.19.255.1", fdb.StandardOutput);

            // Removing the peer stops the flood: the tenant address is unreachable again.
            var node1 = new BridgeNetwork(new NamespacedCommandRunner(run, nodes[0]));
            var plan1 = new NetworkPlan { NetworkId = networkId, Vni = 4242, LocalTunnelIp = underlay[0], Peers = [] };
            await node1.SyncPeersAsync(plan1);
            Assert.Empty(await node1.FloodPeersAsync(plan1.VxlanName));
            await node1.TeardownAsync(plan1);
            Assert.False(await node1.LinkExistsAsync(plan1.BridgeName));
            Assert.False(await node1.LinkExistsAsync(plan1.VxlanName));
        }
        finally
        {
            foreach (var ns in nodes)
            {
                await run.RunAsync("ip", "netns", "del", ns);
            }
        }

        var left = (await run.RunCheckedAsync("ip", "netns", "list")).StandardOutput;
        Assert.DoesNotContain(id, left);
        Assert.DoesNotContain(id, (await run.RunCheckedAsync("ip", "link", "show")).StandardOutput);
    }

    /// <summary>
    /// Two nodes on one host, as two node daemons there run them (<c>--device-prefix</c>, <c>--tunnel-netns</c>): both
    /// bridges in this namespace, where libvirtd makes the guests' taps; each VXLAN device beside its bridge but with its
    /// UDP socket in the node's underlay namespace, the two joined by a veth pair. The same VNI and port on both (the
    /// kernel would refuse a second VXLAN of one VNI and port in one namespace), and the frames cross the underlay as
    /// real UDP: the veth counts them.
    /// </summary>
    [Fact]
    public async Task Two_nodes_on_one_host_tunnel_from_their_underlay_namespaces()
    {
        var run = ProcessCommandRunner.Instance;
        var id = Guid.NewGuid().ToString("N")[..6];
        var prefixes = new[] { "m" + id[..3], "n" + id[..3] };
        var underlays = new[] { $"kc-test-ul1-{id}", $"kc-test-ul2-{id}" };
        var guests = new[] { $"kc-test-g1-{id}", $"kc-test-g2-{id}" };
        var veths = new[] { "kcu1" + id, "kcu2" + id };
        var guestVeths = new[] { "kce1" + id, "kce2" + id };
        var tunnel = new[] { IPAddress.Parse("198.19.254.1"), IPAddress.Parse("198.19.254.2") };
        var plans = new NetworkPlan[2];
        var nodes = new BridgeNetwork(run);
        try
        {
            foreach (var ns in underlays.Concat(guests))
            {
                await run.RunCheckedAsync("ip", "netns", "add", ns);
            }

            await run.RunCheckedAsync("ip", "link", "add", veths[0], "netns", underlays[0], "type", "veth", "peer", "name", veths[1], "netns", underlays[1]);
            for (var i = 0; i < 2; i++)
            {
                await run.RunCheckedAsync("ip", "-n", underlays[i], "addr", "add", tunnel[i] + "/30", "dev", veths[i]);
                await run.RunCheckedAsync("ip", "-n", underlays[i], "link", "set", veths[i], "up");
                plans[i] = new NetworkPlan
                {
                    NetworkId = "tenant-" + id,
                    Vni = 4243,
                    LocalTunnelIp = tunnel[i],
                    Peers = [tunnel[1 - i]],
                    UnderlayNamespace = underlays[i],
                    DevicePrefix = prefixes[i],
                };
                await nodes.EnsureAsync(plans[i]);
                await nodes.EnsureAsync(plans[i]); // idempotent
                Assert.Equal([tunnel[1 - i]], await nodes.FloodPeersAsync(plans[i].VxlanName));
                var vxlan = await run.RunCheckedAsync("ip", "-d", "link", "show", "dev", plans[i].VxlanName);
                Assert.Contains($"link-netns {underlays[i]}", vxlan.StandardOutput);
                Assert.Contains($"master {plans[i].BridgeName}", vxlan.StandardOutput);

                // A guest: a veth from the node's bridge into a namespace holding a tenant address.
                var hostSide = guestVeths[i];
                await run.RunCheckedAsync("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", guests[i]);
                await run.RunCheckedAsync("ip", "link", "set", hostSide, "master", plans[i].BridgeName, "up");
                await run.RunCheckedAsync("ip", "-n", guests[i], "addr", "add", $"198.19.8.{i + 1}/24", "dev", "eth0");
                await run.RunCheckedAsync("ip", "-n", guests[i], "link", "set", "eth0", "mtu", "1400", "up");
            }

            var before = await UnderlayPacketsAsync(run, underlays[1], veths[1]);
            var ping = await run.RunAsync("ip", "netns", "exec", guests[0], "ping", "-c", "3", "-i", "0.2", "-W", "2", "198.19.8.2");
            output.WriteLine(ping.StandardOutput);
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
            Assert.True(await UnderlayPacketsAsync(run, underlays[1], veths[1]) >= before + 3, "the echo requests crossed the underlay veth as UDP");

            foreach (var plan in plans)
            {
                await nodes.TeardownAsync(plan);
                Assert.False(await nodes.LinkExistsAsync(plan.BridgeName));
                Assert.False(await nodes.LinkExistsAsync(plan.VxlanName));
            }
        }
        finally
        {
            foreach (var plan in plans.OfType<NetworkPlan>())
            {
                await nodes.TeardownAsync(plan);
            }

            // Deleting a namespace removes its veths later, from a kernel work queue; these go now.
            foreach (var veth in guestVeths)
            {
                await run.RunAsync("ip", "link", "del", veth);
            }

            foreach (var ns in underlays.Concat(guests))
            {
                await run.RunAsync("ip", "netns", "del", ns);
            }
        }

        Assert.DoesNotContain(id, (await run.RunCheckedAsync("ip", "netns", "list")).StandardOutput);
        var links = (await run.RunCheckedAsync("ip", "-o", "link", "show")).StandardOutput;
        Assert.DoesNotContain(id, links);
        Assert.All(prefixes, p => Assert.DoesNotContain($": {p}", links));
    }

    private static async Task<long> UnderlayPacketsAsync(ICommandRunner run, string ns, string device)
    {
        var json = (await run.RunCheckedAsync("ip", "-n", ns, "-j", "-s", "link", "show", "dev", device)).StandardOutput;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement[0].GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetInt64();
    }
}
