using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerDeletionTests
{
    [Fact]
    public async Task A_server_in_Error_deletes_cleanly()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateFlavorAsync("huge", 1, "512Gi");
        await bed.CreateAsync(ServerTestBed.NewServer("broken", flavor: "huge"));
        await bed.WaitForPhaseAsync("broken", ServerPhase.Error);

        await bed.Client.DeleteAsync<Server>("broken", ServerTestBed.Project);
        await bed.WaitGoneAsync("broken");
        Assert.Empty(await bed.PortsAsync());
        Assert.Equal(0, bed.Placement.Ledger.Count);
    }

    [Fact]
    public async Task A_server_deleted_mid_build_waits_for_the_node_cleanup_then_leaves_no_port_or_claim()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1, nodeOptions: new NodeSimulatorOptions { SpawnDelay = TimeSpan.FromHours(1) });
        await bed.CreateAsync(ServerTestBed.NewServer("half"));
        var building = await bed.WaitForAsync("half", s => Conditions.Find(s.Status, "Spawned")?.Reason == "Spawning", "the node spawning it");
        Assert.Contains(NodeSimulator.NodeCleanupFinalizer, building.Metadata.Finalizers);
        Assert.Single(await bed.PortsAsync());
        Assert.Equal(1, bed.Placement.Ledger.Count);

        await bed.Client.DeleteAsync<Server>("half", ServerTestBed.Project);
        await bed.WaitGoneAsync("half");
        await OperatorCluster.EventuallyAsync(async () => (await bed.PortsAsync()).Count == 0, "the server's port deleted");
        Assert.Equal(0, bed.Placement.Ledger.Count);
    }

    [Fact]
    public async Task The_binding_carries_the_node_cleanup_finalizer_and_a_node_that_went_down_without_seeing_the_server_does_not_hold_its_deletion()
    {
        var nodes = new NodeSimulatorOptions();
        nodes.Stalled["node-1"] = true; // a daemon that has not looked at the server (yet)
        await using var bed = await ServerTestBed.StartAsync(nodes: 1, nodeOptions: nodes);
        await bed.CreateAsync(ServerTestBed.NewServer("unseen", network: false));
        var bound = await bed.WaitForAsync("unseen", s => NodeReport.ValueOf(s.Metadata.Labels, ApiGroup.NodeLabel) == "node-1", "bound to node-1");
        Assert.Contains(NodeSimulator.NodeCleanupFinalizer, bound.Metadata.Finalizers); // in the operator's binding write, not a later node write

        // The node is Ready: it owns the cleanup, and the deletion waits for it.
        await bed.Client.DeleteAsync<Server>("unseen", ServerTestBed.Project);
        var waiting = await bed.WaitForAsync("unseen", s => s.Status?.Phase == ServerPhase.Deleting, "Deleting");
        Assert.Contains(NodeSimulator.NodeCleanupFinalizer, waiting.Metadata.Finalizers);
        Assert.Contains("waiting for node node-1 to clean up", Conditions.Find(waiting.Status, ConditionTypes.Ready)!.Message, StringComparison.Ordinal);

        // The node goes down having never reported on the server: nothing would take the finalizer off, so the operator does.
        await bed.Nodes.SetDownAsync("node-1", true);
        await bed.WaitGoneAsync("unseen");
        Assert.Equal(0, bed.Placement.Ledger.Count);
    }

    [Fact]
    public async Task Servers_on_a_hypervisor_that_is_not_Ready_get_HostDown_and_lose_it_when_it_is_back()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateAsync(ServerTestBed.NewServer("vm", network: false));
        await bed.WaitForPhaseAsync("vm", ServerPhase.Active);

        await bed.Nodes.SetDownAsync("node-1", true);
        var down = await bed.WaitForAsync("vm", s => Conditions.IsTrue(s.Status, "HostDown"), "HostDown True");
        Assert.Equal("HypervisorNotReady", Conditions.Find(down.Status, "HostDown")!.Reason);
        Assert.Equal("HostDown", Conditions.Find(down.Status, ConditionTypes.Ready)!.Reason);
        Assert.Equal("node-1", down.Status!.Node);

        await bed.Nodes.SetDownAsync("node-1", false);
        var back = await bed.WaitForPhaseAsync("vm", ServerPhase.Active);
        Assert.Equal(ConditionStatus.False, Conditions.Find(back.Status, "HostDown")!.Status);
    }
}
