using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Kube.Config;

/// <summary>
/// Everything needed to talk to one API server: where, whom to trust, who we are.
/// Build it with <see cref="KubeConfigLoader"/>, <see cref="InClusterConfig"/>, or <see cref="Load"/> (in-cluster when
/// running in a pod, else the kubeconfig).
/// </summary>
public sealed class KubeClientConfig
{
    public required Uri Server { get; init; }

    /// <summary>Certificates that may sign the server's certificate; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to check the server certificate against (and send as SNI) instead of the URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>A client certificate with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// A client certificate that can change (an exec plugin's): presented at each TLS handshake instead of
    /// <see cref="ClientCertificate"/> when it has one; the handler's connections are closed when it rotates.
    /// </summary>
    public IClientCertificateSource? ClientCertificateSource { get; init; }

    public ICredentialProvider? Credentials { get; init; }

    /// <summary>The cluster's <c>proxy-url</c> (http:// or https://, CONNECT for https servers); null uses the environment's proxy settings.</summary>
    public Uri? ProxyUrl { get; init; }

    /// <summary>The namespace of the context (or of the pod's service account), for callers that want a default.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Per-request timeout of non-watch calls.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The usual order: in-cluster config when <c>KUBERNETES_SERVICE_HOST</c> is set and the service-account token exists,
    /// otherwise the kubeconfig from <c>KUBECONFIG</c> or <c>~/.kube/config</c>.
    /// </summary>
    public static KubeClientConfig Load(string? context = null)
    {
        if (InClusterConfig.IsInCluster())
        {
            return InClusterConfig.Load();
        }

        return KubeConfigLoader.Load(context: context);
    }

    /// <summary>One pooled handler: HTTP/2 when the server offers it over TLS, TLS trust and client certificate as configured.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var ssl = handler.SslOptions;
        if (ClientCertificate is not null)
        {
            ssl.ClientCertificates = [ClientCertificate];
        }

        if (ClientCertificateSource is { } source)
        {
            var rotation = new ConnectionRotation();
            handler.ConnectCallback = rotation.ConnectAsync;
            source.Rotated += (_, _) => rotation.CloseAll();
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => source.Current ?? ClientCertificate!;
        }

        if (ProxyUrl is not null)
        {
            handler.Proxy = new ClusterProxy(ProxyUrl);
            handler.UseProxy = true;
        }

        if (TlsServerName is not null)
        {
            ssl.TargetHost = TlsServerName;
        }

        if (InsecureSkipTlsVerify)
        {
#pragma warning disable CA5359 // insecure-skip-tls-verify is an explicit, documented kubeconfig choice.
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (CertificateAuthorities is { Count: > 0 } roots)
        {
            var serverName = TlsServerName ?? Server.Host;
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                ServerCertificateValidator.Validate(certificate, errors, roots, serverName);
        }

        return handler;
    }
}
