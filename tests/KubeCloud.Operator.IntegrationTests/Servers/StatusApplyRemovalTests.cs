using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

/// <summary>
/// What the Server controller relies on in the local API server's server-side apply: a field the operator stops
/// applying is removed whole, a struct (status.fault) and a keyed list item (a condition) alike, and the node's
/// fields stay.
/// </summary>
public sealed class StatusApplyRemovalTests
{
    [Fact]
    public async Task Leaving_out_a_struct_and_a_condition_removes_them_whole_and_keeps_the_other_managers_fields()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        var server = await client.CreateAsync(ServerTestBed.NewServer("ssa", network: false));
        var now = DateTimeOffset.UtcNow;
        await client.PatchStatusAsync<Server>("ssa", ServerTestBed.Project, KubePatch.Apply(new Dictionary<string, object>
        {
            ["apiVersion"] = ApiGroup.GroupVersion,
            ["kind"] = Server.KubeKind,
            ["metadata"] = new Dictionary<string, object> { ["name"] = "ssa", ["namespace"] = ServerTestBed.Project },
            ["status"] = new ServerStatus { PowerState = ObservedPowerState.Running, Conditions = [Condition("Spawned", now)] },
        }), new PatchOptions { FieldManager = NodeSimulator.FieldManager, Force = true });

        var first = new ServerStatus
        {
            Phase = ServerPhase.Error,
            Fault = new ServerFault { Code = 500, Message = "boom", Details = "d", Time = now },
            Conditions = [Condition("Ready", now), Condition("HostDown", now)],
        };
        await client.ApplyStatusAsync(server, first, CancellationToken.None);
        var second = new ServerStatus { Phase = ServerPhase.Active, Conditions = [Condition("Ready", now)] };
        var stored = await client.ApplyStatusAsync(server, second, CancellationToken.None);

        Assert.Null(stored.Status!.Fault);
        Assert.Equal(["Ready", "Spawned"], stored.Status.Conditions!.Select(c => c.Type).Order(StringComparer.Ordinal));
        Assert.Equal(ObservedPowerState.Running, stored.Status.PowerState);
        Assert.Equal(ServerPhase.Active, stored.Status.Phase);
    }

    private static Condition Condition(string type, DateTimeOffset now) =>
        new() { Type = type, Status = ConditionStatus.True, Reason = "Test", LastTransitionTime = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) };
}
