using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Storage;

/// <summary>An object as committed: its JSON tree (never mutated after commit), its bytes and its revision.</summary>
public sealed class StoredObject
{
    public StoredObject(JsonObject obj, long revision)
    {
        Materialize(obj);
        Object = obj;
        Revision = revision;
        Json = System.Text.Encoding.UTF8.GetBytes(obj.ToJsonString(Serialization.JsonText.Options));
        var metadata = obj["metadata"] as JsonObject;
        Namespace = (string?)metadata?["namespace"] ?? "";
        Name = (string?)metadata?["name"] ?? "";
        Uid = (string?)metadata?["uid"] ?? "";
    }

    public JsonObject Object { get; }

    public byte[] Json { get; }

    public long Revision { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    /// <summary>
    /// Forces every node of the tree to build its children now: JsonNode fills them in lazily,
    /// which is not safe when several requests read a committed object at once.
    /// </summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }

    /// <summary>A deep copy to modify.</summary>
    public JsonObject Copy() => Object.DeepClone().AsObject();
}

/// <summary>An ADDED, MODIFIED or DELETED change, as it is kept in the watch history.</summary>
public sealed record StoreEvent(string Type, Resources.GroupResource Resource, StoredObject Object, StoredObject? Previous)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";

    public long Revision => Object.Revision;
}
