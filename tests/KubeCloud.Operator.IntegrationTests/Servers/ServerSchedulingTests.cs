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
    public async Task A_single_node_that_went_down_before_the_spawn_takes_the_server_back_once_it_is_Ready_again()
    {
        var nodes = new NodeSimulatorOptions();
        nodes.Stalled["node-1"] = true;
        await using var bed = await ServerTestBed.StartAsync(nodes: 1, nodeOptions: nodes);
        await bed.CreateAsync(ServerTestBed.NewServer("solo", network: false));
        var placed = await bed.WaitForAsync("solo", s => s.Status?.Node == "node-1", "placed on node-1");
        Assert.Equal(1, placed.Status!.SchedulingAttempts);

        // A transient heartbeat failure before the spawn: the build leaves the node, and with no other host it waits.
        await bed.Nodes.SetDownAsync("node-1", true);
        var waiting = await bed.WaitForAsync("solo", s => s.Status is { Node: null, Phase: ServerPhase.Error }, "unplaced, in Error");
        Assert.Equal(["node-1"], waiting.Status!.TriedNodes);
        Assert.Equal("NoValidHost", Conditions.Find(waiting.Status, "Scheduled")!.Reason);
        Assert.Contains("The filters left no host", waiting.Status.Fault!.Message, StringComparison.Ordinal);
        Assert.Contains("ComputeFilter removed 1", waiting.Status.Fault.Details, StringComparison.Ordinal);

        // The node is back: it was tried, but it is the only host the filters keep and attempts are left, so the build
        // goes back to it (before this, RetryFilter refused it forever: "the retries ran out" on a one-node cloud).
        await bed.Nodes.SetDownAsync("node-1", false);
        bed.Nodes.Resume("node-1");
        var active = await bed.WaitForPhaseAsync("solo", ServerPhase.Active);
        Assert.Equal("node-1", active.Status!.Node);
        Assert.Equal(2, active.Status.SchedulingAttempts);
        Assert.Null(active.Status.Fault);
    }

    [Fact]
    public async Task A_server_created_before_any_hypervisor_waits_for_one_instead_of_running_out_of_retries()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 0);
        await bed.CreateAsync(ServerTestBed.NewServer("early", network: false));
        var waiting = await bed.WaitForPhaseAsync("early", ServerPhase.Error);
        Assert.Equal("NoValidHost", Conditions.Find(waiting.Status!, "Scheduled")!.Reason);
        Assert.Equal("No valid host was found. There are no hosts. The filters left no host (attempt 1 of 3; retried when hosts change).", waiting.Status!.Fault!.Message);

        await bed.Nodes.AddAsync("node-1");
        var active = await bed.WaitForPhaseAsync("early", ServerPhase.Active);
        Assert.Equal("node-1", active.Status!.Node);
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
