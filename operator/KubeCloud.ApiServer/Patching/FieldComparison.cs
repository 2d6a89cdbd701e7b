using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Patching;

/// <summary>
/// What a write changed, field by field (structured-merge-diff's Compare): fields added, fields whose
/// value changed and fields removed, as <see cref="FieldSet"/> paths. Maps and associative or set lists
/// are compared element by element (a new map or list item is itself added, with everything in it);
/// atomic lists and maps compare as one value. System fields (type meta, name, uid, resourceVersion,
/// managedFields...) are left out.
/// </summary>
public sealed class FieldComparison
{
    private FieldComparison()
    {
    }

    public FieldSet Added { get; } = new();

    public FieldSet Modified { get; } = new();

    public FieldSet Removed { get; } = new();

    /// <summary>Added and modified: what the writer now owns and takes from other managers.</summary>
    public HashSet<string> Changed => Added.Paths.Union(Modified.Paths, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);

    public static FieldComparison Of(JsonObject before, JsonObject after, PatchSchema schema)
    {
        var result = new FieldComparison();
        result.CompareObjects(before, after, schema, "");
        result.Added.WithoutSystemFields();
        result.Modified.WithoutSystemFields();
        result.Removed.WithoutSystemFields();
        return result;
    }

    private void Compare(JsonNode? before, JsonNode? after, PatchSchema schema, string path)
    {
        if (before is null && after is null)
        {
            return;
        }

        if ((before ?? after) is JsonObject && (before is null or JsonObject) && (after is null or JsonObject) && !schema.IsAtomicMap
            && !(IsEmpty(before) && IsEmpty(after)))
        {
            Mark(before, after, path);
            CompareObjects(before as JsonObject, after as JsonObject, schema, path);
            return;
        }

        if ((before ?? after) is JsonArray && (before is null or JsonArray) && (after is null or JsonArray) && schema.MergesList
            && !(IsEmpty(before) && IsEmpty(after)))
        {
            CompareLists(before as JsonArray, after as JsonArray, schema, path);
            return;
        }

        if (before is null)
        {
            Added.Paths.Add(path);
        }
        else if (after is null)
        {
            Removed.Paths.Add(path);
        }
        else if (!JsonNode.DeepEquals(before, after))
        {
            Modified.Paths.Add(path);
        }
    }

    private void Mark(JsonNode? before, JsonNode? after, string path)
    {
        if (before is null)
        {
            Added.Paths.Add(path);
        }
        else if (after is null)
        {
            Removed.Paths.Add(path);
        }
    }

    private static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonObject obj => obj.Count == 0,
        JsonArray array => array.Count == 0,
        _ => false,
    };

    private void CompareObjects(JsonObject? before, JsonObject? after, PatchSchema schema, string path)
    {
        var isMetadata = path == "f:metadata";
        if (before is not null)
        {
            foreach (var (key, value) in before)
            {
                if (isMetadata && key == "managedFields")
                {
                    continue;
                }

                var afterValue = after is not null && after.TryGetPropertyValue(key, out var found) ? found : null;
                Compare(value, afterValue, FieldSet.ChildSchema(schema, path, key), FieldSet.Child(path, FieldSet.Field(key)));
            }
        }

        if (after is not null)
        {
            foreach (var (key, value) in after)
            {
                if ((before is null || !before.ContainsKey(key)) && !(isMetadata && key == "managedFields"))
                {
                    Compare(null, value, FieldSet.ChildSchema(schema, path, key), FieldSet.Child(path, FieldSet.Field(key)));
                }
            }
        }
    }

    private void CompareLists(JsonArray? before, JsonArray? after, PatchSchema schema, string path)
    {
        var old = Items(before, schema, path);
        var now = Items(after, schema, path);
        var keyed = schema.ListMapKeys.Count > 0;
        foreach (var (element, item) in old)
        {
            now.TryGetValue(element, out var newItem);
            CompareItem(item, newItem, keyed ? schema.Items : null, element);
        }

        foreach (var (element, item) in now)
        {
            if (!old.ContainsKey(element))
            {
                CompareItem(null, item, keyed ? schema.Items : null, element);
            }
        }
    }

    /// <summary>An item of an associative list is compared field by field; a set item is its value, present or not.</summary>
    private void CompareItem(JsonNode? before, JsonNode? after, PatchSchema? itemSchema, string path)
    {
        Mark(before, after, path);
        if (itemSchema is not null && (before ?? after) is JsonObject)
        {
            CompareObjects(before as JsonObject, after as JsonObject, itemSchema, path);
        }
    }

    private static Dictionary<string, JsonNode?> Items(JsonArray? list, PatchSchema schema, string path)
    {
        var items = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in list ?? [])
        {
            items.TryAdd($"{path}/{FieldSet.ItemElement(item, schema)}", item);
        }

        return items;
    }
}
