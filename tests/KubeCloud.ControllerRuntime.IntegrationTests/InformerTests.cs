using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

public sealed class InformerTests
{
    /// <summary>Records what an informer delivered, in order.</summary>
    private sealed class Recorder : IResourceEventHandler<Server>
    {
        public List<string> Events { get; } = [];

        public void OnAdd(Server obj) => Add($"add {obj.Metadata.Name} {obj.Metadata.ResourceVersion}");

        public void OnUpdate(Server oldObj, Server newObj) => Add($"update {newObj.Metadata.Name} {newObj.Metadata.ResourceVersion}");

        public void OnDelete(Server obj, bool finalStateUnknown) => Add($"delete {obj.Metadata.Name}{(finalStateUnknown ? " unknown" : "")}");

        public string[] Snapshot()
        {
            lock (Events)
            {
                return [.. Events];
            }
        }

        private void Add(string e)
        {
            lock (Events)
            {
                Events.Add(e);
            }
        }
    }

    [Fact]
    public async Task Lists_then_watches_and_keeps_custom_indexes_in_step()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        for (var i = 0; i < 7; i++)
        {
            await client.CreateAsync(TestCluster.NewServer(i % 2 == 0 ? "a" : "b", $"s{i}", network: i < 4 ? "net1" : "net2"));
        }

