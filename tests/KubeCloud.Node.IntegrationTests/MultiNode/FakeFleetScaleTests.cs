using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Mapping;
using KubeCloud.Operator.Scale.Bench;
using Xunit.Abstractions;

namespace KubeCloud.Node.IntegrationTests.MultiNode;

/// <summary>
/// The scale bench's code path (tests/KubeCloud.Operator.Scale.Bench, <c>--node-daemons real</c>) in this process: the
/// operator and N real node daemons on the fake driver (<see cref="NodeFleet"/>), M servers created at once, at CI's small
/// size and at issue 12's (100 daemons, 2,000 servers). Every server goes Active within the row's bound, no node holds
/// more than its room (<see cref="PlacementAudit"/>), and each server's domain is on its node's driver and on no other.
/// No timing is asserted beyond the bound each row states; the bench prints the figures.
/// </summary>
public sealed class FakeFleetScaleTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "kc-fleet-" + Guid.NewGuid().ToString("N")[..8]);

    public static TheoryData<string, int, int, int> Sizes => new()
    {
        // name, node daemons, servers, minutes the wave may take (the bound the test states)
        { "ten daemons, a hundred servers", 10, 100, 4 },
        { "issue 12's size: a hundred daemons, two thousand servers", 100, 2000, 10 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Servers_created_at_once_on_a_fleet_of_node_daemons_all_go_Active_and_no_node_is_over_its_room(string size, int daemons, int serverCount, int minutes)
    {
        Assert.NotEmpty(size);
        await using var cluster = await NodeCluster.StartAsync();
        await using var op = await InProcessOperator.StartAsync(cluster);
        var options = new ScaleOptions { Servers = serverCount, Hypervisors = daemons, WaveTimeout = TimeSpan.FromMinutes(minutes) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes + 6));
        NodeFleet? fleet = null;
        await using var run = await ScaleRun.PrepareAsync(cluster.Client, options, async (cloud, ct) =>
        {
            fleet = await NodeFleet.StartAsync(cluster.Config(), cloud.Hypervisors, _state, null, new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } }, ct);
            await HypervisorReadiness.WaitAsync(cluster.Client, cloud.Hypervisors, TimeSpan.FromMinutes(3), ct);
            return fleet;
        }, stop.Token);

        var wave = await run.WaveAsync(options.Servers, stop.Token);
        output.WriteLine(FormattableString.Invariant($"{size}: {wave.Active} of {wave.Count} Active in {wave.Elapsed.TotalSeconds:F1} s = {wave.ServerRate:F1} servers/s; creates {wave.CreateRate:F0}/s; creation to Active {wave.ToActive}; load average {ProcessProbe.LoadAverage()}"));

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
