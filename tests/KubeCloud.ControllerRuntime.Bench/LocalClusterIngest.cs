using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Bench;

/// <summary>Informer ingest against KubeCloud.ApiServer: a paged list, then MODIFIED events from concurrent patches.</summary>
internal static class LocalClusterIngest
{
    private const int Writers = 8;

    /// <summary>Creates <paramref name="count"/> Servers in "default" (left there for later figures), times an informer's list of them, then its watch of <paramref name="events"/> patches.</summary>
    public static async Task RunAsync(LocalApiServer server, KubeClient client, int count, int events, Action<string, double, string, string> report)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (i, ct) =>
            await client.CreateAsync(NewServer(i), cancellationToken: ct));

        var informer = new SharedInformer<Server>(client);
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForCacheSyncAsync(stop.Token);
        var listSeconds = watch.Elapsed.TotalSeconds;
        report("informer list (local API server)", count / listSeconds, "objects/s", $"{count} Servers in {listSeconds:F2} s over HTTPS");

        watch.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (i, ct) =>
            await client.PatchAsync<Server>($"vm-{i % count:D5}", "default", KubePatch.Merge(new { metadata = new { labels = new { round = i.ToString(CultureInfo.InvariantCulture) } } }), cancellationToken: ct));
        var target = server.CurrentRevision;
        while (long.Parse(informer.LastSyncResourceVersion ?? "0", CultureInfo.InvariantCulture) < target)
        {
            await Task.Delay(1);
        }

        var watchSeconds = watch.Elapsed.TotalSeconds;
        report("informer watch (local API server)", events / watchSeconds, "events/s", $"{events} MODIFIED events in {watchSeconds:F2} s ({Writers} concurrent patchers included)");
        await stop.CancelAsync();
        await run;
    }

    private static Server NewServer(int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"vm-{i:D5}", NamespaceProperty = "default", Labels = new Dictionary<string, string>() { ["app"] = "web" } },
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = "m1.small" },
            ImageRef = new NamespacedObjectReference { Name = "debian-12" },
            Networks = [new ServerNetwork { NetworkRef = new NamespacedObjectReference { Name = "private" } }],
        },
    };
}
