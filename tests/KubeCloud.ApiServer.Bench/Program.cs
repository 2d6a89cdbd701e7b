using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer;

// dotnet run -c Release --project tests/KubeCloud.ApiServer.Bench [-- --quick] [--fields (managedFields of one write, in process)]
//   [--protobuf (the protobuf codec on one Deployment, in process, beside JSON)]
//   [--aggregation (GETs to an extension API server, directly and through the aggregator)]
var quick = args.Contains("--quick");
if (args.Contains("--fields"))
{
    FieldOwnershipBench.Run(quick);
    return 0;
}

if (args.Contains("--aggregation"))
{
    await AggregationBench.RunAsync(quick);
    return 0;
}

if (args.Contains("--protobuf"))
{
    ProtobufCodecBench.Run(quick);
    return 0;
}

var (creates, gets, lists, watchEvents, concurrency) = quick ? (500, 2000, 200, 200, 8) : (5000, 20000, 1000, 1000, 16);
Console.WriteLine($"{concurrency} concurrent requests, HTTPS on loopback, {Environment.ProcessorCount} cores, load average at start {LoadAverage()}");

// The same run in memory and on SQLite (--data-dir: one durable transaction per write), in two rounds of opposite
// order (one with --quick), so that neither mode always runs on a process the other has warmed up.
var memory = new List<Figures>();
var sqlite = new List<Figures>();
for (var round = 0; round < (quick ? 1 : 2); round++)
{
    foreach (var onSqlite in round % 2 == 0 ? new[] { false, true } : [true, false])
    {
        if (!onSqlite)
        {
            memory.Add(await MeasureAsync("in memory", new LocalApiServerOptions { WatchHistorySize = 100_000 }));
            continue;
        }

        var dataDirectory = Directory.CreateTempSubdirectory("kubecloud-bench-").FullName;
        try
        {
            sqlite.Add(await MeasureAsync("SQLite", new LocalApiServerOptions { WatchHistorySize = 100_000, DataDirectory = dataDirectory }));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}

Console.WriteLine();
Console.WriteLine($"load average at end {LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| operation | requests | in memory, req/s | SQLite, req/s |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
Console.WriteLine($"| create (ConfigMap) | {creates} | {Rounds(memory, f => f.Creates)} | {Rounds(sqlite, f => f.Creates)} |");
Console.WriteLine($"| get | {gets} | {Rounds(memory, f => f.Gets)} | {Rounds(sqlite, f => f.Gets)} |");
Console.WriteLine($"| list (100 items per page) | {lists} | {Rounds(memory, f => f.Lists)} | {Rounds(sqlite, f => f.Lists)} |");
Console.WriteLine($"| watch event latency p50, ms | {watchEvents} | {Rounds(memory, f => f.WatchP50, "F2")} | {Rounds(sqlite, f => f.WatchP50, "F2")} |");
Console.WriteLine($"| watch event latency p99, ms | {watchEvents} | {Rounds(memory, f => f.WatchP99, "F2")} | {Rounds(sqlite, f => f.WatchP99, "F2")} |");
return 0;

static string Rounds(List<Figures> rounds, Func<Figures, double> figure, string format = "F0") =>
    string.Join(", ", rounds.Select(r => figure(r).ToString(format, System.Globalization.CultureInfo.InvariantCulture)));

async Task<Figures> MeasureAsync(string mode, LocalApiServerOptions options)
{
    await using var server = await LocalApiServer.StartAsync(options);
    using var http = Client(server);
    const string collection = "/api/v1/namespaces/default/configmaps";
    Console.WriteLine();
    Console.WriteLine($"{mode}: local API server {server.Endpoint}, HTTP/{http.DefaultRequestVersion}");

    // Warm-up (not measured): the same requests in another namespace, so the figures are those of a server whose
    // code the JIT has already optimised, as a long-running API server's is, not of its first second.
    const string warmup = "/api/v1/namespaces/warmup/configmaps";
    using (var ns = await http.PostAsync(new Uri("/api/v1/namespaces", UriKind.Relative), Json("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"warmup\"}}")))
    {
        Check(ns, HttpStatusCode.Created);
    }

    var warmupUntil = Stopwatch.StartNew();
    for (var round = 0; warmupUntil.Elapsed < TimeSpan.FromSeconds(quick ? 1 : 3); round++)
    {
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async k =>
        {
            var name = $"w-{round}-{k}";
            using var created = await http.PostAsync(new Uri(warmup, UriKind.Relative), Json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"bench\":\"yes\"}},\"data\":{\"value\":\"1\"}}"));
            Check(created, HttpStatusCode.Created);
            using var got = await http.GetAsync(new Uri($"{warmup}/{name}", UriKind.Relative));
            using var listed = await http.GetAsync(new Uri($"{warmup}?limit=100", UriKind.Relative));
        }));
    }

    var created = await RunAsync("create", creates, concurrency, async i =>
    {
        using var response = await http.PostAsync(new Uri(collection, UriKind.Relative), Json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"bench-" + i + "\",\"labels\":{\"bench\":\"yes\"}},\"data\":{\"value\":\"" + i + "\"}}"));
        Check(response, HttpStatusCode.Created);
    });
    var got = await RunAsync("get", gets, concurrency, async i =>
    {
        using var response = await http.GetAsync(new Uri($"{collection}/bench-{i % creates}", UriKind.Relative));
        Check(response, HttpStatusCode.OK);
    });
    var listed = await RunAsync("list (limit=100)", lists, concurrency, async _ =>
    {
        using var response = await http.GetAsync(new Uri($"{collection}?limit=100", UriKind.Relative));
        Check(response, HttpStatusCode.OK);
    });

    // Watch latency: time from just before a create is sent to the arrival of its ADDED event.
    var sent = new long[watchEvents];
    var latencies = new List<double>(watchEvents);
    var revision = server.CurrentRevision;
    using var watchResponse = await http.GetAsync(new Uri($"/api/v1/namespaces/default/secrets?watch=true&resourceVersion={revision}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
    using var reader = new StreamReader(await watchResponse.Content.ReadAsStreamAsync());
    var watcher = Task.Run(async () =>
    {
        while (latencies.Count < watchEvents && await reader.ReadLineAsync() is { } line)
        {
            var now = Stopwatch.GetTimestamp();
            var name = (string)JsonNode.Parse(line)!["object"]!["metadata"]!["name"]!;
            var index = int.Parse(name["watch-".Length..]);
            latencies.Add(Stopwatch.GetElapsedTime(sent[index], now).TotalMilliseconds);
        }
    });
    for (var i = 0; i < watchEvents; i++)
    {
        sent[i] = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(new Uri("/api/v1/namespaces/default/secrets", UriKind.Relative), Json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"watch-" + i + "\"}}"));
        Check(response, HttpStatusCode.Created);
    }

    await watcher.WaitAsync(TimeSpan.FromSeconds(60));
    latencies.Sort();
    Console.WriteLine($"watch event latency over {latencies.Count} events: p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms");
    return new Figures(created, got, listed, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static async Task<double> RunAsync(string name, int count, int concurrency, Func<int, Task> operation)
{
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            await operation(i);
        }
    })));
    var rate = count / clock.Elapsed.TotalSeconds;
    Console.WriteLine($"{name}: {count} in {clock.Elapsed.TotalSeconds:F2} s = {rate:F0} req/s");
    return rate;
}

static void Check(HttpResponseMessage response, HttpStatusCode expected)
{
    if (response.StatusCode != expected)
    {
        throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode}");
    }
}

static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

static HttpClient Client(LocalApiServer server)
{
    var ca = X509Certificate2.CreateFromPem(server.CaCertificatePem);
    var handler = new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        InitialHttp2StreamWindowSize = 1024 * 1024,
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        },
    };
    var client = new HttpClient(handler)
    {
        BaseAddress = server.Endpoint,
        DefaultRequestVersion = Environment.GetEnvironmentVariable("BENCH_HTTP1") is null ? HttpVersion.Version20 : HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminToken);
    return client;
}

/// <summary>One mode's figures: requests per second, and watch latency percentiles in milliseconds.</summary>
internal sealed record Figures(double Creates, double Gets, double Lists, double WatchP50, double WatchP99);
