using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Resources;
using KubeCloud.LocalCluster.Storage;

namespace KubeCloud.LocalCluster.Persistence;

/// <summary>
/// --data-dir persistence: the whole store and its revision as one JSON file (store.json), written
/// atomically (temp file + rename) when the revision moved, and on shutdown; loaded at start.
/// </summary>
public sealed class StoreSnapshot
{
    private readonly string _path;
    private long _savedRevision = -1;

    public StoreSnapshot(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "store.json");
    }

    public bool TryLoad(ObjectStore store)
    {
        if (!File.Exists(_path))
        {
            return false;
        }

        var root = JsonNode.Parse(File.ReadAllText(_path))!.AsObject();
        var revision = (long?)root["revision"] ?? 0;
        var objects = (root["objects"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(o => (new GroupResource((string?)o["group"] ?? "", (string?)o["resource"] ?? ""), o["object"]!.AsObject().DeepClone().AsObject()));
        store.Restore(objects, revision);
        _savedRevision = revision;
        return true;
    }

    public void Save(ObjectStore store)
    {
        var revision = store.Revision;
        if (revision == _savedRevision)
        {
            return;
        }

        var objects = new JsonArray();
        foreach (var (resource, obj) in store.Dump())
        {
            objects.Add(new JsonObject { ["group"] = resource.Group, ["resource"] = resource.Resource, ["object"] = obj.Copy() });
        }

        var root = new JsonObject { ["revision"] = revision, ["objects"] = objects };
        var temp = _path + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(Serialization.JsonText.Options));
        File.Move(temp, _path, overwrite: true);
        _savedRevision = revision;
    }
}
