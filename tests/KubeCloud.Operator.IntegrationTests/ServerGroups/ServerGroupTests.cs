using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.ServerGroups;
using KubeCloud.Operator.IntegrationTests.Volumes;
using static KubeCloud.Operator.IntegrationTests.Volumes.NodeReports;

namespace KubeCloud.Operator.IntegrationTests.ServerGroups;

/// <summary>The ServerGroup controller: members from the Servers' hints, and the policy checked on the placed members.</summary>
public sealed class ServerGroupTests
{
    private const string Ns = "project-a";

    [Theory]
    [InlineData(ServerGroupPolicy.AntiAffinity, "c1", "c1", ServerGroupPolicyCheck.AntiAffinityViolated, "anti-affinity allows 1 member(s) per node: vm1, vm2 share node c1")]
    [InlineData(ServerGroupPolicy.Affinity, "c1", "c2", ServerGroupPolicyCheck.AffinityViolated, "affinity wants every member on one node: vm1 on c1; vm2 on c2")]
    [InlineData(ServerGroupPolicy.SoftAntiAffinity, "c1", "c1", null, null)]
    [InlineData(ServerGroupPolicy.AntiAffinity, "c1", "c2", null, null)]
    public async Task Members_follow_the_servers_and_a_placement_that_breaks_the_policy_is_a_condition(ServerGroupPolicy policy, string node1, string node2, string? reason, string? message)
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(new ServerGroup { Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = Ns }, Spec = new ServerGroupSpec { Policy = policy } });
        await cluster.StartOperatorAsync(s => s.Controllers = [ServerGroupReconciler.ControllerName]);

        foreach (var (name, node) in new[] { ("vm1", node1), ("vm2", node2) })
        {
            var server = Server(Ns, name);
            server.Spec.SchedulerHints = new SchedulerHints { ServerGroup = "g" };
            await PlaceAsync(client, await client.CreateAsync(server), node); // as a forced placement would
        }

        await client.CreateAsync(Server(Ns, "loner"));
        var group = await ObjectWait.UntilAsync<ServerGroup>(client, "g", Ns,
            g => g?.Status?.Members is ["vm1", "vm2"] && Conditions.Find(g.Status, ServerGroupReconciler.PolicySatisfied)?.Status == (reason is null ? ConditionStatus.True : ConditionStatus.False),
            "two members and the policy judged");
        var condition = Conditions.Find(group!.Status, ServerGroupReconciler.PolicySatisfied)!;
        Assert.Equal(reason ?? "Satisfied", condition.Reason);
        if (message is not null)
        {
            Assert.Equal(message, condition.Message);
            await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "g", reason!)).Count > 0, $"a {reason} event");
        }

        // A member goes: the group shrinks, and a broken policy heals.
        await client.DeleteAsync<Server>("vm2", Ns);
        var healed = await ObjectWait.UntilAsync<ServerGroup>(client, "g", Ns, g => g?.Status?.Members is ["vm1"], "one member");
        Assert.True(Conditions.IsTrue(healed!.Status, ServerGroupReconciler.PolicySatisfied));
        Assert.True(Conditions.IsTrue(healed.Status, "Ready"));
    }
}
