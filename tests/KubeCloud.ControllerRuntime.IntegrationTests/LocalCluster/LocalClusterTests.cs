using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.ControllerRuntime.IntegrationTests.LocalCluster;

/// <summary>The client and runtime against the real local API server (KubeCloud.ApiServer): TLS with its CA, bearer tokens, CRD validation.</summary>
public sealed class LocalClusterTests
{
    private static Server NewServer(string ns, string name) => TestCluster.NewServer(ns, name);

    [Fact]
    public async Task Typed_client_round_trips_custom_resources_and_maps_errors()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();

        var created = await client.CreateAsync(NewServer("default", "web"));
        Assert.NotNull(created.Metadata.Uid);
        Assert.Equal(1, created.Metadata.Generation);
        await Assert.ThrowsAsync<AlreadyExistsException>(() => client.CreateAsync(NewServer("default", "web")));
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync<Server>("nope", "default"));

        var invalid = NewServer("default", "bad");
        invalid.Spec.ImageRef = null;
        var error = await Assert.ThrowsAsync<InvalidException>(() => client.CreateAsync(invalid));
        Assert.NotEmpty(error.Causes);

        var stale = await client.GetAsync<Server>("web", "default");
        var fresh = await client.PatchAsync<Server>("web", "default", KubePatch.Merge(new { metadata = new { labels = new { tier = "front" } } }));
        Assert.Equal("front", fresh.Metadata.Labels!["tier"]);
        stale.Metadata.Labels = new Dictionary<string, string>() { ["tier"] = "back" };
        await Assert.ThrowsAsync<ConflictException>(() => client.UpdateAsync(stale));

        fresh.Status = new ServerStatus { Phase = ServerPhase.Scheduling };
        var withStatus = await client.UpdateStatusAsync(fresh);
        Assert.Equal(ServerPhase.Scheduling, withStatus.Status!.Phase);
        var patched = await client.PatchStatusAsync<Server>("web", "default", KubePatch.Merge(new { status = new { phase = "Active" } }));
        Assert.Equal(ServerPhase.Active, patched.Status!.Phase);

        var applied = await client.PatchAsync<Server>("web", "default",
            KubePatch.Apply(new { apiVersion = "kubecloud.io/v1alpha1", kind = "Server", metadata = new { name = "web", @namespace = "default", annotations = new { owner = "ops" } } }),
            new PatchOptions { FieldManager = "kubecloud-tests", Force = true });
        Assert.Equal("ops", applied.Metadata.Annotations!["owner"]);

        var dry = await client.CreateAsync(NewServer("default", "dry"), new WriteOptions { DryRun = true });
        Assert.Equal("dry", dry.Metadata.Name);
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync<Server>("dry", "default"));

        var page = await client.ListAsync<Server>("default", new ListOptions { LabelSelector = "tier=front", Limit = 10 });
        Assert.Equal("web", Assert.Single(page.Items!).Metadata.Name);

        await Assert.ThrowsAsync<ConflictException>(() => client.DeleteAsync<Server>("web", "default", new DeleteOptions { PreconditionUid = "not-the-uid" }));
        await client.DeleteAsync<Server>("web", "default", new DeleteOptions { PreconditionUid = created.Metadata.Uid, PropagationPolicy = "Background" });
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync<Server>("web", "default"));
    }

    [Fact]
    public async Task Authentication_and_RBAC_failures_are_typed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var token = cluster.Server.AddUser("alice", "tenants");
        using var alice = new KubeClient(ClusterConfig.FromKubeconfig(cluster.Server.WriteKubeconfig(token)));
        var forbidden = await Assert.ThrowsAsync<ForbiddenException>(() => alice.ListAsync<Server>("default"));
        Assert.Equal("Forbidden", forbidden.Reason);

        var strangerConfig = cluster.Config();
        strangerConfig.AccessToken = "not-a-token";
        using var stranger = new KubeClient(strangerConfig, new KubeClientOptions { Retry = RetryPolicy.None });
        await Assert.ThrowsAsync<UnauthorizedException>(() => stranger.ListAsync<Server>("default"));
    }

    [Fact]
    public async Task The_client_speaks_HTTP2_over_TLS_when_the_server_offers_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var recorder = new VersionRecorder();
        using var client = new KubeClient(cluster.Config(), recorder);
        await client.ListAsync<Server>("default");
        await foreach (var _ in client.WatchAsync<Server>("default", new WatchOptions { TimeoutSeconds = 1 }))
        {
        }

        Assert.Equal([new Version(2, 0), new Version(2, 0)], recorder.Versions);
    }

    [Fact]
    public async Task A_rotated_service_account_token_is_followed()
    {
        // InClusterConfig() reads /var/run/secrets/kubernetes.io/serviceaccount/token through the package's
        // TokenFileAuth, which reads the file again a minute after it last did (as client-go's cached token source).
        await using var cluster = await TestCluster.StartAsync();
        var tokenPath = Path.Combine(Directory.CreateTempSubdirectory("kubecloud-sa-").FullName, "token");
        try
        {
            File.WriteAllText(tokenPath, cluster.Server.AddUser("nobody"));
            var config = cluster.Config();
            config.AccessToken = null;
            config.TokenProvider = new k8s.Authentication.TokenFileAuth(tokenPath);
            using var client = new KubeClient(config, new KubeClientOptions { Retry = RetryPolicy.None });
            await Assert.ThrowsAsync<ForbiddenException>(() => client.ListAsync<Server>("default"));

            // The kubelet rotates the token (here: to an admin's); a request after the reload carries it.
            File.WriteAllText(tokenPath, cluster.Server.AdminToken);
            await TestCluster.EventuallyAsync(
                async () =>
                {
                    try
                    {
                        return (await client.ListAsync<Server>("default")).Items is not null;
                    }
                    catch (ForbiddenException)
                    {
                        return false;
                    }
                },
                "the rotated token is used",
                TimeSpan.FromSeconds(90));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(tokenPath)!, recursive: true);
        }
    }

    [Fact]
    public async Task An_exec_plugin_token_authenticates()
    {
        await using var cluster = await TestCluster.StartAsync();
        var directory = Directory.CreateTempSubdirectory("kubecloud-exec-").FullName;
        try
        {
            var plugin = Path.Combine(directory, "token-plugin.sh");
            File.WriteAllText(plugin, "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"" + cluster.Server.AdminToken + "\"}}'\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
            }
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            var lines = File.ReadAllLines(cluster.Server.KubeconfigPath).ToList();
            var token = lines.FindIndex(l => l.TrimStart().StartsWith("token: ", StringComparison.Ordinal));
            lines[token] = $"    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {plugin}\n      interactiveMode: Never";
            File.WriteAllLines(kubeconfig, lines);
            using var client = new KubeClient(ClusterConfig.FromKubeconfig(kubeconfig));
            Assert.NotNull((await client.ListAsync<Server>("default")).Items);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

    }

    [Fact]
    public async Task Informer_indexes_follow_the_local_api_server()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        var informer = new SharedInformer<Server>(client, new InformerOptions { PageSize = 2 });
        informer.AddIndex("node", s => [s.GetLabel(ApiGroup.NodeLabel)]);
        for (var i = 0; i < 5; i++)
        {
            var server = NewServer("default", $"vm{i}");
            server.Metadata.Labels = new Dictionary<string, string>() { [ApiGroup.NodeLabel] = $"node-{i % 2}" };
            await client.CreateAsync(server);
        }

        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);
        Assert.Equal(3, informer.Store.ByIndex("node", "node-0").Count);

        await client.PatchAsync<Server>("vm0", "default", KubePatch.Merge(new { metadata = new { labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = "node-1" } } }));
        await TestCluster.EventuallyAsync(() => informer.Store.ByIndex("node", "node-1").Count == 3, "relabelled server moved between index values");
        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    [Fact]
    public async Task A_compacted_history_makes_the_informer_relist()
    {
        await using var cluster = await TestCluster.StartAsync(bookmarkInterval: TimeSpan.FromMinutes(5));
        using var client = cluster.NewClient();
        var handler = new PartitionableHandler();
        using var informerClient = cluster.NewClient(handler);
        await client.CreateAsync(NewServer("default", "stays"));
        await client.CreateAsync(NewServer("default", "goes"));
        var informer = new SharedInformer<Server>(informerClient, new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), WatchTimeout = TimeSpan.FromSeconds(1) });
        var deletes = new List<(string Name, bool Unknown)>();
        informer.AddEventHandler(new ResourceEventHandler<Server>(onDelete: (s, unknown) =>
        {
            lock (deletes)
            {
                deletes.Add((s.Metadata.Name!, unknown));
            }
        }));
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForCacheSyncAsync(cts.Token).WaitAsync(TestCluster.Timeout);

        // Cut the informer off; its watch ends by timeout within a second and cannot be re-opened.
        handler.Partitioned = true;
        await TestCluster.EventuallyAsync(() => handler.Refused > 0, "the informer's watch ended and its re-watch was refused");
        await client.DeleteAsync<Server>("goes", "default");
        await client.CreateAsync(NewServer("default", "new"));
        cluster.Server.CompactHistory();
        handler.Partitioned = false;

        await TestCluster.EventuallyAsync(() => informer.ListCount == 2 && informer.Store.Get("default", "new") is not null, "relisted after 410");
        Assert.Null(informer.Store.Get("default", "goes"));
        lock (deletes)
        {
            Assert.Contains(("goes", true), deletes);
        }

        await cts.CancelAsync();
        await run.WaitAsync(TestCluster.Timeout);
    }

    private sealed class VersionRecorder : DelegatingHandler
    {
        public List<Version> Versions { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Versions.Add(response.Version);
            return response;
        }
    }
}
