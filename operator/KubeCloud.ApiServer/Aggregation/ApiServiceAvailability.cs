using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// kube-aggregator's APIService availability controller: writes each APIService's <c>Available</c> condition (True
/// <c>Local</c> or <c>Passed</c>; False <c>ServiceNotFound</c>, <c>ServicePortError</c>, <c>EndpointsNotFound</c>,
/// <c>MissingEndpoints</c> or <c>FailedDiscoveryCheck</c>, worded as kube words them) and keeps the last discovery
/// document (<c>GET /apis/&lt;group&gt;/&lt;version&gt;</c>, as <c>system:kube-aggregator</c> in <c>system:masters</c>) of
/// every remote group version for this server's own discovery (kept as text: a JsonNode tree is not safe to share between readers). Level-triggered: a change of an APIService, Service,
/// Endpoints or EndpointSlice wakes one pass over every APIService; a tick repeats it.
/// </summary>
public sealed class ApiServiceAvailability : IAsyncDisposable
{
    public const string FailedDiscoveryCheck = "FailedDiscoveryCheck";
    public const string AggregatorUser = "system:kube-aggregator";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private readonly ObjectRegistry _registry;
    private readonly ServiceEndpointResolver _resolver;
    private readonly BackendTransport _transport;
    private readonly TimeSpan _resync;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, string> _discovered = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public ApiServiceAvailability(ObjectRegistry registry, ServiceEndpointResolver resolver, BackendTransport transport, TimeSpan resync)
    {
        _registry = registry;
        _resolver = resolver;
        _transport = transport;
        _resync = resync;
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public void OnCommitted(StoreEvent change)
    {
        if (change.Resource == ApiServiceSpec.Resource || ServiceEndpointResolver.Affects(change.Resource))
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// The remote group versions to list in discovery (registered by an APIService with a Service and not served here),
    /// with the resources of their backend's last good discovery answer (null before the first one).
    /// </summary>
    public IReadOnlyList<AggregatedGroupVersion> GroupVersions(Func<string, string, bool> servedLocally) =>
        _registry.Store.List(ApiServiceSpec.Resource, null).Items
            .Select(o => ApiServiceSpec.From(o.Object))
            .Where(a => !a.IsLocal && a.Group.Length > 0 && a.Version.Length > 0 && !servedLocally(a.Group, a.Version))
            .Select(a => new AggregatedGroupVersion(a.Group, a.Version, _discovered.TryGetValue(a.Name, out var resources) ? JsonNode.Parse(resources)!.AsArray() : null))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await PassAsync(_stop.Token);
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                tick.CancelAfter(_resync);
                try
                {
                    await _wake.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One pass: every APIService checked, its status written when the condition changed.</summary>
    internal async Task PassAsync(CancellationToken cancellationToken)
    {
        var stored = _registry.Store.List(ApiServiceSpec.Resource, null).Items;
        foreach (var name in _discovered.Keys.Except(stored.Select(s => s.Name)))
        {
            _discovered.TryRemove(name, out _);
        }

        foreach (var apiService in stored)
        {
            var (available, reason, message) = await CheckAsync(ApiServiceSpec.From(apiService.Object), cancellationToken);
            WriteCondition(apiService, available, reason, message);
        }
    }

    private async Task<(bool Available, string Reason, string Message)> CheckAsync(ApiServiceSpec apiService, CancellationToken cancellationToken)
    {
        if (apiService.IsLocal)
        {
            return (true, "Local", "Local APIServices are always available");
        }

        var endpoint = _resolver.Resolve(apiService.Service!);
        if (!endpoint.Resolved)
        {
            return (false, endpoint.Reason, endpoint.Message);
        }

        var url = new Uri(endpoint.BaseUri, $"/apis/{apiService.Group}/{apiService.Version}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = System.Net.HttpVersion.Version11 };
        request.Headers.Host = $"{apiService.Service!.ServerName}:{endpoint.Port}";
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        FrontProxyHeaders.Set(request.Headers, new Auth.UserInfo(AggregatorUser, null, [Auth.UserInfo.MastersGroup]));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            using var response = await _transport.For(apiService).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (false, FailedDiscoveryCheck, $"failing or missing response from {url}: bad status from {url}: {(int)response.StatusCode}");
            }

            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (JsonNode.Parse(body) is JsonObject { } list && list["resources"] is JsonArray resources)
            {
                _discovered[apiService.Name] = resources.ToJsonString();
            }

            return (true, "Passed", "all checks passed");
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var cause = e is OperationCanceledException ? $"context deadline exceeded after {CheckTimeout.TotalSeconds:0} s" : ApiServiceProxy.Describe(e);
            return (false, FailedDiscoveryCheck, $"failing or missing response from {url}: {cause}");
        }
    }

    private void WriteCondition(StoredObject apiService, bool available, string reason, string message)
    {
        var status = available ? "True" : "False";
        var current = (apiService.Object["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Available");
        if (current is not null && (string?)current["status"] == status && (string?)current["reason"] == reason && (string?)current["message"] == message)
        {
            return;
        }

        var since = current is not null && (string?)current["status"] == status
            ? (string?)current["lastTransitionTime"]
            : DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var updated = apiService.Copy();
        var conditions = (updated["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Where(c => (string?)c["type"] != "Available").Select(c => (JsonNode)c.DeepClone()).ToList() ?? [];
        conditions.Add(new JsonObject
        {
            ["type"] = "Available",
            ["status"] = status,
            ["lastTransitionTime"] = since,
            ["reason"] = reason,
            ["message"] = message,
        });
        updated["status"] = new JsonObject { ["conditions"] = new JsonArray([.. conditions]) };
        try
        {
            var type = _registry.Resources.Find(ApiServiceSpec.Resource)!;
            _registry.Update(type, "", apiService.Name, "status", updated, WriteOptions.Internal("kube-apiserver"), apiService.Revision);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Deleted or changed meanwhile: that change wakes another pass.
        }
    }
}

/// <summary>A group version served by an extension API server, with the resources its discovery last listed (null: not yet).</summary>
public sealed record AggregatedGroupVersion(string Group, string Version, JsonArray? Resources);
