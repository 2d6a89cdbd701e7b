using System.Diagnostics;
using System.Net;
using System.Text;
using KubeCloud.ApiServer;

/// <summary>
/// How one stored change reaches N watchers (issue 12's 100 node daemons, each watching every Hypervisor): one
/// ConfigMap the size of a Hypervisor with its managedFields (about 4 KB) is updated U times while W watches of it are
/// open, each on its own connection as each daemon has its own client, in a child process (this program with
/// <c>--fanout-watch</c>), so that the CPU time measured here is the API server's (and the one client writing).
/// Printed: events delivered per second, the API server's CPU per update and per delivered event. W = 1 is the floor.
/// </summary>
internal static class WatchFanOutBench
{
    private const string Collection = "/api/v1/namespaces/default/configmaps";

    public static async Task RunAsync(bool quick)
    {
        var updates = quick ? 100 : 300;
        Console.WriteLine($"watch fan-out, HTTPS on loopback, {updates} updates of one 4 KB object, watchers in a child process, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine("| watchers | events delivered | wall, s | delivered/s | API server CPU ms per update | API server CPU µs per delivered event |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var watchers in new[] { 1, 10, 100 })
        {
            await MeasureAsync(watchers, updates);
        }

        Console.WriteLine($"load average at end {LoadAverage()}");
    }

    private static async Task MeasureAsync(int watchers, int updates)
    {
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { WatchHistorySize = 100_000 });
        using var http = BenchClient.Create(server);
        var payload = new string('x', 3000);
        await SendAsync(http, HttpMethod.Post, Collection, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"beat\"},\"data\":{\"n\":\"0\",\"pad\":\"" + payload + "\"}}", HttpStatusCode.Created);
        await UpdateAsync(http, -1); // warm-up of the update path, before any watch

        var ca = Path.GetTempFileName();
        await File.WriteAllTextAsync(ca, server.CaCertificatePem);
        try
        {
            var expected = (long)watchers * updates;
            using var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!)
            {
                ArgumentList = { typeof(WatchFanOutBench).Assembly.Location, "--fanout-watch", server.Endpoint.ToString(), ca, server.AdminToken, watchers.ToString(), server.CurrentRevision.ToString(), expected.ToString() },
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            if (await child.StandardOutput.ReadLineAsync() != "ready")
            {
                throw new InvalidOperationException("the watchers' process did not start");
            }

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < updates; i++)
            {
                await UpdateAsync(http, i);
            }

            var got = long.Parse(await child.StandardOutput.ReadLineAsync() ?? "0");
            var wall = clock.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            await child.WaitForExitAsync();
            Console.WriteLine($"| {watchers} | {got} of {expected} | {wall:F2} | {got / wall:F0} | {used / updates:F2} | {used * 1000 / Math.Max(1, got):F0} |");
        }
        finally
        {
            File.Delete(ca);
        }
    }

    /// <summary>The child: opens the watches, says "ready", prints the count once every watch has its events (or after 2 minutes).</summary>
    public static async Task WatchAsync(string[] args)
    {
        var (endpoint, ca, token, watchers, revision, expected) = (new Uri(args[0]), await File.ReadAllTextAsync(args[1]), args[2], int.Parse(args[3]), args[4], long.Parse(args[5]));
        var delivered = 0L;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var readers = new List<Task>();
        var clients = new List<HttpClient>();
        for (var i = 0; i < watchers; i++)
        {
            var client = BenchClient.Create(endpoint, ca, token);
            clients.Add(client);
            var response = await client.GetAsync(new Uri($"{Collection}?watch=true&resourceVersion={revision}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            readers.Add(Task.Run(async () =>
            {
                using (response)
                using (var reader = new StreamReader(stream))
                {
                    try
                    {
                        while (await reader.ReadLineAsync(stop.Token) is not null)
                        {
                            if (Interlocked.Increment(ref delivered) == expected)
                            {
                                await stop.CancelAsync();
                            }
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }));
        }

        Console.WriteLine("ready");
        await Task.WhenAll(readers);
        Console.WriteLine(Interlocked.Read(ref delivered));
        clients.ForEach(c => c.Dispose());
    }

    private static Task UpdateAsync(HttpClient http, int n) =>
        SendAsync(http, HttpMethod.Patch, $"{Collection}/beat", "{\"data\":{\"n\":\"" + n + "\"}}", HttpStatusCode.OK, "application/merge-patch+json");

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string body, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode}");
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
