using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Selectors;
using KubeCloud.ApiServer.Storage;
using KubeCloud.ApiServer.Tables;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// Watch: a stream of <c>{"type":...,"object":...}</c> lines from a resourceVersion (history) or from
/// now (current objects as ADDED first), with BOOKMARK events, timeoutSeconds, label/field selectors,
/// Table events for <c>kubectl get -w</c>, and an ERROR event with a 410 Status when the history is gone.
/// </summary>
public sealed class WatchHandler
{
    private readonly ObjectStore _store;
    private readonly TimeSpan _bookmarkInterval;

    public WatchHandler(ObjectStore store, TimeSpan bookmarkInterval)
    {
        _store = store;
        _bookmarkInterval = bookmarkInterval;
    }

    public async Task WatchAsync(ApiContext context, ResourceType type)
    {
        var labels = LabelSelectorQuery.Parse(context.Query("labelSelector"));
        var fields = FieldSelector.Parse(context.Query("fieldSelector"));
        if (context.Info.Name.Length > 0)
        {
            fields = FieldSelector.Parse($"metadata.name={context.Info.Name}" + (context.Query("fieldSelector") is { Length: > 0 } f ? "," + f : ""));
        }

        var resourceVersion = context.Query("resourceVersion");
        var sendInitial = context.Query("sendInitialEvents") == "true";
        long? since = string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0" || sendInitial ? null
            : long.TryParse(resourceVersion, out var parsed) ? parsed : throw ApiException.BadRequest($"invalid resource version: {resourceVersion}");
        var bookmarks = context.QueryFlag("allowWatchBookmarks");
        var timeout = context.QueryLong("timeoutSeconds") is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
        var table = context.WantsTable;
        var includeObject = context.Query("includeObject") ?? "Metadata";

        var watcher = new Watcher(type.GroupResource, context.Namespace);
        var response = context.Http.Response;
        List<StoreEvent> initial;
        long revision;
        try
        {
            (initial, revision) = _store.Subscribe(watcher, since);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            response.StatusCode = 200;
            response.ContentType = ResponseWriter.Json;
            await WriteLineAsync(context, "ERROR", Auth.KubeJson.SerializeToNode(e.Status)!);
            return;
        }

        try
        {
            response.StatusCode = 200;
            response.ContentType = ResponseWriter.Json;
            response.Headers.CacheControl = "no-cache, private";
            await response.StartAsync(context.Aborted);
            await response.Body.FlushAsync(context.Aborted);
            bool Visible(StoredObject o) => (labels.IsEmpty || labels.Matches(o.Object.Labels())) && (fields.IsEmpty || fields.Matches(o.Object));
            var lastRevision = since ?? revision;
            foreach (var change in initial)
            {
                await SendAsync(context, type, change, Visible, table, includeObject);
                lastRevision = Math.Max(lastRevision, change.Revision);
            }

            if (sendInitial && bookmarks)
            {
                await WriteLineAsync(context, "BOOKMARK", Bookmark(type, revision, initialEventsEnd: true, table));
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                deadline.CancelAfter(timeout);
            }

            var nextBookmark = DateTime.UtcNow + _bookmarkInterval;
            while (!deadline.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                if (bookmarks)
                {
                    wait.CancelAfter(Max(nextBookmark - DateTime.UtcNow, TimeSpan.FromMilliseconds(1)));
                }

                try
                {
                    if (!await watcher.Events.WaitToReadAsync(wait.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    await WriteLineAsync(context, "BOOKMARK", Bookmark(type, Math.Max(lastRevision, _store.Revision), initialEventsEnd: false, table));
                    nextBookmark = DateTime.UtcNow + _bookmarkInterval;
                    continue;
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                while (watcher.Events.TryRead(out var change))
                {
                    await SendAsync(context, type, change, Visible, table, includeObject);
                    lastRevision = change.Revision;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            _store.Unsubscribe(watcher);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task SendAsync(ApiContext context, ResourceType type, StoreEvent change, Func<StoredObject, bool> visible, bool table, string includeObject)
    {
        // A change that moves an object into or out of the selection is ADDED or DELETED for this watcher, as in kube-apiserver.
        var now = visible(change.Object);
        var before = change.Previous is not null && visible(change.Previous);
        var eventType = change.Type switch
        {
            StoreEvent.Modified when now && !before => StoreEvent.Added,
            StoreEvent.Modified when !now && before => StoreEvent.Deleted,
            _ => change.Type,
        };
        if (!now && !before)
        {
            return;
        }

        var obj = ObjectViews.Node(type, change.Object);
        JsonNode payload = table
            ? TableConverter.Table(type, [obj], new JsonObject { ["resourceVersion"] = change.Revision.ToString() }, includeObject)
            : obj;
        await WriteLineAsync(context, eventType, payload);
    }

    private static JsonObject Bookmark(ResourceType type, long revision, bool initialEventsEnd, bool table)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString() };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return table
            ? new JsonObject { ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = metadata, ["columnDefinitions"] = new JsonArray(), ["rows"] = new JsonArray() }
            : new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = metadata };
    }

    private static async Task WriteLineAsync(ApiContext context, string type, JsonNode obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj };
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(Serialization.JsonText.Options) + "\n");
        await context.Http.Response.Body.WriteAsync(bytes, context.Aborted);
        await context.Http.Response.Body.FlushAsync(context.Aborted);
    }
}
