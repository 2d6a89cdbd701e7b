using k8s;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers.ProjectQuotas;
using KubeCloud.Operator.IntegrationTests.Volumes;
using KubeCloud.Operator.Quota;
using static KubeCloud.Operator.IntegrationTests.Volumes.NodeReports;

namespace KubeCloud.Operator.IntegrationTests.Quota;

/// <summary>The ProjectQuota controller counts usage from the objects themselves, so it follows creates and deletes and cannot drift.</summary>
public sealed class ProjectQuotaTests
{
    private const string Ns = "project-a";

    [Fact]
    public async Task Usage_follows_50_concurrent_creates_and_25_deletes_and_equals_a_fresh_count()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(new Flavor { Metadata = new V1ObjectMeta { Name = "m1.small" }, Spec = new FlavorSpec { Vcpus = 2, Memory = Quantity.Parse("2Gi") } });
        await client.CreateAsync(Quota("q", new QuotaAmounts { Servers = 100 }));
        await client.CreateAsync(Quota("elsewhere", new QuotaAmounts { Servers = 100 }, "project-b"));
        await cluster.StartOperatorAsync(s => s.Controllers = [ProjectQuotaReconciler.ControllerName]);

        var objects = Enumerable.Range(0, 50).Select(i => (i % 5) switch
        {
            0 => (IKubernetesObject<V1ObjectMeta>)Server(Ns, $"vm-{i}"),
            1 => Volume(Ns, $"vol-{i}", $"{i}Gi"),
            2 => new Network { Metadata = new V1ObjectMeta { Name = $"net-{i}", NamespaceProperty = Ns } },
            3 => new Port { Metadata = new V1ObjectMeta { Name = $"port-{i}", NamespaceProperty = Ns }, Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "net-2" } } },
            _ => new ServerGroup { Metadata = new V1ObjectMeta { Name = $"grp-{i}", NamespaceProperty = Ns }, Spec = new ServerGroupSpec { Policy = ServerGroupPolicy.AntiAffinity } },
        }).ToList();
        await Task.WhenAll(objects.Select(o => CreateAsync(client, o)));
        await Task.WhenAll(objects.Where((_, i) => i % 2 == 1).Select(o => DeleteAsync(client, o)));

        var expected = (await FreshCountAsync(client)).ToAmounts();
        Assert.Equal((5, 10, Quantity.Parse("10Gi"), 5, 5, 5, 5), (expected.Servers, expected.Vcpus, expected.Memory, expected.Volumes, expected.Networks, expected.Ports, expected.ServerGroups));
        var quota = await ObjectWait.UntilAsync<ProjectQuota>(client, "q", Ns, q => Same(q?.Status?.Used, expected), "used equal to a fresh count");
        Assert.True(Conditions.IsTrue(quota!.Status, ConditionTypes.Ready));
        Assert.False(Conditions.IsTrue(quota.Status, ProjectQuotaReconciler.QuotaExceeded));
        Assert.Equal(0, (await client.GetAsync<ProjectQuota>("elsewhere", "project-b")).Status?.Used?.Servers ?? 0);
    }

    [Fact]
    public async Task A_limit_lowered_under_the_usage_sets_QuotaExceeded_until_the_usage_drops()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        foreach (var i in Enumerable.Range(1, 3))
        {
            await client.CreateAsync(new Network { Metadata = new V1ObjectMeta { Name = $"net-{i}", NamespaceProperty = Ns } });
        }

        var quota = await client.CreateAsync(Quota("q", new QuotaAmounts { Networks = 5 }));
        await cluster.StartOperatorAsync(s => s.Controllers = [ProjectQuotaReconciler.ControllerName]);
        quota = await ObjectWait.UntilAsync<ProjectQuota>(client, "q", Ns, q => q?.Status?.Used?.Networks == 3, "3 networks counted");
        Assert.Equal("WithinLimits", Conditions.Find(quota!.Status, ProjectQuotaReconciler.QuotaExceeded)!.Reason);

        quota.Spec.Hard.Networks = 2;
        await client.UpdateAsync(quota);
        var over = await ObjectWait.UntilAsync<ProjectQuota>(client, "q", Ns, q => Conditions.IsTrue(q?.Status, ProjectQuotaReconciler.QuotaExceeded), "QuotaExceeded");
        var condition = Conditions.Find(over!.Status, ProjectQuotaReconciler.QuotaExceeded)!;
        Assert.Equal(("OverLimit", "networks over quota: limit 2, used 3; nothing more can be created until usage drops or the limit is raised"), (condition.Reason, condition.Message));
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "q", "OverQuota")).Count > 0, "an OverQuota event");

        await client.DeleteAsync<Network>("net-3", Ns);
        await ObjectWait.UntilAsync<ProjectQuota>(client, "q", Ns,
            q => q?.Status?.Used?.Networks == 2 && Conditions.Find(q.Status, ProjectQuotaReconciler.QuotaExceeded)?.Status == ConditionStatus.False, "within limits again");
    }

    private static ProjectQuota Quota(string name, QuotaAmounts hard, string ns = Ns) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new ProjectQuotaSpec { Hard = hard } };

    private static async Task<QuotaUsage> FreshCountAsync(KubeClient client)
    {
        var flavors = (await client.ListAsync<Flavor>()).Items ?? [];
        return ProjectUsageCounter.Count(
            new ProjectObjects(
                (await client.ListAsync<Server>(Ns)).Items ?? [],
                (await client.ListAsync<Volume>(Ns)).Items ?? [],
                (await client.ListAsync<Network>(Ns)).Items ?? [],
                (await client.ListAsync<Port>(Ns)).Items ?? [],
                (await client.ListAsync<ServerGroup>(Ns)).Items ?? []),
            name => flavors.FirstOrDefault(f => f.Metadata.Name == name));
    }

    private static bool Same(QuotaAmounts? used, QuotaAmounts expected) =>
        used is not null && KubernetesJson.Serialize(used) == KubernetesJson.Serialize(expected);

    private static Task CreateAsync(KubeClient client, IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        Server s => client.CreateAsync(s),
        Volume v => client.CreateAsync(v),
        Network n => client.CreateAsync(n),
        Port p => client.CreateAsync(p),
        ServerGroup g => client.CreateAsync(g),
        _ => throw new ArgumentOutOfRangeException(nameof(obj)),
    };

    private static Task DeleteAsync(KubeClient client, IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        Server s => client.DeleteAsync<Server>(s.Metadata.Name, Ns),
        Volume v => client.DeleteAsync<Volume>(v.Metadata.Name, Ns),
        Network n => client.DeleteAsync<Network>(n.Metadata.Name, Ns),
        Port p => client.DeleteAsync<Port>(p.Metadata.Name, Ns),
        ServerGroup g => client.DeleteAsync<ServerGroup>(g.Metadata.Name, Ns),
        _ => throw new ArgumentOutOfRangeException(nameof(obj)),
    };
}
