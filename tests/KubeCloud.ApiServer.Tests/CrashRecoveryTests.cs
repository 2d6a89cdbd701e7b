using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// kubecloud-apiserver --data-dir (the CLI as a child process) killed with SIGKILL in the middle of concurrent
/// writes, then restarted on the same directory: what it acknowledged is there, what it did not is whole or absent,
/// revisions go on increasing, and watches resume from before the crash (or get 410 beyond the history window).
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const int Objects = 1000;
    private const int Workers = 32;
    private const string Collection = "/api/v1/namespaces/crash/configmaps";

    private readonly string _data = Directory.CreateTempSubdirectory("kubecloud-crash-data-").FullName;
    private readonly string _home = Directory.CreateTempSubdirectory("kubecloud-crash-home-").FullName;

    /// <summary>What the client knows of one object's writes: the answers it got (a delete's without a revision), and the write it got none for.</summary>
    private sealed class Ledger
    {
        public List<(string Op, long Revision)> Acknowledged { get; } = [];

        public string? Unanswered { get; set; }
    }

    [Fact]
    public async Task Acknowledged_writes_survive_SIGKILL_and_a_watch_from_before_the_crash_misses_nothing()
    {
        var ledgers = Enumerable.Range(0, Objects).Select(_ => new Ledger()).ToArray();
        long before;
        int port;
        await using (var first = await CliServer.StartAsync($"--port 0 --data-dir {_data}"))
        {
            port = first.Endpoint.Port;
            using var http = first.CreateClient();
            await SendAsync(http, HttpMethod.Post, "/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"crash"}}""", HttpStatusCode.Created);
            before = Revision(await SendAsync(http, HttpMethod.Get, Collection, null, HttpStatusCode.OK));

            // Each object: create, update, and for every third a delete, by one worker in turn; 32 workers at once.
            // SIGKILL (from the worker that got the 1,000th answer) while the rest are in flight.
            var acknowledged = 0;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var next = -1;
            var storm = Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Objects && await WriteChainAsync(http, i, ledgers[i], Acknowledge))
                {
                }
            })));

            void Acknowledge()
            {
                if (Interlocked.Increment(ref acknowledged) == 1000)
                {
                    first.Kill();
                    enough.TrySetResult();
                }
            }

            await Task.WhenAny(enough.Task, storm);
            Assert.True(enough.Task.IsCompleted, $"the writes ended before 1,000 were acknowledged: {await FailureOf(storm)}");
            await first.KillAsync();
            await storm;
        }

        var answered = ledgers.Sum(l => l.Acknowledged.Count);
        Assert.InRange(answered, 1000, (Objects * 2) + (Objects / 3));
        Assert.Contains(ledgers, l => l.Unanswered is not null);

        await using var second = await CliServer.StartAsync($"--port {port} --data-dir {_data}");
        using var again = second.CreateClient();

        // Every acknowledged write is there; an unanswered one is there whole or not at all.
        var listed = await SendAsync(again, HttpMethod.Get, Collection, null, HttpStatusCode.OK);
        var found = ((JsonArray)listed["items"]!).Select(i => i!.AsObject()).ToDictionary(i => (string)i["metadata"]!["name"]!);
        for (var i = 0; i < Objects; i++)
        {
            found.TryGetValue(Name(i), out var item);
            Assert.True(Allowed(ledgers[i], item), $"{Name(i)}: acknowledged {string.Join(", ", ledgers[i].Acknowledged)}, unanswered {ledgers[i].Unanswered}; after the restart {item?.ToJsonString() ?? "absent"}");
        }

        Assert.True(found.Keys.All(n => n.StartsWith("cm-", StringComparison.Ordinal)), string.Join(", ", found.Keys));

        // A watch from before the crash gets every change it missed, in order, and they add up to what is there now.
        var watch = await WatchStream.StartAsync(
            again,
            $"{Collection}?watch=true&resourceVersion={before}",
            events => events.Count > 0 && (string?)events[^1]["object"]?["metadata"]?["name"] == "sentinel",
            TimeSpan.FromSeconds(60));
        var sentinel = await SendAsync(again, HttpMethod.Post, Collection, ConfigMap("sentinel", "0"), HttpStatusCode.Created);
        var events = await watch;
        Assert.Equal("sentinel", (string?)events[^1]["object"]?["metadata"]?["name"]);
        Assert.DoesNotContain(events, e => (string?)e["type"] is not ("ADDED" or "MODIFIED" or "DELETED"));
        var revisions = events.Select(e => Revision(e["object"]!.AsObject())).ToList();
        Assert.Equal(revisions.Order(), revisions);
        Assert.Equal(revisions.Distinct().Count(), revisions.Count);
        var seen = events.Select(e => ((string)e["type"]!, (string)e["object"]!["metadata"]!["name"]!, Revision(e["object"]!.AsObject()))).ToList();
        for (var i = 0; i < Objects; i++)
        {
            foreach (var (op, revision) in ledgers[i].Acknowledged)
            {
                var type = op == "create" ? "ADDED" : op == "update" ? "MODIFIED" : "DELETED";
                Assert.True(seen.Any(e => e.Item1 == type && e.Item2 == Name(i) && (op == "delete" || e.Item3 == revision)), $"no {type} event for {Name(i)} at {revision}");
            }
        }

        var replayed = new Dictionary<string, long>();
        foreach (var change in events)
        {
            var name = (string)change["object"]!["metadata"]!["name"]!;
            if ((string)change["type"]! == "DELETED")
            {
                replayed.Remove(name);
            }
            else
            {
                replayed[name] = Revision(change["object"]!.AsObject());
            }
        }

        replayed.Remove("sentinel");
        Assert.Equal(found.ToDictionary(f => f.Key, f => Revision(f.Value)).OrderBy(f => f.Key), replayed.OrderBy(f => f.Key));

        // Revisions go on from where the crashed server stopped.
        var highest = ledgers.SelectMany(l => l.Acknowledged).Max(a => a.Revision);
        Assert.True(Revision(sentinel) > highest, $"sentinel at {Revision(sentinel)}, an acknowledged write before the crash at {highest}");
        await second.KillAsync();

        // Restarted with a history window smaller than what happened since: the same watch is 410 Gone.
        await using var third = await CliServer.StartAsync($"--port {port} --data-dir {_data} --watch-history 100");
        using var last = third.CreateClient();
        var gone = await SendAsync(last, HttpMethod.Get, $"{Collection}?watch=true&resourceVersion={before}", null, HttpStatusCode.OK);
        Assert.Equal("ERROR", (string?)gone["type"]);
        Assert.Equal(410, (int?)gone["object"]!["code"]);
        Assert.Equal("Expired", (string?)gone["object"]!["reason"]);
        Assert.Equal(Revision(sentinel), Revision((await SendAsync(last, HttpMethod.Get, $"{Collection}/sentinel", null, HttpStatusCode.OK)).AsObject()));
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_kubeconfig_copied_before_a_restart_still_works_with_kubectl(string version)
    {
        var copy = Path.Combine(_home, "copied.kubeconfig");
        var kubectl = new ClientProcess(copy, _home);
        int port;
        await using (var first = await CliServer.StartAsync($"--port 0 --data-dir {_data}"))
        {
            port = first.Endpoint.Port;
            Assert.Equal(Path.Combine(_data, LocalApiServer.KubeconfigFileName), first.KubeconfigPath);
            File.Copy(first.KubeconfigPath, copy);
            var created = await kubectl.RunAsync(KubeClients.Kubectl(version), "create configmap before --from-literal=a=1");
            Assert.True(created.ExitCode == 0, created.Stderr);
            await first.KillAsync();
        }

        await using var second = await CliServer.StartAsync($"--port {port} --data-dir {_data}");
        var got = await kubectl.RunAsync(KubeClients.Kubectl(version), "get configmap before -o jsonpath={.data.a}");
        Assert.True(got.ExitCode == 0, got.Stderr);
        Assert.Equal("1", got.Stdout);
        var whoami = await kubectl.RunAsync(KubeClients.Kubectl(version), "auth whoami -o jsonpath={.status.userInfo.username}");
        Assert.True(whoami.ExitCode == 0, whoami.Stderr);
        Assert.Equal("kubecloud-admin", whoami.Stdout);
    }

    /// <summary>One object's writes in turn; false once the server stopped answering.</summary>
    private static async Task<bool> WriteChainAsync(HttpClient http, int i, Ledger ledger, Action acknowledge)
    {
        var ops = i % 3 == 0 ? new[] { "create", "update", "delete" } : ["create", "update"];
        long revision = 0;
        foreach (var op in ops)
        {
            ledger.Unanswered = op;
            HttpResponseMessage response;
            try
            {
                response = op switch
                {
                    "create" => await http.PostAsync(new Uri(Collection, UriKind.Relative), Content(ConfigMap(Name(i), "0"))),
                    "update" => await http.PutAsync(new Uri($"{Collection}/{Name(i)}", UriKind.Relative), Content(ConfigMap(Name(i), "1", revision))),
                    _ => await http.DeleteAsync(new Uri($"{Collection}/{Name(i)}", UriKind.Relative)),
                };
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                return false;
            }

            using (response)
            {
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                Assert.True(response.IsSuccessStatusCode, $"{op} {Name(i)}: {(int)response.StatusCode} {body}");
                // kube answers an immediate delete with a Success Status, which carries no resourceVersion.
                revision = op == "delete" ? 0 : Revision(body);
                lock (ledger)
                {
                    ledger.Acknowledged.Add((op, revision));
                    ledger.Unanswered = null;
                }
            }

            acknowledge();
        }

        return true;
    }

    /// <summary>Whether what is there after the restart is what the last acknowledged write left, or (whole) what the unanswered one would have.</summary>
    private static bool Allowed(Ledger ledger, JsonObject? item)
    {
        var last = ledger.Acknowledged.Count == 0 ? null : ledger.Acknowledged[^1].Op;
        var lastRevision = ledger.Acknowledged.Count == 0 ? 0 : ledger.Acknowledged[^1].Revision;
        var step = (string?)item?["data"]?["step"];
        var afterLast = last switch
        {
            null or "delete" => item is null,
            "create" => item is not null && step == "0" && Revision(item) == lastRevision,
            _ => item is not null && step == "1" && Revision(item) == lastRevision,
        };
        var afterUnanswered = ledger.Unanswered switch
        {
            "create" => item is not null && step == "0",
            "update" => item is not null && step == "1" && Revision(item) > lastRevision,
            "delete" => item is null,
            _ => false,
        };
        return afterLast || afterUnanswered;
    }

    private static string Name(int i) => $"cm-{i:D4}";

    private static long Revision(JsonObject obj) => long.Parse((string)obj["metadata"]!["resourceVersion"]!);

    private static string ConfigMap(string name, string step, long revision = 0)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (revision > 0)
        {
            metadata["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = new JsonObject { ["step"] = step } }.ToJsonString();
    }

    private static StringContent Content(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : Content(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = (path.Contains("watch=true", StringComparison.Ordinal) ? await reader.ReadLineAsync() : await reader.ReadToEndAsync()) ?? "";
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<string> FailureOf(Task task)
    {
        try
        {
            await task;
            return "none";
        }
        catch (Exception e)
        {
            return e.ToString();
        }
    }

    public void Dispose()
    {
        foreach (var directory in new[] { _data, _home })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
