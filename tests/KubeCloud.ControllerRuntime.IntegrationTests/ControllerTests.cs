using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.ControllerRuntime.Observability;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

public sealed class ControllerTests
{
    private static bool Converged(Server? s) =>
        s is not null && s.Status?.Phase == ServerPhase.Active && Conditions.IsTrueFor(s.Status, ConditionTypes.Ready, s.Metadata.Generation)
        && Finalizers.Has(s, SampleServerReconciler.Finalizer);

    [Fact]
    public async Task A_sample_controller_converges_servers_recreates_owned_ports_and_cleans_up_behind_its_finalizer()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await using var informers = new SharedInformerFactory(client);
        var reconciler = new SampleServerReconciler(client, informers.For<Server>().Store, informers.For<Port>().Store);
        var controller = new ControllerBuilder(informers).For<Server>().Owns<Port>().Named("sample-server").WithWorkers(4).Build(reconciler);
        using var cts = new CancellationTokenSource();
        await informers.StartAsync(cts.Token);
        var run = controller.RunAsync(cts.Token);

        for (var i = 0; i < 10; i++)
        {
            await client.CreateAsync(TestCluster.NewServer(i % 2 == 0 ? "a" : "b", $"vm{i}"));
        }

        var servers = informers.For<Server>().Store;
        var ports = informers.For<Port>().Store;
        await TestCluster.EventuallyAsync(() => servers.List().Count == 10 && servers.List().All(Converged) && ports.Count == 10, "10 servers converged with ports");

        // A spec change bumps the generation; Ready must be re-observed for it.
        var vm0 = await client.GetAsync<Server>("vm0", "a");
        vm0.Spec.PowerState = DesiredPowerState.Stopped;
        var changed = await client.UpdateAsync(vm0);
        Assert.Equal(2, changed.Metadata.Generation);
        await TestCluster.EventuallyAsync(() => Converged(servers.Get("a", "vm0")) && servers.Get("a", "vm0")!.Status!.ObservedGeneration == 2, "generation 2 observed");

        // Deleting an owned port wakes the owner, which recreates it.
        await client.DeleteAsync<Port>("vm3-port0", "b");
        await TestCluster.EventuallyAsync(async () =>
        {
            try
            {
                return (await client.GetAsync<Port>("vm3-port0", "b")).Metadata.Uid is not null;
            }
            catch (NotFoundException)
            {
                return false;
            }
        }, "port recreated");

        // Deleting a server runs the finalizer: its port goes, then the server.
        await client.DeleteAsync<Server>("vm4", "a");
        await TestCluster.EventuallyAsync(() => servers.Get("a", "vm4") is null && ports.Get("a", "vm4-port0") is null, "server and port deleted");

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task Conflicts_and_failures_are_retried_with_backoff_and_converge()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await using var informers = new SharedInformerFactory(client);
        var reconciler = new SampleServerReconciler(client, informers.For<Server>().Store, informers.For<Port>().Store);
        var controller = new ControllerBuilder(informers).For<Server>().Owns<Port>().WithWorkers(2).Build(reconciler);
        using var cts = new CancellationTokenSource();
        await informers.StartAsync(cts.Token);
        var run = controller.RunAsync(cts.Token);
        await informers.WaitForCacheSyncAsync(cts.Token);

        // The controller's updates fail: six conflicts exceed the finalizer's five conflict retries, so the reconcile
        // throws and the queue backs off; then five 500s exhaust the client's own retries of a PUT, once more.
        cluster.Faults.FailNext("update", "servers", 409, count: 6);
        cluster.Faults.FailNext("update", "servers", 500, count: 5);
        await client.CreateAsync(TestCluster.NewServer("a", "contended"));
        await TestCluster.EventuallyAsync(() => Converged(informers.For<Server>().Store.Get("a", "contended")), "converged despite conflicts");
        Assert.True(reconciler.Reconciles >= 2);

