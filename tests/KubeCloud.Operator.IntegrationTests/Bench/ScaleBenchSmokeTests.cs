using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.Operator.Scale.Bench;

namespace KubeCloud.Operator.IntegrationTests.Bench;

/// <summary>
/// The scale bench's code path (tests/KubeCloud.Operator.Scale.Bench) at smoke size with the operator in-process: every
/// server reaches Active through the operator and the node simulator. No timing is asserted; the figures are
/// the bench's to print.
/// </summary>
public sealed class ScaleBenchSmokeTests
{
    [Fact]
    public async Task Fifty_servers_on_five_hypervisors_all_reach_Active_and_the_figures_print()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await cluster.StartOperatorAsync();
        var options = new ScaleOptions { Servers = 50, Hypervisors = 5, WaveTimeout = TimeSpan.FromMinutes(1) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var run = await ScaleRun.PrepareAsync(client, options, stop.Token);

        var wave = await run.WaveAsync(options.Servers, stop.Token);

        Assert.True(wave.Completed, run.Describe());
        Assert.Equal(options.Servers, wave.Active);
        Assert.All(wave.Servers, s => Assert.NotNull(s.Scheduled));
        var servers = (await client.Resource<Server>(options.Namespace).ListAsync(cancellationToken: stop.Token)).Items ?? [];
        Assert.Equal(options.Servers, servers.Count);
        Assert.All(servers, s =>
        {
            Assert.Equal(ServerPhase.Active, s.Status?.Phase);
            Assert.Contains(s.Status?.Node, run.Cloud.Hypervisors);
            Assert.Equal(s.Status?.Node, s.Metadata.Labels?[ApiGroup.NodeLabel]);
            Assert.Contains(NodeSimulator.NodeCleanupFinalizer, s.Metadata.Finalizers ?? []);
        });

        using var text = new StringWriter();
        var report = new FigureReport(text);
        var runtime = MetricsScrape.Between(MetricsScrape.Parse(string.Empty), MetricsScrape.Parse(await RuntimeMetrics.ScrapeAsync(stop.Token)));
        report.Wave(wave, runtime, default, default, TimeSpan.Zero, ProcessProbe.LoadAverage(), run);
        Assert.Contains($"{options.Servers} Active", text.ToString(), StringComparison.Ordinal);
        Assert.Contains(runtime.Controllers, c => c.Controller == "server" && c.Reconciles >= options.Servers);
    }
}
