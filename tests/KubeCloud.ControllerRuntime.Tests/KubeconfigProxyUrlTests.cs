using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.ControllerRuntime.Tests;

public class KubeconfigProxyUrlTests
{
    private static string Kubeconfig(string? proxyUrl) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: dev
          cluster:
            server: https://dev.example:6443
        - name: prod
          cluster:
            server: https://prod.example:6443
        {{(proxyUrl is null ? "" : "    proxy-url: " + proxyUrl)}}
        users:
        - name: me
          user:
            token: abc
        contexts:
        - name: dev
          context: { cluster: dev, user: me }
        - name: prod
          context: { cluster: prod, user: me }
        current-context: prod
        """;

    [Theory]
    [InlineData("http://proxy.example:3128", null, "http://proxy.example:3128/")]
    [InlineData("https://user:pw@proxy.example", null, "https://user:pw@proxy.example/")]
    [InlineData("http://proxy.example:3128", "dev", null)]
    [InlineData(null, null, null)]
    public void Reads_the_proxy_of_the_context_cluster(string? proxyUrl, string? context, string? expected)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", Kubeconfig(proxyUrl));

        Assert.Equal(expected, KubeconfigProxyUrl.Read(path, context)?.ToString());
    }

    [Theory]
    [InlineData("socks5://proxy.example:1080", "socks5 proxies are not supported")]
    [InlineData("ftp://proxy.example", "scheme 'ftp' is not supported")]
    [InlineData("not a url", "is not an absolute URL")]
    public void Refuses_what_it_cannot_use_naming_the_field(string proxyUrl, string reason)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", Kubeconfig(proxyUrl));

        var error = Assert.Throws<InvalidOperationException>(() => KubeconfigProxyUrl.Read(path));
        Assert.Contains("clusters[prod].cluster.proxy-url", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
