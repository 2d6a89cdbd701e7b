using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.Kube.Config;
using KubeCloud.Kube.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.Kube.Client;

/// <summary>
/// The HTTP implementation of <see cref="IKubeClient"/>: one pooled <see cref="SocketsHttpHandler"/> (HTTP/2 when the
/// server offers it over TLS), bearer tokens from an <see cref="ICredentialProvider"/> (refreshed once after a 401),
/// retries as <see cref="RetryPolicy"/> documents, and typed <see cref="KubeApiException"/>s.
/// </summary>
public sealed class KubeClient : IKubeClient, IDisposable
{
    private const string ErrorCode = "<error>";
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");
    private readonly HttpClient _http;
    private readonly ICredentialProvider? _credentials;
    private readonly KubeClientOptions _options;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly string _metricsHost;

    public KubeClient(KubeClientConfig config, KubeClientOptions? options = null)
        : this(config.CreateHandler(), config.Server, config.Credentials, options, config.RequestTimeout, config.Namespace)
    {
    }

    /// <summary>A client over any handler (tests use an in-memory or fake-server handler).</summary>
    public KubeClient(HttpMessageHandler handler, Uri server, ICredentialProvider? credentials = null, KubeClientOptions? options = null, TimeSpan? requestTimeout = null, string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(server);
        _options = options ?? new KubeClientOptions();
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _credentials = credentials;
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        _logger = _options.Logger ?? NullLogger.Instance;
        DefaultNamespace = defaultNamespace;
        _metricsHost = server.Authority;
    }

    public string DefaultNamespace { get; }

    public Uri Server => _http.BaseAddress!;

    public Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendForObjectAsync<T>(HttpMethod.Get, ResourceInfo.Of<T>().PathFor(@namespace, RequireName(name)), null, null, cancellationToken);

