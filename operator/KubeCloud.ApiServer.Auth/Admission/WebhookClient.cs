using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// Posts AdmissionReviews to webhooks over HTTPS. A webhook's caBundle is the only root trusted
/// for its calls (no caBundle: the system roots); the certificate must also be valid for the host
/// name. One connection pool per distinct caBundle.
/// </summary>
internal sealed class WebhookClient : IDisposable
{
    private const string Json = "application/json";

    private readonly AdmissionWebhookOptions options;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> invokers = new(StringComparer.Ordinal);

    public WebhookClient(AdmissionWebhookOptions options)
    {
        this.options = options;
    }

    /// <summary>The URL kube-apiserver posts to: the configured url, or https://name.namespace.svc:port/path; with ?timeout=Ns.</summary>
    public static Uri RequestUri(Admissionregistrationv1WebhookClientConfig config, int timeoutSeconds)
    {
        var baseUri = config.Url is { Length: > 0 } url
            ? new Uri(url)
            : config.Service is { } service
                ? new Uri($"https://{service.Name}.{service.NamespaceProperty}.svc:{service.Port ?? 443}{service.Path}")
                : throw new WebhookCallException("webhook has no clientConfig.url or clientConfig.service");
        var builder = new UriBuilder(baseUri);
        var timeout = $"timeout={timeoutSeconds}s";
        builder.Query = builder.Query.Length > 1 ? $"{builder.Query[1..]}&{timeout}" : timeout;
        return builder.Uri;
    }

    /// <summary>Posts the review and returns the webhook's review, or throws <see cref="WebhookCallException"/>.</summary>
    public async Task<V1AdmissionReview> PostAsync(
        Admissionregistrationv1WebhookClientConfig config, int timeoutSeconds, V1AdmissionReview review, CancellationToken cancellationToken)
    {
        var uri = RequestUri(config, timeoutSeconds);
        var invoker = invokers.GetOrAdd(config.CaBundle is { Length: > 0 } ca ? Convert.ToBase64String(ca) : "", CreateInvoker);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(KubeJson.SerializeToUtf8Bytes(review)) { Headers = { ContentType = new MediaTypeHeaderValue(Json) } },
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Json));
        try
        {
            using var response = await invoker.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var text = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 512)));
                throw new WebhookCallException(
                    $"failed to call webhook: the server responded with the status code {(int)response.StatusCode} ({text})");
            }

            try
            {
                return KubeJson.Deserialize<V1AdmissionReview>(body)
                    ?? throw new WebhookCallException("received invalid webhook response: empty body");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new WebhookCallException($"received invalid webhook response: {e.Message}", e);
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{uri}\": context deadline exceeded", e);
        }
        catch (HttpRequestException e)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{uri}\": {Describe(e)}", e);
        }
    }

    public void Dispose()
    {
        foreach (var invoker in invokers.Values)
        {
            invoker.Dispose();
        }
    }

    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            parts.Add(current.Message);
        }

        return string.Join(": ", parts);
    }

    private HttpMessageInvoker CreateInvoker(string caBundle)
    {
        var roots = new X509Certificate2Collection();
        if (caBundle.Length > 0)
        {
            roots.ImportFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(caBundle)));
        }

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = caBundle.Length == 0
                    ? null
                    : (_, certificate, _, errors) => IsTrusted(roots, certificate as X509Certificate2, errors),
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None || roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        EndPoint endpoint = context.DnsEndPoint;
        var labels = context.DnsEndPoint.Host.Split('.');
        if (labels.Length == 3 && labels[2] == "svc")
        {
            endpoint = options.ResolveService?.Invoke(labels[1], labels[0], context.DnsEndPoint.Port)
                ?? throw new HttpRequestException($"service \"{labels[1]}/{labels[0]}\" has no endpoint the local server can reach");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A webhook could not be called or answered nonsense; its failurePolicy decides.</summary>
public sealed class WebhookCallException : Exception
{
    public WebhookCallException()
    {
    }

    public WebhookCallException(string message)
        : base(message)
    {
    }

    public WebhookCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
