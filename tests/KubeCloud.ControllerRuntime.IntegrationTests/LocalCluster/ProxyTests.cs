using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.ControllerRuntime.IntegrationTests.LocalCluster;

/// <summary>A kubeconfig <c>proxy-url</c>: the client reaches the local API server through an HTTP CONNECT proxy.</summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task Requests_and_watches_go_through_the_proxy_url_of_the_kubeconfig()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var proxy = new ConnectProxy();
        // KubernetesClient's own kubeconfig model drops proxy-url; ClusterConfig reads it and routes through it.
        var kubeconfig = cluster.Server.KubeconfigPath + ".proxied";
        File.WriteAllText(kubeconfig, File.ReadAllText(cluster.Server.KubeconfigPath).Replace("    server: ", $"    proxy-url: {proxy.Url}\n    server: ", StringComparison.Ordinal));
        Assert.Equal(proxy.Url, KubeconfigProxyUrl.Read(kubeconfig));
        using var client = new KubeClient(ClusterConfig.FromKubeconfig(kubeconfig));

        var created = await client.CreateAsync(TestCluster.NewServer("default", "via-proxy"));
        Assert.Equal("via-proxy", (await client.GetAsync<Server>("via-proxy", "default")).Metadata.Name);
        var informer = new SharedInformer<Server>(client);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        await client.CreateAsync(TestCluster.NewServer("default", "watched"));
        await TestCluster.EventuallyAsync(() => informer.Store.Get("default", "watched") is not null, "the watch through the proxy delivers the new server", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await run;

        // Every connection was a tunnel to the API server (HTTP/2 multiplexes the requests over few of them).
        Assert.NotEmpty(proxy.Targets);
        Assert.All(proxy.Targets, t => Assert.Equal($"127.0.0.1:{cluster.Server.Endpoint.Port}", t));
        Assert.NotNull(created.Metadata.Uid);

        // Without proxy-url the same server is reached directly.
        var tunnels = proxy.Targets.Count;
        using var direct = cluster.NewClient();
        await direct.GetAsync<Server>("via-proxy", "default");
        Assert.Equal(tunnels, proxy.Targets.Count);
    }
}
