using System.Net;
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
}
