using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Bench;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Queue;

// Figures for the client and controller runtime: informer ingest, reconciles through the queue, memory per cached Server.
// Informer and controller run against KubeCloud.ApiServer (the local control plane: HTTPS, HTTP/2, CRD validation).
const int ListObjects = 10_000;
const int CannedObjects = 20_000;
const int WatchEvents = 20_000;
const int QueueItems = 200_000;
const int ControllerObjects = 10_000;
const int CachedServers = 10_000;

Console.WriteLine($"KubeCloud.ControllerRuntime benchmark  ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
var options = new LocalApiServerOptions { WatchHistorySize = WatchEvents };
options.CrdFiles.Add(Path.Combine(KubeCloud.Testing.RepositoryRoot.Path, "crds", "kubecloud.io_servers.yaml"));
await using var server = await LocalApiServer.StartAsync(options);
using var client = new KubeClient(ClusterConfig.FromKubeconfig(server.KubeconfigPath));

// 1. Informer: list (paged, 500 per page) then watch events from concurrent patches.
await LocalClusterIngest.RunAsync(server, client, ListObjects, WatchEvents, Report);

// 1b. The same from canned responses: the client's own cost, without the server's.
await CannedIngestAsync(CannedObjects, WatchEvents);

// 2. Reconciles per second through the queue with a no-op reconciler.
var queueRate = await QueueThroughputAsync(QueueItems, workers: 4);
Report("queue, no-op work (4 workers)", queueRate, "items/s", $"{QueueItems} distinct keys, Get + Forget + Done");
var controllerRate = await ControllerThroughputAsync(client, ControllerObjects, workers: 4);
Report("controller, no-op reconciler", controllerRate, "reconciles/s", $"{ControllerObjects} Servers from the cache, default rate limiter (it only delays retries)");

// 3. Memory per 10,000 cached Servers.
var bytes = CacheMemory(CachedServers);
Report("memory per 10,000 cached Servers", bytes / 1024.0 / 1024.0, "MiB", $"{bytes / CachedServers:N0} bytes per Server (store + namespace and node indexes)");

static void Report(string what, double value, string unit, string detail) =>
    Console.WriteLine($"{what,-36} {value,14:N0} {unit,-13} {detail}");

static async Task CannedIngestAsync(int listObjects, int watchEvents)
{
    const int pageSize = 500;
    var pages = new List<byte[]>();
    for (var start = 0; start < listObjects; start += pageSize)
    {
        var list = new KubeList<Server>
        {
            ApiVersion = "kubecloud.io/v1alpha1",
            Kind = "ServerList",
            Metadata = new V1ListMeta { ResourceVersion = "1000", ContinueProperty = start + pageSize < listObjects ? (pages.Count + 1).ToString(CultureInfo.InvariantCulture) : null },
            Items = [.. Enumerable.Range(start, Math.Min(pageSize, listObjects - start)).Select(i => WithVersion(SampleServer(i), 1000))],
        };
        pages.Add(JsonSerializer.SerializeToUtf8Bytes(list, KubernetesJsonOptions.Options));
    }

    var events = new System.Text.StringBuilder();
    for (var i = 0; i < watchEvents; i++)
    {
        var obj = WithVersion(SampleServer(i % listObjects), 1001 + i);
        events.Append("{\"type\":\"MODIFIED\",\"object\":").Append(KubernetesJson.Serialize(obj)).Append("}\n");
    }

    var lastVersion = (1000 + watchEvents).ToString(CultureInfo.InvariantCulture);
    using var client = new KubeClient(new KubernetesClientConfiguration { Host = "http://canned.invalid" }, new CannedApiHandler(pages, CannedApiHandler.Utf8(events.ToString())));
    var informer = new SharedInformer<Server>(client);
    // The informer reads canned bytes synchronously, so time it from its own handler calls.
    var adds = 0;
    var updates = 0;
    TimeSpan listed = default, watched = default;
    var watch = Stopwatch.StartNew();
    informer.AddEventHandler(new ResourceEventHandler<Server>(
        onAdd: _ =>
        {
            if (++adds == listObjects)
            {
                listed = watch.Elapsed;
            }
        },
        onUpdate: (_, _) =>
        {
            if (++updates == watchEvents)
            {
                watched = watch.Elapsed;
            }
        }));
    using var stop = new CancellationTokenSource();
    var run = informer.RunAsync(stop.Token);
    while (informer.LastSyncResourceVersion != lastVersion)
    {
        await Task.Delay(1);
    }

    var listSeconds = listed.TotalSeconds;
    var watchSeconds = (watched - listed).TotalSeconds;
    await stop.CancelAsync();
    await run;
    Report("informer list ingest (canned)", listObjects / listSeconds, "objects/s", $"{listObjects} Servers in {listSeconds:F2} s, client cost only");
    Report("informer watch ingest (canned)", watchEvents / watchSeconds, "events/s", $"{watchEvents} MODIFIED events in {watchSeconds:F2} s, client cost only");
}

static Server WithVersion(Server server, long version)
{
    server.Metadata.ResourceVersion = version.ToString(CultureInfo.InvariantCulture);
    return server;
}

static Server SampleServer(int i)
{
    var server = new Server
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"vm-{i:D6}",
            NamespaceProperty = $"project-{i % 50}",
            Labels = new Dictionary<string, string>() { ["app"] = "web", ["kubecloud.io/node"] = $"node-{i % 100}" },
            Annotations = new Dictionary<string, string>() { ["kubecloud.io/owner"] = "alice" },
            Finalizers = ["kubecloud.io/server"],
        },
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = "m1.small" },
            ImageRef = new NamespacedObjectReference { Name = "debian-12" },
            Networks = [new ServerNetwork { NetworkRef = new NamespacedObjectReference { Name = "private" } }],
            SshKeys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0n0ExampleKeyMaterialForBenchmarks alice@laptop"],
        },
        Status = new ServerStatus
        {
            Phase = ServerPhase.Active,
            Node = $"node-{i % 100}",
            ObservedGeneration = 1,
            Conditions =
            [
                new Condition { Type = "Scheduled", Status = ConditionStatus.True, Reason = "Scheduled", Message = $"node-{i % 100}", LastTransitionTime = DateTimeOffset.UnixEpoch, ObservedGeneration = 1 },
                new Condition { Type = "Ready", Status = ConditionStatus.True, Reason = "Active", Message = "the server is running", LastTransitionTime = DateTimeOffset.UnixEpoch, ObservedGeneration = 1 },
            ],
        },
    };
    return server;
}

