using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// <c>--node-rss</c>: the node daemon's own memory. <c>kubecloud-node</c> as a process against the API server, once on
/// the fake driver and once on libvirt (qemu:///system; needs root and libvirtd), each left idle after <c>/readyz</c>
/// for a few heartbeats; beside an empty .NET console app, all in the same run. The target is under 50 MB.
/// </summary>
public static class NodeRssRun
{
    /// <summary>How long a daemon idles after /readyz before it is read (heartbeats, resyncs and sweeps run meanwhile).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public static async Task RunAsync(string kubeconfig, string work, NodeFigures figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var empty = await NodeFigures.EmptyConsoleAppAsync(cancellationToken);
        figures.Line($"kubecloud-node at idle (after /readyz, {Settle.TotalSeconds:F0} s of heartbeats every 2 s); load average {ProcessProbe.LoadAverage()}");
        figures.Row("process", "RSS (peak)", "target", "baseline (same run)");
        figures.Row("empty .NET console app", $"{NodeFigures.Mb(empty.RssBytes)} MB ({NodeFigures.Mb(empty.PeakRssBytes)} MB)", string.Empty, string.Empty);
        foreach (var driver in new[] { "fake", "libvirt" })
        {
            try
            {
                var sample = await IdleDaemonAsync(kubeconfig, Path.Combine(work, "node-" + driver), driver, cancellationToken);
                figures.Row($"kubecloud-node, {driver} driver", $"{NodeFigures.Mb(sample.RssBytes)} MB ({NodeFigures.Mb(sample.PeakRssBytes)} MB)", "< 50 MB",
                    $"{NodeFigures.Mb(sample.RssBytes - empty.RssBytes)} MB over the empty app");
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                figures.Row($"kubecloud-node, {driver} driver", "not measured", "< 50 MB", e.Message.Split('\n')[0]);
            }
        }

        figures.Line(string.Empty);
    }

    private static async Task<ProcessSample> IdleDaemonAsync(string kubeconfig, string state, string driver, CancellationToken cancellationToken)
    {
        var health = FreePort();
        await using var node = ChildProcess.Start("kubecloud-node", BinaryPaths.NodeDaemon,
        [
            "--kubeconfig", kubeconfig, "--node-name", "rss-" + driver, "--state-dir", state, "--hypervisor-driver", driver,
            "--tunnel-ip", "192.0.2.1", "--heartbeat-interval", "2",
            "--metrics-bind-address", $"127.0.0.1:{FreePort()}", "--health-probe-bind-address", $"127.0.0.1:{health}",
        ], new Dictionary<string, string?>());
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
        return node.Probe.Sample();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
