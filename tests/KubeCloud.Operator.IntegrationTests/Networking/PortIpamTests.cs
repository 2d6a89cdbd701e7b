using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Controllers.Ports;
using KubeCloud.Operator.Ipam;
using static KubeCloud.Operator.IntegrationTests.Networking.NetworkObjects;

namespace KubeCloud.Operator.IntegrationTests.Networking;

/// <summary>The Port controller's IPAM against the local API server, with the operator in process.</summary>
public sealed class PortIpamTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Five_hundred_ports_created_concurrently_on_a_slash_24_get_distinct_addresses_the_rest_a_clear_refusal_and_freed_addresses_come_back()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(Network("small", Subnet("s", "10.0.0.0/24")));
        await cluster.StartOperatorAsync();

        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, ct) => await client.CreateAsync(Port($"p{i:D3}", "small"), cancellationToken: ct));

        IReadOnlyList<Port> ports = [];
        await OperatorCluster.EventuallyAsync(async () => (ports = await PortsAsync(client)).Count == 500 && ports.All(p => Settled(p, IpamRules.SubnetExhausted)),
            "all 500 ports allocated or refused", Long);
        AssertNoDuplicates(ports);
        var allocated = ports.Where(Allocated).ToList();
        var refused = ports.Where(p => !Allocated(p)).ToList();
        Assert.Equal(253, allocated.Count);
        Assert.Equal(247, refused.Count);
        Assert.All(allocated, p => Assert.StartsWith("fa:16:3e:", p.Status!.MacAddress, StringComparison.Ordinal));
        Assert.All(refused, p =>
        {
            Assert.Equal(PortPhase.Error, p.Status!.Phase);
            Assert.Equal("spec.fixedIPs: no free address in subnet s (10.0.0.0/24) of network project-a/small: all 253 addresses of its allocation pools are allocated", Ready(p.Status)!.Message);
        });
        await OperatorCluster.EventuallyAsync(async () => (await client.GetAsync<Network>("small", Project)).Status?.Subnets?.SingleOrDefault() is { UsedIPs: 253, TotalIPs: 253 },
            "the network reports 253 of 253 addresses used");

        // Free 100 addresses: 100 of the refused ports get them, nobody gets one twice.
        var freed = allocated.Take(100).ToList();
        await Parallel.ForEachAsync(freed, async (p, ct) => await client.DeleteAsync<Port>(p.Metadata.Name, Project, cancellationToken: ct));
        await OperatorCluster.EventuallyAsync(async () => (ports = await PortsAsync(client)).Count == 400 && ports.Count(Allocated) == 253,
            "100 refused ports allocated the freed addresses", Long);
        AssertNoDuplicates(ports);
        Assert.Equal(147, ports.Count(p => Ready(p.Status)?.Reason == IpamRules.SubnetExhausted));

        // Delete everything: the pool is whole again.
        await Parallel.ForEachAsync(ports, async (p, ct) => await client.DeleteAsync<Port>(p.Metadata.Name, Project, cancellationToken: ct));
        await OperatorCluster.EventuallyAsync(async () => (await PortsAsync(client)).Count == 0, "every port deleted (finalizers released)", Long);
        await OperatorCluster.EventuallyAsync(async () => (await client.GetAsync<Network>("small", Project)).Status?.Subnets?.SingleOrDefault() is { UsedIPs: 0 },
            "the network reports no address used");
    }

    [Fact]
    public async Task An_operator_killed_and_restarted_while_ports_are_created_leaves_no_duplicate_and_no_leak()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(Network("crash", Subnet("s", "10.1.0.0/24")));
        var first = await cluster.StartOperatorAsync(identity: "operator-1");

        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await client.CreateAsync(Port($"c{i:D3}", "crash"), cancellationToken: ct));

        // Kill the operator once it has allocated some addresses, while 200 more ports are arriving; then start another.
        await OperatorCluster.EventuallyAsync(async () => (await PortsAsync(client)).Count(Allocated) >= 60, "the first operator allocated 60 ports", Long);
        var creating = Parallel.ForEachAsync(Enumerable.Range(100, 200), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await client.CreateAsync(Port($"c{i:D3}", "crash"), cancellationToken: ct));
        await first.StopAsync(abrupt: true);
        var second = await cluster.StartOperatorAsync(identity: "operator-2");
        await creating;

        IReadOnlyList<Port> ports = [];
        await OperatorCluster.EventuallyAsync(async () => (ports = await PortsAsync(client)).Count == 300 && ports.All(p => Settled(p, IpamRules.SubnetExhausted)),
            "all 300 ports allocated or refused after the restart", Long);
        AssertNoDuplicates(ports);
        // No leak: every address of the pool is held by a port (none is held by nobody), and the rest are refused.
        Assert.Equal(253, ports.Count(Allocated));
        Assert.Equal(47, ports.Count(p => Ready(p.Status)?.Reason == IpamRules.SubnetExhausted));

        // Kill the second one too while everything is deleted; a third releases what is left.
        var deleting = Parallel.ForEachAsync(ports, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (p, ct) => await client.DeleteAsync<Port>(p.Metadata.Name, Project, cancellationToken: ct));
        await OperatorCluster.EventuallyAsync(async () => (await PortsAsync(client)).Count < 250, "some ports deleted", Long);
        await second.StopAsync(abrupt: true);
        await deleting;
        await cluster.StartOperatorAsync(identity: "operator-3");
        await OperatorCluster.EventuallyAsync(async () => (await PortsAsync(client)).Count == 0, "every port deleted", Long);
        await OperatorCluster.EventuallyAsync(async () => (await client.GetAsync<Network>("crash", Project)).Status?.Subnets?.SingleOrDefault() is { UsedIPs: 0, TotalIPs: 253 },
            "the network reports no address used");
    }

    [Fact]
    public async Task A_requested_fixed_IP_is_honoured_a_second_request_for_it_is_refused_and_gets_it_once_the_first_port_goes()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(Network("fixed", Subnet("a", "10.2.0.0/24"), Subnet("b", "10.3.0.0/24")));
        await cluster.StartOperatorAsync();

        await client.CreateAsync(Port("first", "fixed", new FixedIP { IPAddress = "10.3.0.50" }));
        var first = await WaitForAsync(client, "first", Allocated, "the first port allocated");
        Assert.Equal([("b", "10.3.0.50")], first.Status!.FixedIPs!.Select(ip => (ip.Subnet, ip.IPAddress)));

        await client.CreateAsync(Port("second", "fixed", new FixedIP { Subnet = "b", IPAddress = "10.3.0.50" }));
        var second = await WaitForAsync(client, "second", p => Ready(p.Status)?.Reason == IpamRules.AddressFree, "the second port refused");
        Assert.Equal("spec.fixedIPs[0].ipAddress: 10.3.0.50 is already allocated to another port on network project-a/fixed", Ready(second.Status)!.Message);
        Assert.Equal(PortPhase.Error, second.Status!.Phase);
        Assert.Null(second.Status.MacAddress);

        await client.CreateAsync(Port("gateway", "fixed", new FixedIP { IPAddress = "10.2.0.1" }));
        var gateway = await WaitForAsync(client, "gateway", p => Ready(p.Status)?.Reason == IpamRules.AddressNotGateway, "the gateway address refused");
        Assert.Contains("10.2.0.1 is the gateway of subnet a (10.2.0.0/24)", Ready(gateway.Status)!.Message, StringComparison.Ordinal);

        await client.DeleteAsync<Port>("first", Project);
        second = await WaitForAsync(client, "second", Allocated, "the second port allocated once the address is free");
        Assert.Equal("10.3.0.50", second.Status!.FixedIPs!.Single().IPAddress);
    }

    [Fact]
    public async Task A_port_waits_for_its_network_and_converges_when_it_appears()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await cluster.StartOperatorAsync();

        await client.CreateAsync(Port("early", "later"));
        var early = await WaitForAsync(client, "early", p => Ready(p.Status)?.Reason == PortReasons.NetworkNotFound, "the port waits for its network");
        Assert.Equal("network project-a/later does not exist; the port gets its addresses once it does", Ready(early.Status)!.Message);
        Assert.Equal(ConditionStatus.False, Ready(early.Status)!.Status);
        Assert.Equal(PortPhase.Down, early.Status!.Phase);

        await client.CreateAsync(Network("later", Subnet("s", "192.168.7.0/24")));
        early = await WaitForAsync(client, "early", Allocated, "the port allocated once the network exists");
        Assert.Equal("192.168.7.2", early.Status!.FixedIPs!.Single().IPAddress);
        Assert.Equal(early.Metadata.Generation, early.Status.ObservedGeneration);
    }

    private static async Task<Port> WaitForAsync(KubeClient client, string name, Func<Port, bool> condition, string what)
    {
        Port? port = null;
        await OperatorCluster.EventuallyAsync(async () => condition(port = await client.GetAsync<Port>(name, Project)), what);
        return port!;
    }
}
