using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.IntegrationTests;

public sealed class OperatorClusterTests
{
    [Fact]
    public async Task Every_KubeCloud_kind_is_served_and_an_operator_starts_and_turns_ready()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        Assert.Empty((await client.Resource<Flavor>().ListAsync()).Items ?? []);
        Assert.Empty((await client.Resource<Hypervisor>().ListAsync()).Items ?? []);
        Assert.Empty((await client.Resource<ProjectQuota>("project-a").ListAsync()).Items ?? []);

        var op = await cluster.StartOperatorAsync();
        using var http = new HttpClient { BaseAddress = op.HealthEndpoint };
        await OperatorCluster.EventuallyAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, "/readyz answers 200");
    }
}
