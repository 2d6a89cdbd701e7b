using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerPowerTests
{
    [Theory]
    [InlineData(DesiredPowerState.Stopped, ServerPhase.Stopped, ServerTaskState.PoweringOff, ObservedPowerState.Shutoff)]
    [InlineData(DesiredPowerState.Paused, ServerPhase.Paused, ServerTaskState.Pausing, ObservedPowerState.Paused)]
    [InlineData(DesiredPowerState.Suspended, ServerPhase.Suspended, ServerTaskState.Suspending, ObservedPowerState.Suspended)]
    public async Task A_power_state_change_shows_its_task_until_the_node_reports_it_then_back_to_Running(
        DesiredPowerState desired, ServerPhase phase, ServerTaskState task, ObservedPowerState observed)
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateAsync(ServerTestBed.NewServer("vm", network: false));
        await bed.WaitForPhaseAsync("vm", ServerPhase.Active);

        bed.Nodes.Options.Stalled["node-1"] = true;
        await bed.PatchSpecAsync("vm", new { powerState = desired.ToString() });
        var converging = await bed.WaitForAsync("vm", s => s.Status?.TaskState == task, $"taskState {task}");
        Assert.Equal(ServerPhase.Active, converging.Status!.Phase);
        Assert.False(Conditions.IsTrue(converging.Status, ConditionTypes.Ready));

        bed.Nodes.Resume("node-1");
        var reached = await bed.WaitForAsync("vm", s => s.Status?.Phase == phase && Conditions.IsTrue(s.Status, ConditionTypes.Ready), $"phase {phase} and Ready");
        Assert.Null(reached.Status!.TaskState);
        Assert.Equal(observed, reached.Status.PowerState);
        Assert.Equal(phase.ToString(), Conditions.Find(reached.Status, ConditionTypes.Ready)!.Reason);

        await bed.PatchSpecAsync("vm", new { powerState = "Running" });
        var running = await bed.WaitForPhaseAsync("vm", ServerPhase.Active);
        Assert.Equal(ObservedPowerState.Running, running.Status!.PowerState);
    }

    [Fact]
    public async Task A_reboot_request_is_rebooting_until_the_node_has_handled_that_value()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateAsync(ServerTestBed.NewServer("vm", network: false));
        await bed.WaitForPhaseAsync("vm", ServerPhase.Active);

        bed.Nodes.Options.Stalled["node-1"] = true;
        await bed.AnnotateAsync("vm", ApiGroup.RebootRequestedAtAnnotation, "2026-12-03T12:00:00Z");
        var rebooting = await bed.WaitForAsync("vm", s => s.Status?.TaskState == ServerTaskState.Rebooting, "taskState rebooting");
        Assert.Equal(ServerPhase.Active, rebooting.Status!.Phase);
        Assert.False(Conditions.IsTrue(rebooting.Status, ConditionTypes.Ready));

        bed.Nodes.Resume("node-1");
        var done = await bed.WaitForAsync("vm", s => s.Status?.ObservedRebootRequest == "2026-12-03T12:00:00Z" && s.Status.TaskState is null && Conditions.IsTrue(s.Status, ConditionTypes.Ready), "reboot handled");
        Assert.Equal(ServerPhase.Active, done.Status!.Phase);
    }
}
