using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Storage;

/// <summary>Reads and writes the metadata of an object kept as a JSON tree.</summary>
public static class ObjectMetadata
{
    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = [];
        obj["metadata"] = metadata;
        return metadata;
    }

    public static string? GetString(this JsonObject obj, string name) => obj[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static string Name(this JsonObject obj) => obj.Metadata().GetString("name") ?? "";

    public static string Namespace(this JsonObject obj) => obj.Metadata().GetString("namespace") ?? "";

    public static string Uid(this JsonObject obj) => obj.Metadata().GetString("uid") ?? "";

    public static List<string> Finalizers(this JsonObject obj) =>
        obj.Metadata()["finalizers"] is JsonArray array ? array.Select(f => (string?)f ?? "").ToList() : [];

    public static void SetFinalizers(this JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        if (finalizers.Count == 0)
        {
            obj.Metadata().Remove("finalizers");
        }
        else
        {
            obj.Metadata()["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }
    }

    public static bool IsDeleting(this JsonObject obj) => obj.Metadata()["deletionTimestamp"] is not null;

    public static Dictionary<string, string> Labels(this JsonObject obj) => StringMap(obj.Metadata()["labels"]);

    public static Dictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject map ? map.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.ToString()) : [];

    public static IEnumerable<JsonObject> OwnerReferences(this JsonObject obj) =>
        obj.Metadata()["ownerReferences"] is JsonArray refs ? refs.OfType<JsonObject>() : [];

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Now() => Timestamp(DateTimeOffset.UtcNow);

    /// <summary>Everything but metadata and status: a change here bumps metadata.generation.</summary>
    public static bool SameContent(JsonObject a, JsonObject b)
    {
        var keys = a.Select(p => p.Key).Concat(b.Select(p => p.Key)).Where(k => k is not "metadata" and not "status").Distinct();
        return keys.All(k => JsonNode.DeepEquals(a[k], b[k]));
    }
}