        // A writer racing the controller: the status update of the controller conflicts, and it still converges.
        for (var i = 0; i < 5; i++)
        {
            var current = await client.GetAsync<Server>("contended", "a");
            current.Metadata.Labels = new Dictionary<string, string> { ["round"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            await ConflictRetry.RunAsync(async ct =>
            {
                var fresh = await client.GetAsync<Server>("contended", "a", ct);
                fresh.Metadata.Labels = current.Metadata.Labels;
                return await client.UpdateAsync(fresh, cancellationToken: ct);
            });
        }

        await TestCluster.EventuallyAsync(() => Converged(informers.For<Server>().Store.Get("a", "contended")), "still converged");
        var text = await RuntimeMetrics.ScrapeAsync();
        Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"server\"}", text, StringComparison.Ordinal);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"server\",result=\"success\"}", text, StringComparison.Ordinal);

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task A_mapped_watch_requeues_ports_when_their_network_changes_and_exceptions_never_stop_workers()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await using var informers = new SharedInformerFactory(client);
        var portInformer = informers.For<Port>();
        portInformer.AddIndex("network", p => [p.Metadata.NamespaceProperty + "/" + p.Spec.NetworkRef.Name]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reconciler = new DelegateReconciler<Port>(request =>
        {
            seen.Enqueue(request.ToString());
            if (request.Name == "explodes")
            {
                throw new InvalidOperationException("boom");
            }

            if (request.Name == "terminal")
            {
                throw new TerminalReconcileException("bad input");
            }

            return ReconcileResult.Done;
        });
        var controller = new ControllerBuilder(informers).For<Port>()
            .Watches<Network>(network => portInformer.Store.ByIndex("network", network.Metadata.NamespaceProperty + "/" + network.Metadata.Name).Select(ReconcileRequest.For))
            .WithWorkers(2)
            .Build(reconciler);
        using var cts = new CancellationTokenSource();
        await informers.StartAsync(cts.Token);
        var run = controller.RunAsync(cts.Token);

        foreach (var (name, network) in new[] { ("p1", "blue"), ("p2", "blue"), ("p3", "red"), ("explodes", "red"), ("terminal", "red") })
        {
            await client.CreateAsync(new Port { Metadata = new() { Name = name, NamespaceProperty = "a" }, Spec = new PortSpec { NetworkRef = new() { Name = network } } });
        }

        await TestCluster.EventuallyAsync(() => seen.Contains("a/p3") && seen.Count(s => s == "a/explodes") >= 3, "ports reconciled and the failing one retried");
        var terminalCount = seen.Count(s => s == "a/terminal");
        var before = seen.Count(s => s == "a/p1");

        await client.CreateAsync(new Network { Metadata = new() { Name = "blue", NamespaceProperty = "a" } });
        await TestCluster.EventuallyAsync(() => seen.Count(s => s == "a/p1") > before && seen.Count(s => s == "a/p2") > 1, "blue's ports requeued");
        Assert.Equal(1, seen.Count(s => s == "a/p3"));
        Assert.Equal(1, terminalCount);
        Assert.Equal(1, seen.Count(s => s == "a/terminal"));

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task A_watch_with_an_update_predicate_maps_only_the_updates_that_matter()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        await using var informers = new SharedInformerFactory(client);
        var portInformer = informers.For<Port>();
        portInformer.AddIndex("network", p => [p.Metadata.NamespaceProperty + "/" + p.Spec.NetworkRef.Name]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var controller = new ControllerBuilder(informers).For<Port>()
            .Watches<Network>(
                network => portInformer.Store.ByIndex("network", network.Metadata.NamespaceProperty + "/" + network.Metadata.Name).Select(ReconcileRequest.For),
                (old, updated) => old.Metadata.Generation != updated.Metadata.Generation)
            .WithWorkers(1) // one worker and a FIFO queue: a request queued before another is reconciled before it
            .Build(new DelegateReconciler<Port>(request =>
            {
                seen.Enqueue(request.ToString());
                return ReconcileResult.Done;
            }));
        using var cts = new CancellationTokenSource();
        await informers.StartAsync(cts.Token);
        var run = controller.RunAsync(cts.Token);
        foreach (var (name, network) in new[] { ("p1", "blue"), ("p2", "red") })
        {
            await client.CreateAsync(new Port { Metadata = new() { Name = name, NamespaceProperty = "a" }, Spec = new PortSpec { NetworkRef = new() { Name = network } } });
        }

        // Each port's own creation reconciled first: a request still queued would absorb the network's (the queue
        // de-duplicates), and the index the mapping reads would not hold the port yet.
        await TestCluster.EventuallyAsync(() => seen.Contains("a/p1") && seen.Contains("a/p2"), "ports reconciled for their creation");
        var blue = await client.CreateAsync(new Network { Metadata = new() { Name = "blue", NamespaceProperty = "a" } });
        await TestCluster.EventuallyAsync(() => seen.Count(s => s == "a/p1") == 2, "blue's port reconciled again for its network's creation");

        // A label is metadata: the generation stays, so the update is not mapped. Red's creation after it is the barrier.
        blue.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "gold" };
        blue = await client.UpdateAsync(blue);
        await client.CreateAsync(new Network { Metadata = new() { Name = "red", NamespaceProperty = "a" } });
        await TestCluster.EventuallyAsync(() => seen.Count(s => s == "a/p2") == 2, "red's port requeued");
        Assert.Equal(2, seen.Count(s => s == "a/p1"));

        // A spec change moves the generation: mapped.
        blue.Spec = new NetworkSpec { Mtu = 1400 };
        await client.UpdateAsync(blue);
        await TestCluster.EventuallyAsync(() => seen.Count(s => s == "a/p1") == 3, "blue's port requeued for its network's spec");

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    private sealed class DelegateReconciler<T>(Func<ReconcileRequest, ReconcileResult> reconcile) : IReconciler<T>
        where T : class
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken) => Task.FromResult(reconcile(request));
    }
}
