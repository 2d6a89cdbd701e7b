using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// The operator as its own process (<c>kubecloud-operator</c>, no leader election), so its memory and CPU time are
/// its own. Its endpoints go to free loopback ports; <c>/metrics</c> is found where the process says it listens.
/// </summary>
public sealed partial class OperatorProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<Uri> _listening;
    private Uri? _metrics;

    private OperatorProcess(ChildProcess process, List<Uri> listening)
    {
        _process = process;
        _listening = listening;
    }

    public ProcessProbe Probe => _process.Probe;

    public int Id => _process.Id;

    /// <summary>
    /// Starts it against <paramref name="kubeconfig"/> and returns once <c>/readyz</c> answers 200 (caches synced).
    /// <paramref name="environment"/> (e.g. <c>DOTNET_gcServer</c>) and <paramref name="arguments"/> (e.g.
    /// <c>--server-workers=8</c>) are passed on.
    /// </summary>
    public static async Task<OperatorProcess> StartAsync(string dll, string kubeconfig, IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        // The operator gives the API server 5 s to answer GET /version at start; on a machine at load 50 a fresh API
        // server sometimes misses that, so a start that fails on it alone is tried again (three times in all).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dll, kubeconfig, environment, arguments, timeout);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("did not answer GET /version", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"kubecloud-operator did not start (attempt {attempt}): the API server missed its 5 s /version check; starting it again");
            }
        }
    }

    private static async Task<OperatorProcess> StartOnceAsync(string dll, string kubeconfig, IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var env = new Dictionary<string, string?>(environment) { ["KUBECONFIG"] = kubeconfig };
        var process = ChildProcess.Start("kubecloud-operator", dll,
        [
            "--kubeconfig", kubeconfig,
            "--metrics-bind-address", $"127.0.0.1:{FreePort()}",
            "--health-probe-bind-address", $"127.0.0.1:{FreePort()}",
            "--webhook-port", "0", // the bench's API server calls no webhook
            .. arguments,
        ], env);
        try
        {
            var first = await process.WaitForLineAsync(Listening(), timeout);
            var op = new OperatorProcess(process, [Loopback(first.Groups["url"].Value)]);
            var deadline = DateTime.UtcNow + timeout;
            while (!await op.ReadyAsync())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"kubecloud-operator: /readyz not 200 within {timeout.TotalSeconds:F0} s:\n{process.Tail()}");
                }

                await Task.Delay(100);
            }

            return op;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The operator's <c>/metrics</c> in the Prometheus text format.</summary>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken)
    {
        if (_metrics is not null)
        {
            return await _http.GetStringAsync(_metrics, cancellationToken);
        }

        foreach (var url in Listened())
        {
            using var response = await _http.GetAsync(new Uri(url, "/metrics"), cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode && text.Contains("# TYPE", StringComparison.Ordinal))
            {
                _metrics = new Uri(url, "/metrics");
                return text;
            }
        }

        throw new InvalidOperationException($"kubecloud-operator serves no /metrics at {string.Join(", ", Listened())}");
    }

    public string Tail() => _process.Tail();

    /// <summary>Waits until the reconcile count has not moved for 3 s (at most a minute): its queues are empty.</summary>
    public async Task<TimeSpan> SettleAsync(CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = -1.0;
        var quietSince = watch.Elapsed;
        while (watch.Elapsed < TimeSpan.FromMinutes(1))
        {
            var now = MetricsScrape.Parse(await ScrapeAsync(cancellationToken)).SumBy("controller_runtime_reconcile_total", "controller").Values.Sum();
            if (Math.Abs(now - last) > 0.5)
            {
                last = now;
                quietSince = watch.Elapsed;
            }
            else if (watch.Elapsed - quietSince >= TimeSpan.FromSeconds(3))
            {
                break;
            }

            await Task.Delay(250, cancellationToken);
        }

        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }

    private async Task<bool> ReadyAsync()
    {
        foreach (var url in Listened())
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(url, "/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
        }

        return false;
    }

    // Every "Now listening on" line so far (health and metrics may be two endpoints).
    private List<Uri> Listened()
    {
        foreach (Match match in Listening().Matches(_process.Tail(2000)))
        {
            var url = Loopback(match.Groups["url"].Value);
            if (!_listening.Contains(url))
            {
                _listening.Add(url);
            }
        }

        return _listening;
    }

    private static Uri Loopback(string url) =>
        new(url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("Now listening on: (?<url>http://[^\"\\s\\\\]+)")]
    private static partial Regex Listening();
}