static async Task<double> QueueThroughputAsync(int items, int workers)
{
    using var queue = new RateLimitingQueue<ReconcileRequest>("bench");
    var watch = Stopwatch.StartNew();
    var consumers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
    {
        while (true)
        {
            var (item, shutdown) = await queue.GetAsync();
            if (shutdown)
            {
                return;
            }

            queue.Forget(item);
            queue.Done(item);
        }
    })).ToList();
    for (var i = 0; i < items; i++)
    {
        queue.Add(new ReconcileRequest("bench", "item-" + i.ToString(CultureInfo.InvariantCulture)));
    }

    await queue.ShutDownWithDrainAsync();
    await Task.WhenAll(consumers);
    return items / watch.Elapsed.TotalSeconds;
}

static async Task<double> ControllerThroughputAsync(KubeClient client, int objects, int workers)
{
    await using var informers = new SharedInformerFactory(client);
    var reconciler = new CountingReconciler(objects);
    var controller = new ControllerBuilder(informers).For<Server>().WithWorkers(workers).Build(reconciler);
    using var stop = new CancellationTokenSource();
    await informers.StartAsync(stop.Token);
    await informers.WaitForCacheSyncAsync(stop.Token);
    var watch = Stopwatch.StartNew();
    var run = controller.RunAsync(stop.Token);
    await reconciler.Done.Task;
    var rate = objects / watch.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await run;
    return rate;
}

static long CacheMemory(int count)
{
    var json = Enumerable.Range(0, count).Select(i => KubernetesJson.Serialize(SampleServer(i))).ToList();
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var indexer = new Indexer<Server>();
    indexer.AddIndex("node", s => s.Status?.Node is { } n ? [n] : []);
    foreach (var text in json)
    {
        indexer.Upsert(KubernetesJson.Deserialize<Server>(text));
    }

    var after = GC.GetTotalMemory(forceFullCollection: true);
    GC.KeepAlive(indexer);
    GC.KeepAlive(json);
    return after - before;
}

internal sealed class CountingReconciler(int expected) : IReconciler<Server>
{
    private int _count;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _count) == expected)
        {
            Done.TrySetResult();
        }

        return Task.FromResult(ReconcileResult.Done);
    }
}
