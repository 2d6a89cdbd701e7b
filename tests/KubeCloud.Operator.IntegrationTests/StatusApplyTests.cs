using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers;

namespace KubeCloud.Operator.IntegrationTests;

/// <summary>The operator and the node daemon write one Server's status side by side, each its own fields (README, "Who writes what").</summary>
public sealed class StatusApplyTests
{
    private static Condition Condition(string type, string reason) => new()
    {
        Type = type,
        Status = ConditionStatus.True,
        Reason = reason,
        LastTransitionTime = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Each_writer_keeps_its_own_fields_and_conditions_when_the_other_applies()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        var server = await client.Resource<Server>("project-a").CreateAsync(new Server
        {
            Metadata = new V1ObjectMeta { Name = "vm1", NamespaceProperty = "project-a" },
            Spec = new ServerSpec { FlavorRef = new LocalObjectReference { Name = "m1.small" }, ImageRef = new NamespacedObjectReference { Name = "debian" } },
        });

        await client.ApplyStatusAsync(server, new ServerStatus { Phase = ServerPhase.Building, Node = "node-1", Conditions = [Condition("Scheduled", "Scheduled")] }, default);
        var node = new Dictionary<string, object?>
        {
            ["apiVersion"] = server.ApiVersion,
            ["kind"] = server.Kind,
            ["metadata"] = new Dictionary<string, object?> { ["name"] = "vm1", ["namespace"] = "project-a" },
            ["status"] = new ServerStatus { PowerState = ObservedPowerState.Running, Conditions = [Condition("Spawned", "Converged")] },
        };
        await client.Resource<Server>("project-a").PatchStatusAsync("vm1", KubePatch.Apply(node), new PatchOptions { FieldManager = "kubecloud-node", Force = true });
        var after = await client.ApplyStatusAsync(server, new ServerStatus { Phase = ServerPhase.Active, Node = "node-1", Conditions = [Condition("Scheduled", "Scheduled"), Condition("Ready", "Active")] }, default);

        Assert.Equal(ServerPhase.Active, after.Status!.Phase);
        Assert.Equal(ObservedPowerState.Running, after.Status!.PowerState);
        Assert.Equal(["Ready", "Scheduled", "Spawned"], after.Status!.Conditions!.Select(c => c.Type).Order(StringComparer.Ordinal));

        // The operator drops a condition it owned: it goes; the node's stays.
        after = await client.ApplyStatusAsync(server, new ServerStatus { Phase = ServerPhase.Active, Node = "node-1", Conditions = [Condition("Ready", "Active")] }, default);
        Assert.Equal(["Ready", "Spawned"], after.Status!.Conditions!.Select(c => c.Type).Order(StringComparer.Ordinal));
        Assert.Equal(ObservedPowerState.Running, after.Status!.PowerState);
    }
}
