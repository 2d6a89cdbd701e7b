using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using KubeCloud.ApiServer;
using KubeCloud.Testing;

/// <summary>
/// One server's writes as the scale bench makes them (issue 11), one request at a time, so that each request's time is
/// the API server's path for it: create, the operator's metadata merge patch, its first status apply, the node's
/// status apply (force), the operator's Active apply. Each kind of write is timed on its own; the CPU time of this
/// process (API server and client) per write is printed beside it. Run in memory and on SQLite (--data-dir,
/// synchronous=FULL), with 0 and 3 open watches on the servers (the operator's, the node's and an observer's informer)
/// to show what a watcher costs.
/// </summary>
internal static class ServerWritesBench
{
    private const string Collection = "/apis/kubecloud.io/v1alpha1/namespaces/bench/servers";

    private static readonly string[] Steps = ["create", "metadata merge patch", "operator status apply", "node status apply", "operator Active apply"];

    public static async Task RunAsync(bool quick)
    {
        var servers = quick ? 300 : 1500;
        Console.WriteLine($"one server's 5 writes, {servers} servers, one request at a time, HTTPS on loopback; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| store | watchers | create | metadata merge patch | operator status apply | node status apply | operator Active apply | CPU per server (all 5) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var sqlite in new[] { false, true })
        {
            foreach (var watchers in new[] { 0, 3 })
            {
                var data = sqlite ? Directory.CreateTempSubdirectory("kubecloud-writes-bench-").FullName : null;
                try
                {
                    await MeasureAsync(servers, watchers, data);
                }
                finally
                {
                    if (data is not null)
                    {
                        Directory.Delete(data, recursive: true);
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"mean microseconds per request (wall, one at a time); CPU: this process's user+system time over the measured servers; load average at end {LoadAverage()}");
    }

    private static async Task MeasureAsync(int servers, int watcherCount, string? dataDirectory)
    {
        var options = new LocalApiServerOptions { WatchHistorySize = 100_000, DataDirectory = dataDirectory };
        foreach (var crd in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "crds"), "kubecloud.io_*.yaml"))
        {
            options.CrdFiles.Add(crd);
        }

        await using var server = await LocalApiServer.StartAsync(options);
        using var http = Client(server);
        using (var ns = await http.PostAsync(new Uri("/api/v1/namespaces", UriKind.Relative), Json("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"bench\"}}")))
        {
            Check(ns, HttpStatusCode.Created);
        }

        using var stop = new CancellationTokenSource();
        var watches = Enumerable.Range(0, watcherCount).Select(_ => DrainAsync(http, stop.Token)).ToList();

        // Warm-up: the same writes for servers not measured, so the JIT has optimised the path.
        var times = new double[Steps.Length];
        for (var i = 0; i < Math.Max(100, servers / 5); i++)
        {
            await OneServerAsync(http, $"warm-{i:D5}", times);
        }

        Array.Clear(times);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < servers; i++)
        {
            await OneServerAsync(http, $"vm-{i:D5}", times);
        }

        var cpuPerServer = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / servers;
        await stop.CancelAsync();
        foreach (var watch in watches)
        {
            await watch;
        }

        var cells = string.Join(" | ", times.Select(t => (t / servers).ToString("F0", CultureInfo.InvariantCulture)));
        Console.WriteLine($"| {(dataDirectory is null ? "memory" : "SQLite FULL")} | {watcherCount} | {cells} | {cpuPerServer.ToString("F2", CultureInfo.InvariantCulture)} ms |");
    }

    private static async Task OneServerAsync(HttpClient http, string name, double[] times)
    {
        var item = $"{Collection}/{name}";
        var rv = await TimedAsync(times, 0, () => http.PostAsync(new Uri(Collection, UriKind.Relative), Json(
            "{\"apiVersion\":\"kubecloud.io/v1alpha1\",\"kind\":\"Server\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"bench\",\"labels\":{\"app\":\"scale-bench\"}}," +
            "\"spec\":{\"flavorRef\":{\"name\":\"bench.tiny\"},\"imageRef\":{\"name\":\"bench-image\"}}}")), HttpStatusCode.Created);
        await TimedAsync(times, 1, () => http.PatchAsync(new Uri($"{item}?fieldManager=kubecloud-operator", UriKind.Relative), Body(
            "{\"metadata\":{\"resourceVersion\":\"" + rv + "\",\"finalizers\":[\"kubecloud.io/server\"],\"labels\":{\"kubecloud.io/node\":\"hv-007\"}}}", "application/merge-patch+json")), HttpStatusCode.OK);
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await TimedAsync(times, 2, () => Apply(http, item, "kubecloud-operator", name,
            OperatorStatus("\"phase\":\"Building\",\"taskState\":\"spawning\"", Condition("Ready", "False", "Spawning", "waiting for node hv-007 to report the server spawned", now), now)), HttpStatusCode.OK);
        await TimedAsync(times, 3, () => Apply(http, item, "kubecloud-node", name, "{\"powerState\":\"Running\",\"hypervisorType\":\"qemu\",\"launchedAt\":\"" + now + "\",\"conditions\":[" +
            Condition("ImageReady", "True", "Cached", "image cached", now) + "," + Condition("Spawned", "True", "Running", "the guest runs", now) + "]}"), HttpStatusCode.OK);
        await TimedAsync(times, 4, () => Apply(http, item, "kubecloud-operator", name,
            OperatorStatus("\"phase\":\"Active\"", Condition("Ready", "True", "Active", "", now), now)), HttpStatusCode.OK);
    }

    /// <summary>The operator's part of the status of a server placed on hv-007: <paramref name="phase"/> fields and its Ready condition.</summary>
    private static string OperatorStatus(string phase, string ready, string now) =>
        "{" + phase + ",\"node\":\"hv-007\",\"flavor\":{\"name\":\"bench.tiny\",\"vcpus\":1,\"memory\":\"512Mi\",\"rootDisk\":\"1Gi\"},\"schedulingAttempts\":1,\"conditions\":[" +
        Condition("Scheduled", "True", "Scheduled", "placed on node hv-007 (attempt 1 of 3)", now) + "," +
        Condition("NetworkReady", "True", "Ready", "no networks requested", now) + "," +
        Condition("VolumesReady", "True", "Attached", "no volumes requested", now) + "," +
        Condition("HostDown", "False", "HypervisorReady", "Hypervisor hv-007 is Ready", now) + "," + ready + "]}";

    private static Task<HttpResponseMessage> Apply(HttpClient http, string item, string manager, string name, string status) =>
        http.PatchAsync(new Uri($"{item}/status?fieldManager={manager}&force=true", UriKind.Relative), Body(
            "{\"apiVersion\":\"kubecloud.io/v1alpha1\",\"kind\":\"Server\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"bench\"},\"status\":" + status + "}", "application/apply-patch+yaml"));

    private static string Condition(string type, string status, string reason, string message, string time) =>
        $"{{\"type\":\"{type}\",\"status\":\"{status}\",\"reason\":\"{reason}\",\"message\":\"{message}\",\"lastTransitionTime\":\"{time}\",\"observedGeneration\":1}}";

    /// <summary>Times one request into <paramref name="times"/>[<paramref name="step"/>] (microseconds) and returns the resourceVersion it answered.</summary>
    private static async Task<string> TimedAsync(double[] times, int step, Func<Task<HttpResponseMessage>> send, HttpStatusCode expected)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await send();
        var body = await response.Content.ReadAsStringAsync();
        times[step] += Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{Steps[step]}: {(int)response.StatusCode} {body}");
        }

        const string marker = "\"resourceVersion\":\"";
        var at = body.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        return body[at..body.IndexOf('"', at)];
    }

    /// <summary>A watch on the servers that reads every event, as an informer does.</summary>
    private static Task DrainAsync(HttpClient http, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"{Collection}?watch=true", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is not null)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }, CancellationToken.None);

    private static void Check(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode}");
        }
    }

    private static StringContent Json(string json) => Body(json, "application/json");

    private static StringContent Body(string text, string mediaType)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static HttpClient Client(LocalApiServer server)
    {
        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(server.CaCertificatePem);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.Issuer == ca.Subject,
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.Endpoint, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminToken);
        return client;
    }
}