        var informer = new SharedInformer<Server>(client, new InformerOptions { PageSize = 3 });
        informer.AddIndex("network", s => s.Spec.Networks?.Select(n => n.NetworkRef?.Name) ?? []);
        informer.AddIndex("node", s => [s.Status?.Node]);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);

        Assert.Equal(7, informer.Store.Count);
        Assert.Equal(3, cluster.Faults.Requests("list", "servers"));
        Assert.Equal(4, informer.Store.ListByNamespace("a").Count);
        Assert.Equal(4, informer.Store.ByIndex("network", "net1").Count);

        var s1 = await client.GetAsync<Server>("s1", "b");
        s1.Status = new ServerStatus { Node = "node-7", Phase = ServerPhase.Active };
        await client.UpdateStatusAsync(s1);
        await client.DeleteAsync<Server>("s0", "a");
        await client.CreateAsync(TestCluster.NewServer("a", "late", network: "net2"));

        await TestCluster.EventuallyAsync(() => informer.Store.ByIndex("node", "node-7").Count == 1 && informer.Store.Count == 7 && informer.Store.Get("a", "late") is not null, "watch events applied");
        Assert.Equal(["b/s1"], informer.Store.ByIndex("node", "node-7").Select(ObjectKey.Of));
        Assert.Equal(3, informer.Store.ByIndex("network", "net1").Count);
        Assert.Equal(1, informer.ListCount);

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Theory]
    [InlineData("managed fields stripped, last-applied-configuration kept by default", null, null, false, true)]
    [InlineData("managed fields kept when asked", false, null, true, true)]
    [InlineData("last-applied-configuration stripped when asked", null, true, false, false)]
    public async Task Cached_objects_hold_managed_fields_and_last_applied_configuration_only_when_asked(string name, bool? stripManaged, bool? stripLastApplied, bool managedKept, bool lastAppliedKept)
    {
        _ = name;
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(Annotated(TestCluster.NewServer("a", "listed")));
        var options = new InformerOptions();
        options = stripManaged is { } m ? options with { StripManagedFields = m } : options;
        options = stripLastApplied is { } l ? options with { StripLastAppliedConfiguration = l } : options;
        var informer = new SharedInformer<Server>(client, options);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);
        await client.CreateAsync(Annotated(TestCluster.NewServer("a", "watched")));
        await TestCluster.EventuallyAsync(() => informer.Store.Get("a", "watched") is not null, "the watched server is cached");

        var stored = await client.GetAsync<Server>("watched", "a");
        Assert.NotEmpty(stored.Metadata.ManagedFields ?? []);
        Assert.True(stored.Metadata.Annotations?.ContainsKey(SharedInformer<Server>.LastAppliedConfiguration));
        Assert.All(new[] { "listed", "watched" }, n =>
        {
            var cached = informer.Store.Get("a", n)!.Metadata;
            Assert.Equal(managedKept, cached.ManagedFields is { Count: > 0 });
            Assert.Equal(lastAppliedKept, cached.Annotations?.ContainsKey(SharedInformer<Server>.LastAppliedConfiguration) == true);
            Assert.Equal("kept", cached.Annotations?["other"]);
        });

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    private static Server Annotated(Server server)
    {
        server.Metadata.Annotations = new Dictionary<string, string>
        {
            [SharedInformer<Server>.LastAppliedConfiguration] = "{\"apiVersion\":\"kubecloud.io/v1alpha1\",\"kind\":\"Server\"}",
            ["other"] = "kept",
        };
        return server;
    }

    [Fact]
    public async Task A_watch_dropped_mid_event_resumes_without_missing_or_repeating_an_event()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await client.CreateAsync(TestCluster.NewServer("a", "first"));
        var informer = new SharedInformer<Server>(client, new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(300) });
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);
        await TestCluster.EventuallyAsync(() => cluster.OpenServerWatches == 1, "watch open");

        var expected = new List<string> { $"add first {(await client.GetAsync<Server>("first", "a")).Metadata.ResourceVersion}" };
        for (var round = 0; round < 3; round++)
        {
            var before = await client.CreateAsync(TestCluster.NewServer("a", $"before{round}"));
            expected.Add($"add before{round} {before.Metadata.ResourceVersion}");
            await TestCluster.EventuallyAsync(() => recorder.Snapshot().Length == expected.Count, "event before the drop");

            await cluster.Faults.DropWatchesAsync(midEvent: true);
            // Changes while the informer is disconnected must arrive once, after it resumes.
            var during = await client.CreateAsync(TestCluster.NewServer("a", $"during{round}"));
            expected.Add($"add during{round} {during.Metadata.ResourceVersion}");
            during.Spec.PowerState = DesiredPowerState.Stopped;
            var updated = await client.UpdateAsync(during);
            expected.Add($"update during{round} {updated.Metadata.ResourceVersion}");
            await client.DeleteAsync<Server>($"before{round}", "a");
            expected.Add($"delete before{round}");
            await TestCluster.EventuallyAsync(() => recorder.Snapshot().Length >= expected.Count && cluster.OpenServerWatches == 1, "resumed");
        }

        await Task.Delay(200);
        Assert.Equal(expected, recorder.Snapshot());
        Assert.Equal(1, informer.ListCount);
        Assert.Equal(4, cluster.Faults.Requests("watch", "servers"));
        // Every re-watch started from the last resourceVersion the informer had seen, never from scratch.
        Assert.All(cluster.Faults.WatchResourceVersions("servers"), rv => Assert.False(string.IsNullOrEmpty(rv)));
        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task A_forced_410_relists_and_delivers_missed_deletes_as_final_state_unknown()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        var informerHandler = new PartitionableHandler();
        using var informerClient = cluster.NewClient(informerHandler);
        await client.CreateAsync(TestCluster.NewServer("a", "stays"));
        await client.CreateAsync(TestCluster.NewServer("a", "goes"));
        var informer = new SharedInformer<Server>(informerClient, new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(50) });
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);
        await TestCluster.EventuallyAsync(() => cluster.OpenServerWatches == 1, "watch open");

        // The informer is cut off; meanwhile an object goes and another comes, and the server compacts its history.
        informerHandler.Partitioned = true;
        await cluster.Faults.DropWatchesAsync();
        await client.DeleteAsync<Server>("goes", "a");
        var added = await client.CreateAsync(TestCluster.NewServer("a", "new"));
        cluster.Server.CompactHistory();
        await TestCluster.EventuallyAsync(() => informerHandler.Refused > 0, "the informer's re-watch was refused");
        informerHandler.Partitioned = false;

        await TestCluster.EventuallyAsync(() => informer.ListCount == 2 && cluster.OpenServerWatches == 1, "relisted after 410");
        Assert.Null(informer.Store.Get("a", "goes"));
        Assert.NotNull(informer.Store.Get("a", "new"));
        var events = recorder.Snapshot();
        Assert.Contains("delete goes unknown", events);
        Assert.Contains($"add new {added.Metadata.ResourceVersion}", events);
        Assert.Equal(4, events.Length);

        await client.CreateAsync(TestCluster.NewServer("a", "after"));
        await TestCluster.EventuallyAsync(() => informer.Store.Get("a", "after") is not null, "watch after relist");
        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task Bookmarks_advance_the_resource_version_the_informer_resumes_from()
    {
        await using var cluster = await TestCluster.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(50));
        using var client = cluster.NewClient();
        await client.CreateAsync(TestCluster.NewServer("a", "s"));
        var informer = new SharedInformer<Server>(client);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);

        // Writes of another kind move the server's revision; only bookmarks tell the Server informer about it.
        for (var i = 0; i < 5; i++)
        {
            await client.CreateAsync(new Flavor { Metadata = new() { Name = $"f{i}" }, Spec = new FlavorSpec { Vcpus = 1, Memory = KubeCloud.Api.Quantity.Parse("1Gi") } });
        }

        var target = cluster.Server.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TestCluster.EventuallyAsync(() => informer.LastSyncResourceVersion == target, "bookmark advanced the resourceVersion");
        await cluster.Faults.DropWatchesAsync();
        await TestCluster.EventuallyAsync(() => cluster.Faults.Requests("watch", "servers") == 2, "re-watch");
        Assert.Equal(target, cluster.Faults.WatchResourceVersions("servers")[^1]);
        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }
}
