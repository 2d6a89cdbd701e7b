using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Selectors;
using KubeCloud.ApiServer.Storage;
using KubeCloud.ApiServer.Tables;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>GET of one object and LIST with label/field selectors and limit/continue pagination.</summary>
public sealed class ReadHandler
{
    private readonly ObjectRegistry _registry;

    public ReadHandler(ObjectRegistry registry)
    {
        _registry = registry;
    }

    public Task GetAsync(ApiContext context, ResourceType type)
    {
        var stored = _registry.Get(type, context.Namespace, context.Info.Name);
        return ObjectViews.WriteAsync(context, type, stored, 200);
    }

    public Task ListAsync(ApiContext context, ResourceType type)
    {
        var page = List(type, context.Namespace, context.Query("labelSelector"), context.Query("fieldSelector"), context.QueryLong("limit"), context.Query("continue"));
        var metadata = new JsonObject { ["resourceVersion"] = page.Revision.ToString() };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
            metadata["remainingItemCount"] = page.Remaining;
        }

        if (context.WantsTable)
        {
            var table = TableConverter.Table(type, page.Items.Select(i => ObjectViews.Node(type, i)), metadata, context.Query("includeObject") ?? "Metadata");
            return ResponseWriter.WriteNodeAsync(context.Http, 200, table, ObjectViews.TableContentType);
        }

        if (context.WantsPartialMetadata)
        {
            var list = new JsonObject
            {
                ["kind"] = "PartialObjectMetadataList",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = metadata,
                ["items"] = new JsonArray(page.Items.Select(i => (JsonNode)TableConverter.PartialMetadata(i.Object)).ToArray()),
            };
            return ResponseWriter.WriteNodeAsync(context.Http, 200, list);
        }

        return ResponseWriter.WriteBytesAsync(context.Http, 200, ObjectViews.ListBytes(type, page.Items, metadata));
    }

    public sealed record Page(List<StoredObject> Items, long Revision, string? Continue, long Remaining);

    public Page List(ResourceType type, string ns, string? labelSelector, string? fieldSelector, long? limit, string? continueToken)
    {
        var labels = LabelSelectorQuery.Parse(labelSelector);
        var fields = FieldSelector.Parse(fieldSelector);
        Func<StoredObject, bool>? filter = labels.IsEmpty && fields.IsEmpty ? null
            : item => (labels.IsEmpty || labels.Matches(item.Object.Labels())) && (fields.IsEmpty || fields.Matches(item.Object));
        ContinueToken? token = string.IsNullOrEmpty(continueToken) ? null : ContinueToken.Decode(continueToken);
        var (items, revision, remaining) = _registry.Store.Page(type.GroupResource, ns, token?.StartKey, limit is > 0 ? (int)Math.Min(limit.Value, int.MaxValue) : 0, filter);
        if (token is { } continued)
        {
            revision = continued.Revision;
        }

        if (remaining > 0)
        {
            var last = items[^1];
            var next = new ContinueToken(revision, ObjectStore.KeyOf(last.Namespace, last.Name) + "\u0000").Encode();
            return new Page(items, revision, next, remaining);
        }

        return new Page(items, revision, null, 0);
    }
}
