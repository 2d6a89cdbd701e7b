using System.Diagnostics;
using System.Globalization;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Operator.Scale.Bench;

// The operator at scale (issue 11's benchmark): kubecloud-apiserver and kubecloud-operator as processes of their own,
// the node daemons played by NodeSimulator in this process (or, with --node-daemons real, run as real node daemons on
// the fake driver in a process of their own). Figures are printed, never asserted.
switch (args)
{
    case [NodeFleetProcess.Verb, .. var fleetArgs]:
        return await NodeFleetProcess.RunAsync(fleetArgs);
    case [NodeFigures.IdleVerb]:
        Console.WriteLine("idle");
        await Task.Delay(Timeout.Infinite);
        return 0;
}

ScaleOptions options;
BenchSwitches switches;
try
{
    (options, switches) = BenchArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"kubecloud scale bench: {e.Message}");
    Console.Error.WriteLine(BenchArguments.Usage);
    return 2;
}

if (switches.Help)
{
    Console.WriteLine(BenchArguments.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var report = new FigureReport();
report.Header(options, switches);
var work = Directory.CreateTempSubdirectory("kubecloud-scale-bench-");
try
{
    var (apiServer, kubeconfig) = await ApiServerProcess.StartAsync(switches.ApiServerDll ?? BinaryPaths.ApiServer, work.FullName, watchHistory: 200_000);
    await using (apiServer)
    {
        using var client = new KubeClient(ClusterConfig.FromKubeconfig(kubeconfig));
        await client.CreateAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = "kubecloud-system" } }, cancellationToken: stop.Token);
        var nodeFigures = new NodeFigures();
        if (switches.NodeRss)
        {
            await NodeRssRun.RunAsync(kubeconfig, work.FullName, nodeFigures, switches, stop.Token);
            return 0;
        }

        NodeFleetProcess? fleet = null;
        await using var run = await ScaleRun.PrepareAsync(client, options, switches.RealNodeDaemons
            ? async (cloud, ct) => fleet = await NodeFleetProcess.StartAsync(kubeconfig, client, cloud.Hypervisors, Path.Combine(work.FullName, "nodes"), options.Heartbeat, TimeSpan.FromMinutes(5), ct)
            : null, stop.Token);
        var fleetIdle = fleet?.Probe.Sample() ?? default;
        var apiProbe = apiServer.Probe;

        // Baseline: the API server alone, the same creates with no operator running.
        var apiBefore = apiProbe.Sample();
        var baseline = await run.BaselineAsync(options.Servers, stop.Token);
        var apiBaselineCpu = apiProbe.Sample().CpuTime - apiBefore.CpuTime;
        report.Baseline(baseline, apiBaselineCpu);

        await using var op = await OperatorProcess.StartAsync(switches.OperatorDll ?? BinaryPaths.Operator, kubeconfig, switches.OperatorEnvironment, switches.OperatorArguments, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
        var idle = op.Probe.Sample();
        report.Idle(idle);

        // The measured wave.
        var metricsBefore = MetricsScrape.Parse(await op.ScrapeAsync(stop.Token));
        var opBefore = op.Probe.Sample();
        apiBefore = apiProbe.Sample();
        var load = ProcessProbe.LoadAverage();
        var revisionBefore = await WriteTally.RevisionAsync(client, stop.Token);
        var wave = await run.WaveAsync(options.Servers, stop.Token);
        var revisionAfter = await WriteTally.RevisionAsync(client, stop.Token);
        var opAfter = op.Probe.Sample();
        var apiAfter = apiProbe.Sample();
        var runtime = MetricsScrape.Between(metricsBefore, MetricsScrape.Parse(await op.ScrapeAsync(stop.Token)));
        report.Wave(wave, runtime, opBefore, opAfter, apiAfter.CpuTime - apiBefore.CpuTime, load, run);
        report.Writes(await WriteTally.CountAsync(client, run.Cloud.Namespace, revisionBefore, revisionAfter, stop.Token), revisionAfter - revisionBefore, wave.Count);
        if (fleet is not null)
        {
            nodeFigures.Fleet(fleet.Count, fleetIdle, fleet.Probe.Sample(), await NodeFigures.EmptyConsoleAppAsync(stop.Token));
        }

        await nodeFigures.AuditAsync(client, run, stop.Token);

        // Paced waves: the pod-startup SLO as clusterloader2 measures it, at each rate asked for.
        var paced = new List<WaveResult>();
        foreach (var rate in options.Rates)
        {
            opBefore = op.Probe.Sample();
            apiBefore = apiProbe.Sample();
            load = ProcessProbe.LoadAverage();
            var at = await run.WaveAsync(options.Servers, rate, stop.Token);
            paced.Add(at);
            report.Paced(at, op.Probe.Sample().CpuTime - opBefore.CpuTime, apiProbe.Sample().CpuTime - apiBefore.CpuTime, load, run);
        }

        report.PacedSummary(paced);

        // The memory figure: the cache topped up to options.Cached servers, then the operator left to settle.
        var created = options.Servers * (1 + options.Rates.Count);
        if (options.Cached > created)
        {
            var more = await run.WaveAsync(options.Cached - created, stop.Token);
            var settled = await op.SettleAsync(stop.Token);
            var sample = op.Probe.Sample();
            await InducedCollection.RunAsync(op.Id, stop.Token);
            report.Cached(options.Cached, more, sample, settled, run, op.Probe.Settled());
            if (switches.GcSettings || switches.RestartBuilds.Count > 0)
            {
                await op.DisposeAsync(); // one operator at a time against the cached servers
            }

            if (switches.RestartBuilds.Count > 0)
            {
                await OperatorRestarts.RunAsync(switches.OperatorDll ?? BinaryPaths.Operator, kubeconfig, switches, options.Cached, report, stop.Token);
            }

            if (switches.GcSettings)
            {
                await OperatorGcSettings.RunAsync(switches.OperatorDll ?? BinaryPaths.Operator, kubeconfig, switches, options.Cached, report, stop.Token);
            }
        }

        report.Targets();
    }
}
catch (Exception e) when (e is TimeoutException or InvalidOperationException or FileNotFoundException or KubeApiException)
{
    Console.Error.WriteLine($"kubecloud scale bench: {e.Message}");
    return 1;
}
finally
{
    work.Delete(recursive: true);
}

return 0;

