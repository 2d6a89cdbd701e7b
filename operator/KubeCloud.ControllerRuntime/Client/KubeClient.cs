using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The typed client for any kind with <c>[KubernetesEntity]</c>, KubeCloud's kinds included, on KubernetesClient's
/// <see cref="Kubernetes"/>: its configuration, credentials (tokens, token files, exec plugins, client certificates,
/// in-cluster) and HTTP pipeline, with <see cref="RetryHandler"/> and <see cref="RestClientMetricsHandler"/> in the chain.
/// What it adds is what the package's generic client lacks: list and watch with resourceVersion, bookmarks and
/// selectors; server-side apply with fieldManager and force; the status subresource; typed <see cref="KubeApiException"/>s.
/// </summary>
public sealed class KubeClient : IKubeClient, IDisposable
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");
    private readonly Kubernetes _kubernetes;
    private readonly TimeSpan _requestTimeout;

    public KubeClient(KubernetesClientConfiguration config, KubeClientOptions? options = null)
        : this(config, null, options)
    {
    }

    /// <summary>
    /// A client whose innermost handler is <paramref name="transport"/> instead of the network (tests and benchmarks
    /// answer from memory with it); null sends over the configuration's own <see cref="SocketsHttpHandler"/>.
    /// </summary>
    public KubeClient(KubernetesClientConfiguration config, DelegatingHandler? transport, KubeClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new KubeClientOptions();
        config.UserAgent ??= options.UserAgent;
        // The package's client keeps serializer options for its own request methods (never called here); given ours, its
        // constructor does not read KubernetesJson's, which the node daemon's NativeAOT build leaves out (it would load
        // every model type). It also sets our resolver before anything in the process serializes through KubernetesJson.
        SetJsonSerializerOptions(config, KubernetesJsonOptions.Options);
        DelegatingHandler[] handlers = transport is null
            ? [new RetryHandler(options.Retry, options.Time, options.Logger), new RestClientMetricsHandler()]
            : [new RetryHandler(options.Retry, options.Time, options.Logger), new RestClientMetricsHandler(), transport];
        _kubernetes = new Kubernetes(config, handlers);
        _requestTimeout = options.RequestTimeout;
        DefaultNamespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
    }

    /// <summary>The package's client on the same connection and credentials, for the built-in APIs it covers.</summary>
    public IKubernetes Kubernetes => _kubernetes;

    public string DefaultNamespace { get; }

    public Uri Server => _kubernetes.BaseUri;

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
        return SendForObjectAsync<T>(HttpMethod.Post, path, JsonSerializer.SerializeToUtf8Bytes(obj, KubernetesJsonOptions.TypeInfo<T>()), JsonMediaType, cancellationToken);
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
        var body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options.ToBody(), KubernetesJsonOptions.TypeInfo<V1DeleteOptions>());
        using var response = await SendAsync(HttpMethod.Delete, path, body, JsonMediaType, streaming: false, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return new DeleteResult<T>(null, null);
        }

        using var document = JsonDocument.Parse(bytes);
        var isStatus = document.RootElement.TryGetProperty("kind", out var kind) && kind.GetString() == "Status";
        return isStatus
            ? new DeleteResult<T>(null, document.RootElement.Deserialize(KubernetesJsonOptions.TypeInfo<V1Status>()))
            : new DeleteResult<T>(document.RootElement.Deserialize(KubernetesJsonOptions.TypeInfo<T>()), null);
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

    /// <summary>
    /// GET of a path the typed methods do not cover (an aggregated API's subresource such as a server's console), with
    /// the body streamed: a successful response, which the caller disposes, or a <see cref="KubeApiException"/>.
    /// </summary>
    public Task<HttpResponseMessage> GetStreamingAsync(string pathAndQuery, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        return SendAsync(HttpMethod.Get, pathAndQuery, null, null, streaming: true, cancellationToken);
    }

    /// <summary>
    /// Puts this client's own credentials (its bearer token, a service account's in a pod) on a request to another
    /// endpoint that reviews the API server's tokens, such as a node daemon's console; no header when the client
    /// authenticates with a client certificate only.
    /// </summary>
    public async Task AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _kubernetes.Dispose();

    private Task<T> ReplaceAsync<T>(T obj, string? subresource, WriteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var info = StampTypeMeta(obj);
        var path = info.PathFor(obj.Metadata?.NamespaceProperty ?? (info.Namespaced ? DefaultNamespace : null), RequireName(obj.Metadata?.Name), subresource)
            + new QueryString().AddWrite(options);
        return SendForObjectAsync<T>(HttpMethod.Put, path, JsonSerializer.SerializeToUtf8Bytes(obj, KubernetesJsonOptions.TypeInfo<T>()), JsonMediaType, cancellationToken);
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

    /// <summary>
    /// Sends and deserializes the body from the response stream as it arrives (headers first, then the body read under
    /// the same request timeout), so a list page is never held whole as a buffer beside the objects built from it: an
    /// informer's page of 500 Servers is 2-4 MB, a large-object-heap buffer that only a full GC would return.
    /// </summary>
    private async Task<TResult> SendForObjectAsync<TResult>(HttpMethod method, string path, byte[]? body, MediaTypeHeaderValue? contentType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            using var response = await SendAsync(method, path, body, contentType, streaming: true, timeout.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, KubernetesJsonOptions.TypeInfo<TResult>(), timeout.Token).ConfigureAwait(false)
                    ?? throw new JsonException($"{method} {path} returned an empty body.");
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} took longer than {_requestTimeout}.", ex);
        }
    }

    /// <summary>Sends (retries happen in the handler chain); returns a successful response or throws a <see cref="KubeApiException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, MediaTypeHeaderValue? contentType, bool streaming, CancellationToken cancellationToken)
    {
        using var timeout = streaming ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout?.CancelAfter(_requestTimeout);
        var token = timeout?.Token ?? cancellationToken;
        HttpResponseMessage response;
        try
        {
            // HttpClient.DefaultRequestVersion does not apply to messages built by hand: ask for HTTP/2 here
            // (negotiated over TLS with ALPN; plain http stays on HTTP/1.1).
            using var request = new HttpRequestMessage(method, new Uri(_kubernetes.BaseUri.AbsoluteUri.TrimEnd('/') + path))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            };
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = contentType;
            }

            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (_kubernetes.Credentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, token).ConfigureAwait(false);
            }

            response = await _kubernetes.HttpClient.SendAsync(request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} took longer than {_requestTimeout}.", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var status = await ReadStatusAsync(response, cancellationToken).ConfigureAwait(false);
            var retryAfter = RetryPolicy.RetryAfterOf(response.Headers, TimeProvider.System)
                ?? (status?.Details?.RetryAfterSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null);
            throw KubeApiException.From(response.StatusCode, status, retryAfter);
        }
    }

    private static async Task<V1Status?> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize(text, KubernetesJsonOptions.TypeInfo<V1Status>());
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

    /// <summary>The configuration's private setter (KubernetesClient 21: the getter falls back to KubernetesJson's options when unset).</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_JsonSerializerOptions")]
    private static extern void SetJsonSerializerOptions(KubernetesClientConfiguration config, JsonSerializerOptions options);

    private static string RequireName(string? name) =>
        string.IsNullOrEmpty(name) ? throw new ArgumentException("The object needs a name.", nameof(name)) : name;
}
