using k8s;
using KubeCloud.Kube.Client;
using KubeCloud.Kube.Config;
using KubeCloud.LocalCluster;
using KubeCloud.Testing;

namespace KubeCloud.Kube.IntegrationTests.LocalCluster;

/// <summary>A KubeCloud.LocalCluster API server (HTTPS, bearer tokens, the KubeCloud CRDs) and clients from its kubeconfig.</summary>
public sealed class LocalClusterFixture : IAsyncDisposable
{
    private LocalClusterFixture(LocalApiServer server) => Server = server;

    public LocalApiServer Server { get; }

    /// <summary>A fresh admin configuration, read from the kubeconfig the server wrote (CA data, token).</summary>
    public KubernetesClientConfiguration Config() => ClusterConfig.FromKubeconfig(Server.KubeconfigPath);

    public static async Task<LocalClusterFixture> StartAsync(TimeSpan? bookmarkInterval = null)
    {
        var crds = Path.Combine(RepositoryRoot.Path, "crds");
        var options = new LocalApiServerOptions { WatchHistorySize = 10_000, BookmarkInterval = bookmarkInterval ?? TimeSpan.FromSeconds(1) };
        foreach (var kind in new[] { "servers", "ports", "networks", "flavors" })
        {
            options.CrdFiles.Add(Path.Combine(crds, $"kubecloud.io_{kind}.yaml"));
        }

        var server = await LocalApiServer.StartAsync(options);
        return new LocalClusterFixture(server);
    }

    public KubeClient NewClient() => new(Config(), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

    /// <summary>A client whose connections can be cut (to force a reconnect from an old resourceVersion).</summary>
    public KubeClient NewClient(PartitionableHandler handler) => new(Config(), handler);

    public static PartitionableHandler NewPartitionableHandler() => new();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
