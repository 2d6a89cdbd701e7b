using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers.Networks;
using static KubeCloud.Operator.IntegrationTests.Networking.NetworkObjects;

namespace KubeCloud.Operator.IntegrationTests.Networking;

/// <summary>VNIs: no duplicates when networks are created at once, exhaustion named, kept across a restart, reused once freed.</summary>
public sealed class SegmentationIdTests
{
    [Fact]
    public async Task Networks_created_at_once_get_distinct_VNIs_keep_them_across_a_restart_and_wait_for_a_free_one_when_the_range_is_exhausted()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        void Range(OperatorSettings s) => (s.VniRangeFirst, s.VniRangeLast) = (100, 109);
        var first = await cluster.StartOperatorAsync(Range, identity: "operator-1");

        await Parallel.ForEachAsync(Enumerable.Range(0, 10), async (i, ct) => await client.CreateAsync(Network($"v{i}", Subnet("s", $"10.{i}.0.0/24")), cancellationToken: ct));
        IReadOnlyList<Network> networks = [];
        await OperatorCluster.EventuallyAsync(async () => (networks = await NetworksAsync(client)).Count(n => Ready(n.Status)?.Status == ConditionStatus.True) == 10,
            "ten networks Ready");
        var vnis = networks.ToDictionary(n => n.Metadata.Name, n => n.Status!.SegmentationId!.Value);
        Assert.Equal(Enumerable.Range(100, 10), vnis.Values.Order());

        await client.CreateAsync(Network("v10", Subnet("s", "10.10.0.0/24")));
        var refused = await WaitForAsync(client, "v10", n => Ready(n.Status)?.Reason == NetworkReasons.SegmentationIdUnavailable);
        Assert.Equal("status.segmentationId: no VNI left in the range 100-109 (10 in use); widen the operator's VNI range", Ready(refused.Status)!.Message);
        Assert.Null(refused.Status!.SegmentationId);

        // A new operator rebuilds the VNIs from the statuses: nobody's VNI moves, the range is still full.
        await first.StopAsync(abrupt: true);
        await cluster.StartOperatorAsync(Range, identity: "operator-2");
        await client.CreateAsync(Network("v11", Subnet("s", "10.11.0.0/24")));
        await WaitForAsync(client, "v11", n => Ready(n.Status)?.Reason == NetworkReasons.SegmentationIdUnavailable);
        Assert.Equal(vnis, (await NetworksAsync(client)).Where(n => vnis.ContainsKey(n.Metadata.Name)).ToDictionary(n => n.Metadata.Name, n => n.Status!.SegmentationId!.Value));

        // Deleting a network frees its VNI for one of the two waiting networks.
        await client.DeleteAsync<Network>("v3", Project);
        await OperatorCluster.EventuallyAsync(async () => (networks = await NetworksAsync(client)).Count == 11 && networks.Count(n => n.Status?.SegmentationId is not null) == 10,
            "a waiting network got the freed VNI");
        Assert.Equal(Enumerable.Range(100, 10), networks.Select(n => n.Status?.SegmentationId).OfType<int>().Order());
        Assert.Contains(networks.Single(n => n.Status?.SegmentationId == vnis["v3"]).Metadata.Name, new[] { "v10", "v11" });
    }

    private static async Task<IReadOnlyList<Network>> NetworksAsync(KubeClient client) => (await client.Resource<Network>(Project).ListAsync()).Items ?? [];

    private static async Task<Network> WaitForAsync(KubeClient client, string name, Func<Network, bool> condition)
    {
        Network? network = null;
        await OperatorCluster.EventuallyAsync(async () => condition(network = await client.GetAsync<Network>(name, Project)), $"network {name}");
        return network!;
    }
}
