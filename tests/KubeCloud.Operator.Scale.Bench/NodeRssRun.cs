using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// <c>--node-rss</c>: the node daemon's own memory. <c>kubecloud-node</c> as a process against the API server, on the
/// fake driver and on libvirt (qemu:///system; needs root and libvirtd), each left idle after <c>/readyz</c> for a few
/// heartbeats; beside an empty .NET console app, all in the same run. Other builds (<c>--node-dll</c>, e.g. main's) and
/// this build with other runtime settings (<c>--node-env</c>) are rows of the same table, measured one after the other
/// and, with <c>--node-rounds</c>, interleaved round by round; each row prints its median round and its difference to
/// the first row. The target is under 50 MB.
/// </summary>
public static class NodeRssRun
{
    /// <summary>How long a daemon idles after /readyz before it is read (heartbeats, resyncs and sweeps run meanwhile).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public static async Task RunAsync(string kubeconfig, string work, NodeFigures figures, BenchSwitches switches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(switches);
        var empty = await NodeFigures.EmptyConsoleAppAsync(cancellationToken);
        figures.Line($"kubecloud-node at idle (after /readyz, {Settle.TotalSeconds:F0} s of heartbeats every 2 s, then the median of 5 readings a second apart); " +
            $"{switches.NodeRounds} round(s); load average {ProcessProbe.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");
        figures.Line($"  empty .NET console app: {empty.Breakdown}");
        foreach (var driver in switches.NodeDrivers)
        {
            var rounds = switches.NodeBuilds.ToDictionary(b => b, _ => new List<ProcessSample>());
            var failures = new Dictionary<NodeBuild, string>();
            for (var round = 0; round < switches.NodeRounds; round++)
            {
                foreach (var build in switches.NodeBuilds.Where(b => !failures.ContainsKey(b)))
                {
                    try
                    {
                        rounds[build].Add(await IdleDaemonAsync(kubeconfig, Path.Combine(work, $"node-{driver}-{Guid.NewGuid():N}"), driver, build, cancellationToken));
                    }
                    catch (Exception e) when (e is TimeoutException or InvalidOperationException or FileNotFoundException)
                    {
                        failures[build] = e.Message.Split('\n')[0];
                    }
                }
            }

            figures.Line($"  {driver} driver (load average now {ProcessProbe.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC; target < 50 MB):");
            ProcessSample? first = null;
            foreach (var build in switches.NodeBuilds)
            {
                if (failures.TryGetValue(build, out var failure) || rounds[build].Count == 0)
                {
                    figures.Line($"    {build.Name,-40} not measured: {failure}");
                    continue;
                }

                var sorted = rounds[build].OrderBy(s => s.RssBytes).ToList();
                var median = sorted[sorted.Count / 2];
                first ??= median;
                var spread = sorted.Count > 1 ? $" (rounds {NodeFigures.Mb(sorted[0].RssBytes)}-{NodeFigures.Mb(sorted[^1].RssBytes)})" : string.Empty;
                var delta = ReferenceEquals(build, switches.NodeBuilds[0]) ? "first row" :
                    $"{Signed(median.RssBytes - first.Value.RssBytes)} MB vs first row (anon {Signed(median.AnonymousBytes - first.Value.AnonymousBytes)}, " +
                    $"memfd {Signed(median.ShmemBytes - first.Value.ShmemBytes)}, files {Signed(median.FileBytes - first.Value.FileBytes)})";
                figures.Line($"    {build.Name,-40} {median.Breakdown}{spread}; {delta}; {NodeFigures.Mb(median.RssBytes - empty.RssBytes)} MB over the empty app");
            }
        }

        figures.Line(string.Empty);
    }

    private static async Task<ProcessSample> IdleDaemonAsync(string kubeconfig, string state, string driver, NodeBuild build, CancellationToken cancellationToken)
    {
        var health = FreePort();
        await using var node = ChildProcess.Start("kubecloud-node", build.Path ?? BinaryPaths.NodeDaemon,
        [
            "--kubeconfig", kubeconfig, "--node-name", "rss-" + driver, "--state-dir", state, "--hypervisor-driver", driver,
            "--tunnel-ip", "192.0.2.1", "--heartbeat-interval", "2",
            "--metrics-bind-address", $"127.0.0.1:{FreePort()}", "--health-probe-bind-address", $"127.0.0.1:{health}",
        ], build.Environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90); // libvirt's start probes KVM by booting a kernel
        while (true)
        {
            if (node.HasExited)
            {
                throw new InvalidOperationException($"kubecloud-node ({driver}) exited: {node.Tail(3)}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{health}/readyz"), cancellationToken);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"kubecloud-node ({driver}): /readyz not 200 within 90 s: {node.Tail(3)}");
            }

            await Task.Delay(200, cancellationToken);
        }

        await Task.Delay(Settle, cancellationToken);
        return node.Probe.Settled();
    }

    /// <summary>Megabytes (10^6 bytes) with their sign: "+3", "-12", "0".</summary>
    private static string Signed(long bytes) => Math.Round(bytes / 1e6).ToString("+0;-0;0", CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
