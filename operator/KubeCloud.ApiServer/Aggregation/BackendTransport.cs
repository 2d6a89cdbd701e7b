using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// HTTPS clients to extension API servers, one per APIService configuration: each presents the front-proxy client
/// certificate and verifies the backend's serving certificate against <c>spec.caBundle</c> for the name
/// <c>&lt;service&gt;.&lt;namespace&gt;.svc</c> (the system roots when the bundle is empty), or not at all with
/// <c>spec.insecureSkipTLSVerify</c>. Identity headers go out one line per value through <see cref="RepeatedHeaderStream"/>.
/// No timeout of its own: a proxied stream lasts as long as the caller stays.
/// </summary>
public sealed class BackendTransport : IDisposable
{
    /// <summary>How long a connection to a backend may take before the request is 503.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly FrontProxyCertificates _certificates;
    private readonly ConcurrentDictionary<(string Name, string ServerName, string CaBundle, bool Insecure), HttpMessageInvoker> _clients = new();

    public BackendTransport(FrontProxyCertificates certificates)
    {
        _certificates = certificates;
    }

    public HttpMessageInvoker For(ApiServiceSpec apiService)
    {
        var key = (apiService.Name, apiService.Service!.ServerName, apiService.CaBundlePem, apiService.InsecureSkipTlsVerify);
        if (_clients.TryGetValue(key, out var client))
        {
            return client;
        }

        // The configuration changed (or is new): drop this APIService's older clients.
        foreach (var old in _clients.Keys.Where(k => k.Name == apiService.Name && k != key))
        {
            if (_clients.TryRemove(old, out var stale))
            {
                stale.Dispose();
            }
        }

        return _clients.GetOrAdd(key, _ => Create(apiService));
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

    private HttpMessageInvoker Create(ApiServiceSpec apiService)
    {
        var serverName = apiService.Service!.ServerName;
        var trusted = apiService.CaBundle();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
            PlaintextStreamFilter = (context, _) => ValueTask.FromResult<Stream>(new RepeatedHeaderStream(context.PlaintextStream)),
            SslOptions =
            {
                ClientCertificates = [_certificates.ClientCertificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => _certificates.ClientCertificate,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    apiService.InsecureSkipTlsVerify || Verify(certificate, errors, trusted, serverName),
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>The chain ends in a caBundle certificate (or a system root when the bundle is empty) and the certificate names <paramref name="serverName"/>.</summary>
    internal static bool Verify(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted, string serverName)
    {
        if (certificate is null)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!leaf.MatchesHostname(serverName))
        {
            return false;
        }

        if (trusted.Count == 0)
        {
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
