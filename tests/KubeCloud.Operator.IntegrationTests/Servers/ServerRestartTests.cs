using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Controllers.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerRestartTests
{
    private const int Nodes = 10;
    private const int PerNode = 20;

    /// <summary>Room for exactly <see cref="PerNode"/> servers of 1 GiB per node (plus nova's 512 MiB reserved): a double-booked host leaves a server without room.</summary>
    private static NodeSimulatorOptions ExactlyFull() => new() { Memory = Quantity.Parse($"{(PerNode * 1024) + 512}Mi") };

    [Fact]
    public async Task Killing_and_restarting_the_operator_during_200_creations_converges_without_duplicates_leaks_or_an_overbooked_host()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: Nodes, nodeOptions: ExactlyFull());
        var random = new Random(11);
        var names = Enumerable.Range(0, Nodes * PerNode).Select(i => $"vm-{i:D3}").ToList();
        var creating = Task.Run(async () =>
        {
            foreach (var batch in names.Chunk(8))
            {
                await Task.WhenAll(batch.Select(n => bed.CreateAsync(ServerTestBed.NewServer(n))));
            }
        });

        var restarts = 0;
        while (restarts < 6 || !creating.IsCompleted)
        {
            await Task.Delay(random.Next(200, 1500));
            await bed.Operator!.StopAsync(abrupt: true);
            await bed.StartOperatorAsync(identity: $"operator-{++restarts}");
        }

        await creating;
        await OperatorCluster.EventuallyAsync(async () =>
        {
            var all = (await bed.Client.ListAsync<Server>(ServerTestBed.Project)).Items ?? [];
            return all.Count(s => s.Status?.Phase == ServerPhase.Active && Conditions.IsTrue(s.Status, ConditionTypes.Ready)) == names.Count;
        }, "every server Active and Ready", TimeSpan.FromMinutes(4));

        await AssertConsistentAsync(bed, names, bed.Placement);
        Assert.True(bed.Placement.Rebuilds >= 1);
    }

    [Fact]
    public async Task With_two_replicas_only_the_leader_writes_and_a_failover_loses_nothing()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: Nodes, nodeOptions: ExactlyFull(), startOperator: false);
        var one = await bed.StartOperatorAsync(identity: "replica-1", leaderElection: true);
        var two = await bed.StartOperatorAsync(identity: "replica-2", leaderElection: true);
        static bool Leads(RunningOperator op) => op.Services.GetRequiredService<OperatorHealth>().Leader;
        await OperatorCluster.EventuallyAsync(() => Leads(one) || Leads(two), "a leader elected");
        var (leader, standby) = Leads(one) ? (one, two) : (two, one);

        var names = Enumerable.Range(0, 40).Select(i => $"ha-{i:D2}").ToList();
        foreach (var batch in names.Take(20).Chunk(10))
        {
            await Task.WhenAll(batch.Select(n => bed.CreateAsync(ServerTestBed.NewServer(n))));
        }

        await OperatorCluster.EventuallyAsync(async () => ((await bed.Client.ListAsync<Server>(ServerTestBed.Project)).Items ?? []).Count(s => s.Status?.Phase == ServerPhase.Active) >= 10, "10 servers Active");
        Assert.False(Leads(standby));
        Assert.Equal(0, Writes(standby));
        Assert.True(Writes(leader) > 0);
        Assert.Equal(0, standby.Services.GetRequiredService<ServerPlacement>().Ledger.Count);

        await leader.StopAsync(abrupt: true);
        foreach (var batch in names.Skip(20).Chunk(10))
        {
            await Task.WhenAll(batch.Select(n => bed.CreateAsync(ServerTestBed.NewServer(n))));
        }

        await OperatorCluster.EventuallyAsync(async () =>
            ((await bed.Client.ListAsync<Server>(ServerTestBed.Project)).Items ?? []).Count(s => s.Status?.Phase == ServerPhase.Active && Conditions.IsTrue(s.Status, ConditionTypes.Ready)) == names.Count,
            "every server Active after the failover", TimeSpan.FromMinutes(2));
        Assert.True(Leads(standby));
        Assert.True(Writes(standby) > 0);
        Assert.Equal(names.Count, standby.Services.GetRequiredService<ServerPlacement>().Ledger.Count);
        await AssertConsistentAsync(bed, names, standby.Services.GetRequiredService<ServerPlacement>()); // not bed.Placement: that is the last started replica's, which may be the stopped leader
    }

    private static long Writes(RunningOperator op) => op.Services.GetRequiredService<ServerReconciler>().StatusWrites;

    /// <summary>One port per server, owned by it; no host past its room, in the API and in the running operator's ledger.</summary>
    private static async Task AssertConsistentAsync(ServerTestBed bed, List<string> names, ServerPlacement placement)
    {
        var servers = ((await bed.Client.ListAsync<Server>(ServerTestBed.Project)).Items ?? []).ToDictionary(s => s.Metadata.Name);
        Assert.Equal(names.Order(StringComparer.Ordinal), servers.Keys.Order(StringComparer.Ordinal));
        var ports = await bed.PortsAsync();
        Assert.Equal(names.Select(n => $"{n}-0").Order(StringComparer.Ordinal), ports.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        foreach (var port in ports)
        {
            var owner = Assert.Single(port.Metadata.OwnerReferences);
            Assert.Equal(servers[port.Metadata.Labels[ServerReconciler.ServerLabel]].Metadata.Uid, owner.Uid);
        }

        Assert.All(servers.Values, s => Assert.Equal(s.Status!.Node, s.Metadata.Labels[ApiGroup.NodeLabel]));
        Assert.Equal(ports.Count, servers.Values.Select(s => s.Status!.Addresses?.Single().IPAddress).Distinct().Count());
        var perNode = servers.Values.GroupBy(s => s.Status!.Node!).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perNode, n => Assert.True(n.Value <= PerNode, $"{n.Key} holds {n.Value} servers, room for {PerNode}"));
        // The last operator may have been started after its predecessors had made every server Active: then the servers
        // above were all Active before it reconciled anything, and its ledger is rebuilt at its first reconcile (before
        // any scheduling decision or release, which is what keeps it from double-booking). Wait for that rebuild, then
        // the ledger must hold every claim at once. (CI of 4 Dec 17:04 saw 0 claims here: asserted before the rebuild.)
        await OperatorCluster.EventuallyAsync(() => placement.Rebuilds >= 1, "the running operator's first ledger rebuild");
        var ledger = placement.Ledger;
        Assert.True(ledger.Count == names.Count,
            $"the running operator's ledger holds {ledger.Count} claims for {names.Count} placed servers (rebuilds: {placement.Rebuilds})");
        Assert.All(perNode.Keys, n => Assert.Equal(perNode[n] * 1024L, ledger.UsageOf(n).MemoryMb));
    }
}
