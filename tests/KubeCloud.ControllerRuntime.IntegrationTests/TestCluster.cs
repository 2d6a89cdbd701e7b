using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Testing;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

/// <summary>
/// The local control plane (KubeCloud.ApiServer: HTTPS, bearer tokens, the KubeCloud CRDs) with its test-only
/// <see cref="FaultInjection"/>, and clients of it from its kubeconfig; a client's handler can be cut off to simulate
/// a partition or a crash.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The namespaces the tests write to, created at start.</summary>
    private static readonly string[] Namespaces = ["a", "b", "kubecloud-system"];

    private TestCluster(LocalApiServer server, FaultInjection faults)
    {
        Server = server;
        Faults = faults;
    }

    public LocalApiServer Server { get; }

    /// <summary>Failures, dropped watches and request counters of <see cref="Server"/>.</summary>
    public FaultInjection Faults { get; }

    /// <summary>How many watches of Servers are open on the server.</summary>
    public int OpenServerWatches => Server.OpenWatches("kubecloud.io", "servers");

    public static async Task<TestCluster> StartAsync(TimeSpan? bookmarkInterval = null)
    {
        var crds = Path.Combine(RepositoryRoot.Path, "crds");
        var faults = new FaultInjection();
        var options = new LocalApiServerOptions { WatchHistorySize = 10_000, BookmarkInterval = bookmarkInterval ?? TimeSpan.FromSeconds(1), Faults = faults };
        foreach (var kind in new[] { "servers", "ports", "networks", "flavors" })
        {
            options.CrdFiles.Add(Path.Combine(crds, $"kubecloud.io_{kind}.yaml"));
        }

        var cluster = new TestCluster(await LocalApiServer.StartAsync(options), faults);
        using var client = cluster.NewClient();
        foreach (var ns in Namespaces)
        {
            await client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        }

        return cluster;
    }

    /// <summary>A fresh admin configuration, read from the kubeconfig the server wrote (CA data, token).</summary>
    public KubernetesClientConfiguration Config() => ClusterConfig.FromKubeconfig(Server.KubeconfigPath);

    public KubeClient NewClient(PartitionableHandler? handler = null) =>
        new(Config(), handler ?? new PartitionableHandler(), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

    public static Server NewServer(string ns, string name, string network = "net1", Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name, Labels = labels },
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = "m1.small" },
            ImageRef = new NamespacedObjectReference { Name = "debian" },
            Networks = [new ServerNetwork { NetworkRef = new NamespacedObjectReference { Name = network } }],
        },
    };

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>An HTTP handler that fails every request while <see cref="Partitioned"/> is set.</summary>
public sealed class PartitionableHandler : DelegatingHandler
{
    private volatile bool _partitioned;

    private int _refused;

    public bool Partitioned { get => _partitioned; set => _partitioned = value; }

    /// <summary>How many requests the partition has refused so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_partitioned)
        {
            Interlocked.Increment(ref _refused);
            throw new HttpRequestException("partitioned");
        }

        return base.SendAsync(request, cancellationToken);
    }
}
