using System.Buffers;
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
    /// <summary>Pending event lines are sent once they reach this size, or when the queue is empty.</summary>
    private const int FlushBytes = 64 * 1024;

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
        var pending = new ArrayBufferWriter<byte>();
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
                Send(pending, type, change, Visible, table, includeObject);
                lastRevision = Math.Max(lastRevision, change.Revision);
                if (pending.WrittenCount >= FlushBytes)
                {
                    await FlushAsync(context, pending);
                }
            }

            await FlushAsync(context, pending);

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

                // Everything queued goes out in one flush: one TLS record and one socket write for a burst, not one per event.
                while (watcher.Events.TryRead(out var change))
                {
                    Send(pending, type, change, Visible, table, includeObject);
                    lastRevision = change.Revision;
                    if (pending.WrittenCount >= FlushBytes)
                    {
                        await FlushAsync(context, pending);
                    }
                }

                await FlushAsync(context, pending);
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

    private static void Send(ArrayBufferWriter<byte> pending, ResourceType type, StoreEvent change, Func<StoredObject, bool> visible, bool table, string includeObject)
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

        if (table)
        {
            var payload = TableConverter.Table(type, [ObjectViews.Node(type, change.Object)], new JsonObject { ["resourceVersion"] = change.Revision.ToString() }, includeObject);
            Line(pending, eventType, Encoding.UTF8.GetBytes(payload.ToJsonString(Serialization.JsonText.Options)));
            return;
        }

        // As kube-apiserver's cachingObject: the object is serialized once, when it is committed (StoredObject.Json), and
        // every watcher copies those bytes into its event line; no tree is cloned or written per watcher.
        Line(pending, eventType, ObjectViews.Bytes(type, change.Object));
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
        var line = new ArrayBufferWriter<byte>();
        Line(line, type, Encoding.UTF8.GetBytes(obj.ToJsonString(Serialization.JsonText.Options)));
        await FlushAsync(context, line);
    }

    /// <summary>Appends the line <c>{"type":TYPE,"object":OBJECT}</c> to <paramref name="pending"/>.</summary>
    private static void Line(ArrayBufferWriter<byte> pending, string type, ReadOnlySpan<byte> objectJson)
    {
        pending.Write("{\"type\":\""u8);
        pending.Write(Encoding.UTF8.GetBytes(type));
        pending.Write("\",\"object\":"u8);
        pending.Write(objectJson);
        pending.Write("}\n"u8);
    }

    /// <summary>Sends the pending lines in one write (one TLS record and socket write for a burst of events), then empties the buffer.</summary>
    private static async Task FlushAsync(ApiContext context, ArrayBufferWriter<byte> pending)
    {
        if (pending.WrittenCount == 0)
        {
            return;
        }

        await context.Http.Response.Body.WriteAsync(pending.WrittenMemory, context.Aborted);
        await context.Http.Response.Body.FlushAsync(context.Aborted);
        pending.ResetWrittenCount();
    }
}
