using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Mapping;
using KubeCloud.Operator.Scale.Bench;

namespace KubeCloud.Node.IntegrationTests.MultiNode;

/// <summary>
/// The scale bench's code path (tests/KubeCloud.Operator.Scale.Bench, <c>--node-daemons real</c>) at CI size, everything
/// in this process: the operator and 10 real node daemons on the fake driver (<see cref="NodeFleet"/>), 100 servers
/// created at once. Every server goes Active, no node holds more than its room (<see cref="PlacementAudit"/>), and each
/// server's domain is on its node's driver and on no other. No timing is asserted; the bench prints the figures.
/// </summary>
public sealed class FakeFleetScaleTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "kc-fleet-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_hundred_servers_on_ten_node_daemons_all_go_Active_and_no_node_is_over_its_room()
    {
        await using var cluster = await NodeCluster.StartAsync();
        await using var op = await InProcessOperator.StartAsync(cluster);
        var options = new ScaleOptions { Servers = 100, Hypervisors = 10, WaveTimeout = TimeSpan.FromMinutes(4) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        NodeFleet? fleet = null;
        await using var run = await ScaleRun.PrepareAsync(cluster.Client, options, async (cloud, ct) =>
        {
            fleet = await NodeFleet.StartAsync(cluster.Config(), cloud.Hypervisors, _state, null, new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } }, ct);
            await HypervisorReadiness.WaitAsync(cluster.Client, cloud.Hypervisors, TimeSpan.FromMinutes(1), ct);
            return fleet;
        }, stop.Token);

        var wave = await run.WaveAsync(options.Servers, stop.Token);

        Assert.True(wave.Completed, run.Describe());
        Assert.Equal(options.Servers, wave.Active);
        using var printed = new StringWriter();
        var problems = await new NodeFigures(printed).AuditAsync(cluster.Client, run, stop.Token);
        Assert.True(problems.Count == 0, printed.ToString());
        var servers = (await cluster.Client.ListAsync<Api.V1Alpha1.Server>(options.Namespace, cancellationToken: stop.Token)).Items ?? [];
        Assert.Equal(options.Servers, servers.Count);
        Assert.All(run.Cloud.Hypervisors, node =>
            Assert.Equal(servers.Where(s => s.Status?.Node == node).Select(ServerDomainMapper.DomainName).Order(StringComparer.Ordinal), fleet!.DomainsOf(node).Order(StringComparer.Ordinal)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, true);
        }
    }
}
