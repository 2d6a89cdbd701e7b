using System.Net;

namespace KubeCloud.ControllerRuntime.Config;

/// <summary>
/// A cluster's <c>proxy-url</c>: every request goes through it, loopback servers included (an HTTP CONNECT tunnel for
/// https servers). http:// and https:// proxies are supported (an https proxy's own certificate is checked against the
/// system trust store); user:password in the URL is sent as Basic proxy credentials when the proxy asks (407).
/// </summary>
internal sealed class ClusterProxy : IWebProxy
{
    private readonly Uri _proxy;

    public ClusterProxy(Uri proxy)
    {
        _proxy = new UriBuilder(proxy) { UserName = "", Password = "" }.Uri;
        if (!string.IsNullOrEmpty(proxy.UserInfo))
        {
            var parts = proxy.UserInfo.Split(':', 2);
            Credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        }
    }

    public ICredentials? Credentials { get; set; }

    public Uri GetProxy(Uri destination) => _proxy;

    public bool IsBypassed(Uri host) => false;

    /// <summary>Parses and checks a kubeconfig proxy-url.</summary>
    public static Uri Parse(string proxyUrl, string cluster)
    {
        if (!Uri.TryCreate(proxyUrl, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"clusters[{cluster}].cluster.proxy-url: '{proxyUrl}' is not an absolute URL.");
        }

        return uri.Scheme switch
        {
            "http" or "https" => uri,
            "socks5" or "socks5h" => throw new InvalidOperationException(
                $"clusters[{cluster}].cluster.proxy-url: socks5 proxies are not supported by this client; use an http:// or https:// (CONNECT) proxy."),
            _ => throw new InvalidOperationException(
                $"clusters[{cluster}].cluster.proxy-url: scheme '{uri.Scheme}' is not supported; use http:// or https://."),
        };
    }
}
