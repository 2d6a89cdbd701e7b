using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Kube.Client;
using KubeCloud.Kube.TestServer;

namespace KubeCloud.Kube.IntegrationTests;

/// <summary>A fake API server and a client of it; the client's handler can be cut off to simulate a partition or a crash.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TestCluster(FakeApiServer server) => Server = server;

    public FakeApiServer Server { get; }

    public static string Servers => ResourceInfo.Of<Server>().PathFor(null);

    public static async Task<TestCluster> StartAsync() => new(await FakeApiServer.StartAsync());

    public KubeClient NewClient(PartitionableHandler? handler = null) =>
        new(new KubernetesClientConfiguration { Host = Server.Endpoint.ToString() }, handler ?? new PartitionableHandler(), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

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
