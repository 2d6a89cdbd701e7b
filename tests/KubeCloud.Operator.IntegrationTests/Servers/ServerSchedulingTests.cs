using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerSchedulingTests
{
    [Fact]
    public async Task A_node_going_down_before_the_spawn_is_retried_elsewhere_until_the_attempts_run_out()
    {
        var nodes = new NodeSimulatorOptions();
        foreach (var node in new[] { "node-1", "node-2", "node-3" })
        {
            nodes.Stalled[node] = true;
        }

        await using var bed = await ServerTestBed.StartAsync(nodes: 3, nodeOptions: nodes, configure: s => s.Servers.MaxSchedulingAttempts = 2);
        await bed.CreateAsync(ServerTestBed.NewServer("retry", network: false));
        var placed = await bed.WaitForAsync("retry", s => s.Status?.Node is not null, "placed");
        var first = placed.Status!.Node!;
        await Finalizers.AddAsync(bed.Client, placed, ServerReconciler.NodeCleanupFinalizer); // as the first node's daemon does before it builds anything

        await bed.Nodes.SetDownAsync(first, true);
        var moved = await bed.WaitForAsync("retry", s => s.Status?.Node is { } n && n != first && NodeReport.ValueOf(s.Metadata.Labels, ApiGroup.NodeLabel) == n, "placed and labelled on another node");
        Assert.Equal([first], moved.Status!.TriedNodes);
        Assert.Equal(2, moved.Status.SchedulingAttempts);
        Assert.Null(bed.Placement.Ledger.UsageOf(first).MemoryMb is > 0 ? "claim left on the down node" : null);

        await bed.Nodes.SetDownAsync(moved.Status.Node!, true);
        var failed = await bed.WaitForPhaseAsync("retry", ServerPhase.Error);
        Assert.StartsWith("No valid host was found. The retries ran out: 2 of 2 scheduling attempts used; the build failed on ", failed.Status!.Fault!.Message);
        Assert.Equal("RetriesExhausted", Conditions.Find(failed.Status, "Scheduled")!.Reason);
        Assert.Null(failed.Status.Node);
        Assert.Equal(0, bed.Placement.Ledger.Count);

        // Deleted from Error: the first node's finalizer (added before it went down) is taken off by the operator, since
        // no node watches a server bound to none; the deletion completes.
        Assert.Contains(ServerReconciler.NodeCleanupFinalizer, failed.Metadata.Finalizers ?? []);
        await bed.Client.DeleteAsync<Server>("retry", ServerTestBed.Project);
        await OperatorCluster.EventuallyAsync(async () => (await bed.Client.ListAsync<Server>(ServerTestBed.Project)).Items?.Any(s => s.Metadata.Name == "retry") != true, "the server gone");
    }

    [Fact]
    public async Task Quota_refuses_the_server_that_does_not_fit_after_the_older_ones_until_room_is_made()
    {
        await using var bed = await ServerTestBed.StartAsync();
        await bed.CreateAsync(new ProjectQuota { Metadata = ServerTestBed.Meta("limits", ServerTestBed.Project), Spec = new ProjectQuotaSpec { Hard = new QuotaAmounts { Servers = 1 } } });
        await bed.CreateAsync(ServerTestBed.NewServer("first", network: false));
        await bed.WaitForPhaseAsync("first", ServerPhase.Active);
        await bed.CreateAsync(ServerTestBed.NewServer("second", network: false));

        var refused = await bed.WaitForPhaseAsync("second", ServerPhase.Error);
        Assert.Equal(403, refused.Status!.Fault!.Code);
        Assert.Equal("Quota exceeded: quota exceeded for servers: limit 1, used 1, requested 1", refused.Status.Fault.Message);
        Assert.Equal("QuotaExceeded", Conditions.Find(refused.Status, "Scheduled")!.Reason);
        Assert.Null(refused.Status.Node);

        await bed.Client.DeleteAsync<Server>("first", ServerTestBed.Project);
        var placed = await bed.WaitForPhaseAsync("second", ServerPhase.Active);
        Assert.Null(placed.Status!.Fault);
    }
}
