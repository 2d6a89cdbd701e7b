using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using KubeCloud.LocalCluster.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Kube.TestServer;

/// <summary>
/// An in-memory Kubernetes-style API server on Kestrel (127.0.0.1, HTTP/1.1) that a test controls precisely:
/// any resource path works (no discovery, no schema); objects get uid, resourceVersion, generation and
/// creationTimestamp; PUT checks resourceVersion (409); status is a subresource; finalizers delay deletion;
/// merge patches apply; lists page; watches replay history after a resourceVersion, send bookmarks, and return 410
/// after <see cref="CompactHistory"/>. Faults: drop every open watch (optionally in the middle of an event line),
/// fail the next writes with a given status.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _collections = new(StringComparer.Ordinal);
    private readonly List<HistoryEntry> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly Queue<(string? Method, int Code)> _injectedWriteFailures = new();
    private readonly WebApplication _app;
    private long _revision = 100;
    private long _compactedRevision;

    private FakeApiServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The last resourceVersion handed out.</summary>
    public long CurrentRevision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Interval of BOOKMARK events on watches that allow them; null sends none.</summary>
    public TimeSpan? BookmarkInterval { get; set; }

    public int ListRequests { get; private set; }

    public int WatchRequests { get; private set; }

    /// <summary>Resource versions the watches were opened from, in order ("" for none).</summary>
    public List<string> WatchResourceVersions { get; } = [];

    public static async Task<FakeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        server.Endpoint = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>Forgets all history: watches from any older resourceVersion now get 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _revision;
        }
    }

    /// <summary>Closes every open watch connection; with <paramref name="midEvent"/>, first writes half of an event line.</summary>
    public void DropWatches(bool midEvent = false)
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Drop(midEvent);
            }

            _watchers.Clear();
        }
    }

    /// <summary>The next writes (POST/PUT/PATCH/DELETE) fail with these status codes, in order.</summary>
    public void FailNextWrites(params int[] statusCodes) => FailNextWrites(null, statusCodes);

    /// <summary>The next writes with this HTTP method (any write when null) fail with these status codes, in order.</summary>
    public void FailNextWrites(string? method, params int[] statusCodes)
    {
        ArgumentNullException.ThrowIfNull(statusCodes);
        lock (_gate)
        {
            foreach (var code in statusCodes)
            {
                _injectedWriteFailures.Enqueue((method, code));
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>A stored object, or null.</summary>
    public JsonObject? Get(string collection, string? ns, string name)
    {
        lock (_gate)
        {
            return _collections.TryGetValue(collection, out var c) && c.TryGetValue(Key(ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    /// <summary>Writes an object directly (as another client would), returning its new resourceVersion.</summary>
    public long Put(string collection, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        lock (_gate)
        {
            var meta = obj["metadata"]!.AsObject();
            var ns = meta["namespace"]?.GetValue<string>();
            var name = meta["name"]!.GetValue<string>();
            var items = CollectionLocked(collection);
            var exists = items.TryGetValue(Key(ns, name), out var old);
            meta["uid"] ??= old?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= old?["metadata"]?["creationTimestamp"]?.DeepClone() ?? "2026-11-21T12:00:00Z";
            meta["generation"] ??= 1L;
            StoreLocked(collection, obj, exists ? "MODIFIED" : "ADDED");
            return _revision;
        }
    }

    /// <summary>Deletes an object directly, with no finalizer handling.</summary>
    public void Remove(string collection, string? ns, string name)
    {
        lock (_gate)
        {
            var items = CollectionLocked(collection);
            if (items.Remove(Key(ns, name), out var old))
            {
                _revision++;
                old["metadata"]!["resourceVersion"] = Rv(_revision);
                PublishLocked(collection, "DELETED", old);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : ns + "/" + name;

    private static string Rv(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    private SortedDictionary<string, JsonObject> CollectionLocked(string collection)
    {
        if (!_collections.TryGetValue(collection, out var items))
        {
            _collections[collection] = items = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        }

        return items;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = ResourcePath.Parse(context.Request.Path.Value ?? "");
        if (path is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", "the server could not find the requested resource").ConfigureAwait(false);
            return;
        }

        var method = context.Request.Method;
        if (method != "GET")
        {
            int? injected = null;
            lock (_gate)
            {
                if (_injectedWriteFailures.TryPeek(out var next) && (next.Method is null || next.Method == method))
                {
                    injected = _injectedWriteFailures.Dequeue().Code;
                }
            }

            if (injected is int code)
            {
                await WriteStatusAsync(context, code, code == 409 ? "Conflict" : "InternalError", "injected failure").ConfigureAwait(false);
                return;
            }
        }

        switch (method)
        {
            case "GET" when path.Name is null && context.Request.Query["watch"] == "true":
                await WatchAsync(context, path).ConfigureAwait(false);
                break;
            case "GET" when path.Name is null:
                await ListAsync(context, path).ConfigureAwait(false);
                break;
            case "GET":
                var found = Get(path.Collection, path.Namespace, path.Name);
                await (found is null ? NotFoundAsync(context, path) : WriteJsonAsync(context, 200, found)).ConfigureAwait(false);
                break;
            case "POST":
                await CreateAsync(context, path).ConfigureAwait(false);
                break;
            case "PUT":
                await ReplaceAsync(context, path, await ReadBodyAsync(context).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case "PATCH":
                await PatchAsync(context, path).ConfigureAwait(false);
                break;
            case "DELETE":
                await DeleteAsync(context, path).ConfigureAwait(false);
                break;
            default:
                await WriteStatusAsync(context, 405, "MethodNotAllowed", method).ConfigureAwait(false);
                break;
        }
    }

    private async Task ListAsync(HttpContext context, ResourcePath path)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var offset = int.TryParse(context.Request.Query["continue"], out var c) ? c : 0;
        var selector = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        JsonObject list;
        lock (_gate)
        {
            ListRequests++;
            var matching = CollectionLocked(path.Collection).Values
                .Where(o => path.Namespace is null || o["metadata"]?["namespace"]?.GetValue<string>() == path.Namespace)
                .Where(obj => selector.Matches(LabelsOf(obj)))
                .ToList();
            var page = matching.Skip(offset).Take(limit).Select(o => (JsonNode)o.DeepClone()).ToArray();
            var more = offset + page.Length < matching.Count;
            list = new JsonObject
            {
                ["kind"] = "List",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = Rv(_revision),
                    ["continue"] = more ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null,
                },
                ["items"] = new JsonArray(page),
            };
        }

        await WriteJsonAsync(context, 200, list).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, ResourcePath path)
    {
        var obj = await ReadBodyAsync(context).ConfigureAwait(false);
        var meta = obj["metadata"]?.AsObject() ?? throw new InvalidOperationException("no metadata");
        meta["namespace"] = path.Namespace;
        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            await WriteStatusAsync(context, 422, "Invalid", "metadata.name: Required value").ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            if (CollectionLocked(path.Collection).ContainsKey(Key(path.Namespace, name)))
            {
                meta = null;
            }
            else
            {
                meta["uid"] = Guid.NewGuid().ToString();
                meta["creationTimestamp"] = "2026-11-21T12:00:00Z";
                meta["generation"] = 1L;
                meta.Remove("deletionTimestamp");
                StoreLocked(path.Collection, obj, "ADDED");
            }
        }

        if (meta is null)
        {
            await WriteStatusAsync(context, 409, "AlreadyExists", $"\"{name}\" already exists").ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 201, obj).ConfigureAwait(false);
    }

    private async Task ReplaceAsync(HttpContext context, ResourcePath path, JsonObject obj)
    {
        int code;
        string? reason = null;
        JsonObject? result = null;
        lock (_gate)
        {
            var items = CollectionLocked(path.Collection);
            if (!items.TryGetValue(Key(path.Namespace, path.Name!), out var old))
            {
                code = 404;
            }
            else
            {
                var sentVersion = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (!string.IsNullOrEmpty(sentVersion) && sentVersion != old["metadata"]!["resourceVersion"]!.GetValue<string>())
                {
                    code = 409;
                    reason = "the object has been modified; please apply your changes to the latest version and try again";
                }
                else
                {
                    code = 200;
                    result = Merge(old, obj, path.Subresource == "status");
                    if (IsDeletable(result))
                    {
                        items.Remove(Key(path.Namespace, path.Name!));
                        _revision++;
                        result["metadata"]!["resourceVersion"] = Rv(_revision);
                        PublishLocked(path.Collection, "DELETED", result);
                    }
                    else
                    {
                        StoreLocked(path.Collection, result, "MODIFIED");
                    }
                }
            }
        }

        await (code switch
        {
            404 => NotFoundAsync(context, path),
            409 => WriteStatusAsync(context, 409, "Conflict", reason!),
            _ => WriteJsonAsync(context, 200, result!),
        }).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, ResourcePath path)
    {
        var patch = await ReadBodyAsync(context).ConfigureAwait(false);
        var current = Get(path.Collection, path.Namespace, path.Name!);
        if (current is null)
        {
            await NotFoundAsync(context, path).ConfigureAwait(false);
            return;
        }

        var merged = (JsonObject)MergePatch(current, patch)!;
        if (patch["metadata"]?["resourceVersion"] is null)
        {
            merged["metadata"]!["resourceVersion"] = null;
        }

        await ReplaceAsync(context, path, merged).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, ResourcePath path)
    {
        JsonObject? body = context.Request.ContentLength > 0 ? await ReadBodyAsync(context).ConfigureAwait(false) : null;
        JsonObject? result = null;
        var code = 200;
        lock (_gate)
        {
            var items = CollectionLocked(path.Collection);
            if (!items.TryGetValue(Key(path.Namespace, path.Name!), out var old))
            {
                code = 404;
            }
            else if (body?["preconditions"]?["uid"]?.GetValue<string>() is { } uid && uid != old["metadata"]!["uid"]!.GetValue<string>()
                || body?["preconditions"]?["resourceVersion"]?.GetValue<string>() is { } rv && rv != old["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                code = 409;
            }
            else if (old["metadata"]?["finalizers"] is JsonArray { Count: > 0 })
            {
                var updated = (JsonObject)old.DeepClone();
                updated["metadata"]!["deletionTimestamp"] ??= "2026-11-21T12:30:00Z";
                StoreLocked(path.Collection, updated, "MODIFIED");
                result = updated;
            }
            else
            {
                items.Remove(Key(path.Namespace, path.Name!));
                _revision++;
                old["metadata"]!["resourceVersion"] = Rv(_revision);
                PublishLocked(path.Collection, "DELETED", old);
                result = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" };
            }
        }

        await (code switch
        {
            404 => NotFoundAsync(context, path),
            409 => WriteStatusAsync(context, 409, "Conflict", "Precondition failed"),
            _ => WriteJsonAsync(context, 200, result!),
        }).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext context, ResourcePath path)
    {
        var requested = context.Request.Query["resourceVersion"].ToString();
        var bookmarks = context.Request.Query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var selector = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        var watcher = new Watcher(path, selector, context);
        var initial = new List<string>();
        var gone = false;
        lock (_gate)
        {
            WatchRequests++;
            WatchResourceVersions.Add(requested);
            if (string.IsNullOrEmpty(requested) || requested == "0")
            {
                foreach (var obj in CollectionLocked(path.Collection).Values)
                {
                    if (watcher.Matches(path.Collection, obj))
                    {
                        initial.Add(EventLine("ADDED", obj));
                    }
                }
            }
            else
            {
                var from = long.Parse(requested, CultureInfo.InvariantCulture);
                if (from < _compactedRevision)
                {
                    gone = true;
                }
                else
                {
                    foreach (var entry in _history.Where(h => h.Revision > from && watcher.Matches(h.Collection, h.Object)))
                    {
                        initial.Add(entry.Line);
                    }
                }
            }

            if (!gone)
            {
                _watchers.Add(watcher);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync().ConfigureAwait(false);
        if (gone)
        {
            var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = $"too old resource version: {requested} ({_compactedRevision})", ["reason"] = "Expired", ["code"] = 410 };
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString() + "\n").ConfigureAwait(false);
            return;
        }

        foreach (var line in initial)
        {
            await WriteLineAsync(context, line).ConfigureAwait(false);
        }

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutCts.CancelAfter(timeout);
        using var bookmarkTimer = bookmarks && BookmarkInterval is { } interval ? new PeriodicTimer(interval) : null;
        var bookmarkTask = bookmarkTimer is null ? Task.CompletedTask : SendBookmarksAsync(watcher, bookmarkTimer, path, timeoutCts.Token);
        try
        {
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(timeoutCts.Token).ConfigureAwait(false))
            {
                if (line.Length == 0)
                {
                    return;
                }

                await WriteLineAsync(context, line).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }

            await timeoutCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await bookmarkTask.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task SendBookmarksAsync(Watcher watcher, PeriodicTimer timer, ResourcePath path, CancellationToken cancellationToken)
    {
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            lock (_gate)
            {
                var kind = CollectionLocked(path.Collection).Values.FirstOrDefault()?["kind"]?.GetValue<string>() ?? "Object";
                var bookmark = new JsonObject { ["kind"] = kind, ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_revision) } };
                watcher.Lines.Writer.TryWrite(EventLine("BOOKMARK", bookmark));
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private void StoreLocked(string collection, JsonObject obj, string type)
    {
        _revision++;
        var meta = obj["metadata"]!.AsObject();
        meta["resourceVersion"] = Rv(_revision);
        var key = Key(meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
        CollectionLocked(collection)[key] = obj;
        PublishLocked(collection, type, obj);
    }

    private void PublishLocked(string collection, string type, JsonObject obj)
    {
        var line = EventLine(type, obj);
        _history.Add(new HistoryEntry(_revision, collection, (JsonObject)obj.DeepClone(), line));
        foreach (var watcher in _watchers)
        {
            if (watcher.Matches(collection, obj))
            {
                watcher.Lines.Writer.TryWrite(line);
            }
        }
    }

    private static bool IsDeletable(JsonObject obj) =>
        obj["metadata"]?["deletionTimestamp"] is not null && obj["metadata"]?["finalizers"] is not JsonArray { Count: > 0 };

    /// <summary>The object after a PUT: status from the old object unless this is the status subresource, and vice versa; generation bumps on spec changes.</summary>
    private static JsonObject Merge(JsonObject old, JsonObject sent, bool status)
    {
        var result = (JsonObject)(status ? old.DeepClone() : sent.DeepClone());
        if (status)
        {
            result["status"] = sent["status"]?.DeepClone();
        }
        else
        {
            result["status"] = old["status"]?.DeepClone();
        }

        var meta = result["metadata"]!.AsObject();
        var oldMeta = old["metadata"]!.AsObject();
        foreach (var fixedField in new[] { "uid", "creationTimestamp", "namespace", "name", "deletionTimestamp" })
        {
            meta[fixedField] = oldMeta[fixedField]?.DeepClone();
        }

        var generation = oldMeta["generation"]?.GetValue<long>() ?? 1;
        meta["generation"] = !status && !JsonNode.DeepEquals(old["spec"], sent["spec"]) ? generation + 1 : generation;
        return result;
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = MergePatch(result[key], value);
            }
        }

        return result;
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context) =>
        (await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false))?.AsObject() ?? [];

    private static Task NotFoundAsync(HttpContext context, ResourcePath path) =>
        WriteStatusAsync(context, 404, "NotFound", $"\"{path.Name}\" not found");

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message) =>
        WriteJsonAsync(context, code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        });

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8).ConfigureAwait(false);
    }

    private sealed record HistoryEntry(long Revision, string Collection, JsonObject Object, string Line);

    private static Dictionary<string, string> LabelsOf(JsonObject obj) =>
        (obj["metadata"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "") ?? [];

    private sealed class Watcher(ResourcePath path, LabelSelector selector, HttpContext context)
    {
        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public bool Matches(string collection, JsonObject obj) =>
            collection == path.Collection
            && (path.Namespace is null || obj["metadata"]?["namespace"]?.GetValue<string>() == path.Namespace)
            && selector.Matches(LabelsOf(obj));

        public void Drop(bool midEvent)
        {
            if (midEvent)
            {
                try
                {
                    var half = Encoding.UTF8.GetBytes("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"partial");
                    context.Response.Body.WriteAsync(half).AsTask().Wait(TimeSpan.FromSeconds(1));
                    context.Response.Body.FlushAsync().Wait(TimeSpan.FromSeconds(1));
                }
                catch (AggregateException)
                {
                }
            }

            context.Abort();
            Lines.Writer.TryComplete();
        }
    }
}
