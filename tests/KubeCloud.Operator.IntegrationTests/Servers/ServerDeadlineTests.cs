using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerDeadlineTests
{
    [Fact]
    public async Task A_node_that_never_spawns_is_Error_naming_the_step_and_the_server_recovers_when_the_node_reports()
    {
        var nodes = new NodeSimulatorOptions();
        nodes.Stalled["node-1"] = true;
        await using var bed = await ServerTestBed.StartAsync(nodes: 1, nodeOptions: nodes, configure: s => s.Servers.SpawningDeadline = TimeSpan.FromSeconds(2));
        await bed.CreateAsync(ServerTestBed.NewServer("slow"));

        var building = await bed.WaitForAsync("slow", s => s.Status?.TaskState == ServerTaskState.Spawning, "spawning");
        Assert.Equal(ServerPhase.Building, building.Status!.Phase);
        var failed = await bed.WaitForPhaseAsync("slow", ServerPhase.Error);
        Assert.Equal("The spawning step did not finish within 2 s: waiting for node node-1 to report the server spawned (image: not reported yet).", failed.Status!.Fault!.Message);
        Assert.Equal("DeadlineExceeded", Conditions.Find(failed.Status, ConditionTypes.Ready)!.Reason);

        bed.Nodes.Resume("node-1");
        var recovered = await bed.WaitForPhaseAsync("slow", ServerPhase.Active);
        Assert.Null(recovered.Status!.Fault);
    }

    [Fact]
    public async Task A_missing_flavor_is_a_wait_then_Error_past_the_scheduling_deadline_and_the_server_converges_when_it_appears()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1, configure: s => s.Servers.SchedulingDeadline = TimeSpan.FromSeconds(2));
        await bed.CreateAsync(ServerTestBed.NewServer("early", flavor: "later"));

        var waiting = await bed.WaitForAsync("early", s => Conditions.Find(s.Status, "Scheduled")?.Reason == "WaitingForReferences", "waiting for references");
        Assert.Equal("waiting for flavor later (spec.flavorRef)", Conditions.Find(waiting.Status, "Scheduled")!.Message);
        var failed = await bed.WaitForPhaseAsync("early", ServerPhase.Error);
        Assert.Equal("The scheduling step did not finish within 2 s: waiting for flavor later (spec.flavorRef).", failed.Status!.Fault!.Message);

        await bed.CreateFlavorAsync("later", 1, "1Gi");
        var active = await bed.WaitForPhaseAsync("early", ServerPhase.Active);
        Assert.Equal("later", active.Status!.Flavor!.Name);
        Assert.Null(active.Status.Fault);
    }
}