    public Task<KubeList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var query = new QueryString()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit)
            .Add("continue", options?.Continue)
            .Add("resourceVersion", options?.ResourceVersion)
            .Add("resourceVersionMatch", options?.ResourceVersionMatch)
            .Add("timeoutSeconds", options?.TimeoutSeconds);
        return SendForObjectAsync<KubeList<T>>(HttpMethod.Get, ResourceInfo.Of<T>().PathFor(@namespace) + query, null, null, cancellationToken);
    }

    public Task<T> CreateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var info = StampTypeMeta(obj);
        var path = info.PathFor(obj.Metadata?.NamespaceProperty ?? (info.Namespaced ? DefaultNamespace : null)) + new QueryString().AddWrite(options);
        return SendForObjectAsync<T>(HttpMethod.Post, path, JsonSerializer.SerializeToUtf8Bytes(obj, KubernetesJsonOptions.Options), JsonMediaType, cancellationToken);
    }

    public Task<T> UpdateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> => ReplaceAsync(obj, null, options, cancellationToken);

    public Task<T> UpdateStatusAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> => ReplaceAsync(obj, "status", options, cancellationToken);

    public Task<T> PatchAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> => PatchCoreAsync<T>(name, @namespace, null, patch, options, cancellationToken);

    public Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> => PatchCoreAsync<T>(name, @namespace, "status", patch, options, cancellationToken);

    public async Task<DeleteResult<T>> DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var path = ResourceInfo.Of<T>().PathFor(@namespace, RequireName(name));
        var body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options.ToBody(), KubernetesJsonOptions.Options);
        using var response = await SendAsync(HttpMethod.Delete, path, body, JsonMediaType, streaming: false, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return new DeleteResult<T>(null, null);
        }

        using var document = JsonDocument.Parse(bytes);
        var isStatus = document.RootElement.TryGetProperty("kind", out var kind) && kind.GetString() == "Status";
        return isStatus
            ? new DeleteResult<T>(null, document.RootElement.Deserialize<V1Status>(KubernetesJsonOptions.Options))
            : new DeleteResult<T>(document.RootElement.Deserialize<T>(KubernetesJsonOptions.Options), null);
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        options ??= new WatchOptions();
        var query = new QueryString()
            .Add("watch", true)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks)
            .Add("timeoutSeconds", options.TimeoutSeconds);
        using var response = await SendAsync(HttpMethod.Get, ResourceInfo.Of<T>().PathFor(@namespace) + query, null, null, streaming: true, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var e in WatchStreamReader.ReadAsync<T>(stream, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private Task<T> ReplaceAsync<T>(T obj, string? subresource, WriteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var info = StampTypeMeta(obj);
        var path = info.PathFor(obj.Metadata?.NamespaceProperty ?? (info.Namespaced ? DefaultNamespace : null), RequireName(obj.Metadata?.Name), subresource)
            + new QueryString().AddWrite(options);
        return SendForObjectAsync<T>(HttpMethod.Put, path, JsonSerializer.SerializeToUtf8Bytes(obj, KubernetesJsonOptions.Options), JsonMediaType, cancellationToken);
    }

    private Task<T> PatchCoreAsync<T>(string name, string? @namespace, string? subresource, KubePatch patch, PatchOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (patch.Type == PatchType.Apply && string.IsNullOrEmpty(options?.FieldManager))
        {
            throw new ArgumentException("Server-side apply needs a FieldManager.", nameof(options));
        }

        var path = ResourceInfo.Of<T>().PathFor(@namespace, RequireName(name), subresource) + new QueryString().AddWrite(options);
        return SendForObjectAsync<T>(HttpMethod.Patch, path, Encoding.UTF8.GetBytes(patch.Body), new MediaTypeHeaderValue(patch.ContentType), cancellationToken);
    }

    private async Task<TResult> SendForObjectAsync<TResult>(HttpMethod method, string path, byte[]? body, MediaTypeHeaderValue? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, body, contentType, streaming: false, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync<TResult>(stream, KubernetesJsonOptions.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException($"{method} {path} returned an empty body.");
        }
    }

    /// <summary>Sends with retries; returns a successful response or throws a <see cref="KubeApiException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, MediaTypeHeaderValue? contentType, bool streaming, CancellationToken cancellationToken)
    {
        var retry = _options.Retry;
        var refreshedCredentials = false;
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = streaming ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout?.CancelAfter(_requestTimeout);
            var token = timeout?.Token ?? cancellationToken;
            HttpResponseMessage response;
            var started = Stopwatch.GetTimestamp();
            try
            {
                // HttpClient.DefaultRequestVersion does not apply to messages built by hand: ask for HTTP/2 here
                // (negotiated over TLS with ALPN; plain http stays on HTTP/1.1).
                using var request = new HttpRequestMessage(method, path)
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
                };
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = contentType;
                }

                if (_credentials is not null && await _credentials.GetTokenAsync(token).ConfigureAwait(false) is { } bearer)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                response = await _http.SendAsync(request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
            }
            catch (Exception) when (RecordAttempt(method, ErrorCode, started))
            {
                throw; // not reached: RecordAttempt returns false, so the clauses below decide.
            }
            catch (HttpRequestException ex) when (attempt < retry.MaxAttempts && RetryPolicy.IsRetryableWithoutResponse(method) && !cancellationToken.IsCancellationRequested)
            {
                var delay = retry.DelayFor(attempt, null);
                _logger.LogDebug(ex, "{Method} {Path} failed without a response; retry {Attempt} in {Delay}", method, path, attempt, delay);
                RecordRetry(method, ErrorCode);
                await Task.Delay(delay, _options.Time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{method} {path} took longer than {_requestTimeout}.", ex);
            }

            var code = StatusCodeText((int)response.StatusCode);
            RecordAttempt(method, code, started);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var status = await ReadStatusAsync(response, cancellationToken).ConfigureAwait(false);
                var retryAfter = RetryPolicy.RetryAfterOf(response.Headers, _options.Time)
                    ?? (status?.Details?.RetryAfterSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null);
                if (response.StatusCode == HttpStatusCode.Unauthorized && _credentials is not null && !refreshedCredentials)
                {
                    refreshedCredentials = true;
                    _credentials.Invalidate();
                    attempt--;
                    continue;
                }

                if (attempt < retry.MaxAttempts && RetryPolicy.IsRetryable(method, response.StatusCode, retryAfter is not null))
                {
                    var delay = retry.DelayFor(attempt, retryAfter);
                    _logger.LogDebug("{Method} {Path} answered {Code}; retry {Attempt} in {Delay}", method, path, (int)response.StatusCode, attempt, delay);
                    RecordRetry(method, code);
                    await Task.Delay(delay, _options.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw KubeApiException.From(response.StatusCode, status, retryAfter);
            }
        }
    }

    /// <summary>Counts one attempt in client-go's rest_client metrics; returns false (so it can run as an exception filter).</summary>
    private bool RecordAttempt(HttpMethod method, string code, long started)
    {
        var verb = method.Method;
        RuntimeMetrics.RestClientRequests.Add(1, new TagList { { "code", code }, { "method", verb }, { "host", _metricsHost } });
        RuntimeMetrics.RestClientRequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new TagList { { "verb", verb }, { "host", _metricsHost } });
        return false;
    }

    private void RecordRetry(HttpMethod method, string code) =>
        RuntimeMetrics.RestClientRetries.Add(1, new TagList { { "code", code }, { "verb", method.Method }, { "host", _metricsHost } });

    private static string StatusCodeText(int code) => code switch
    {
        200 => "200",
        201 => "201",
        404 => "404",
        409 => "409",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task<V1Status?> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(text);
            if (status?.Kind == "Status")
            {
                return status;
            }
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's HTML page, plain text): keep the text as the message.
        }

        return new V1Status { Status = "Failure", Code = (int)response.StatusCode, Message = text.Length > 512 ? text[..512] : text };
    }

    private static ResourceInfo StampTypeMeta<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var info = ResourceInfo.Of<T>();
        obj.ApiVersion ??= info.ApiVersion;
        obj.Kind ??= info.Kind;
        return info;
    }

    private static string RequireName(string? name) =>
        string.IsNullOrEmpty(name) ? throw new ArgumentException("The object needs a name.", nameof(name)) : name;
}
