using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Flavors;

namespace KubeCloud.Operator.IntegrationTests.Flavors;

/// <summary>The Flavor controller's status against the local API server.</summary>
public sealed class FlavorControllerTests
{
    public static TheoryData<string, Action<FlavorSpec>, ConditionStatus, string, string> Cases => new()
    {
        { "public", _ => { }, ConditionStatus.True, FlavorReconciler.ReadyReason, "2 vCPUs, 1Gi memory, 10Gi root disk" },
        { "private with projects", s => (s.Public, s.Projects) = (false, ["project-a"]), ConditionStatus.True, FlavorReconciler.ReadyReason, "2 vCPUs" },
        {
            "private without projects", s => s.Public = false, ConditionStatus.True, FlavorReconciler.PrivateWithoutProjects,
            "the flavor is private and spec.projects lists no namespace: only admins can use it"
        },
        {
            "no memory", s => s.Memory = Quantity.Parse("0"), ConditionStatus.False, FlavorReconciler.InvalidReason,
            "spec.memory: 0 is not a size a server can have: give the memory as a positive quantity such as 512Mi"
        },
        { "negative swap", s => s.Swap = Quantity.Parse("-1Gi"), ConditionStatus.False, FlavorReconciler.InvalidReason, "spec.swap: -1Gi is negative: give 0 for none" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_flavor_gets_its_Ready_condition(string name, Action<FlavorSpec> change, ConditionStatus ready, string reason, string message)
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await cluster.StartOperatorAsync();
        var flavor = new Flavor
        {
            Metadata = new V1ObjectMeta { Name = "m1" },
            Spec = new FlavorSpec { Vcpus = 2, Memory = Quantity.Parse("1Gi"), RootDisk = Quantity.Parse("10Gi") },
        };
        change(flavor.Spec);
        await client.CreateAsync(flavor);

        Condition? condition = null;
        await OperatorCluster.EventuallyAsync(async () => (condition = Conditions.Find((flavor = await client.GetAsync<Flavor>("m1")).Status, ConditionTypes.Ready)) is not null, $"{name}: Ready set");
        Assert.Equal((ready, reason), (condition!.Status, condition.Reason));
        Assert.Contains(message, condition.Message, StringComparison.Ordinal);
        Assert.Equal(flavor.Metadata.Generation, flavor.Status!.ObservedGeneration);
    }
}
