using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;

namespace KubeCloud.ApiServer.Patching;

/// <summary>
/// Strategic merge patch of built-ins, as apimachinery's strategicpatch applies what kubectl apply
/// sends: lists merge by <c>x-kubernetes-patch-merge-key</c>, primitive lists with strategy merge
/// are unions, and the directives <c>$patch</c> (replace, delete, merge), <c>$retainKeys</c>,
/// <c>$setElementOrder/field</c> and <c>$deleteFromPrimitiveList/field</c>.
/// </summary>
public static class StrategicMergePatch
{
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(JsonObject original, JsonObject patch, PatchSchema schema) =>
        MergeMap(original.DeepClone().AsObject(), patch, schema) ?? [];

    private static JsonObject? MergeMap(JsonObject original, JsonObject patch, PatchSchema schema)
    {
        switch ((string?)patch["$patch"])
        {
            case "replace":
                return (JsonObject?)Clean(patch);
            case "delete":
                return null;
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => (string?)k).ToHashSet();
            foreach (var key in original.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    original.Remove(key);
                }
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveList.Length..];
                if (original[field] is JsonArray list && value is JsonArray remove)
                {
                    foreach (var item in list.Where(i => remove.Any(r => JsonNode.DeepEquals(i, r))).ToList())
                    {
                        list.Remove(item);
                    }
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                continue;
            }

            var child = schema.Property(key);
            if (value is null)
            {
                original.Remove(key);
            }
            else if (value is JsonObject patchMap && original[key] is JsonObject originalMap)
            {
                var merged = MergeMap(originalMap, patchMap, child);
                if (merged is null)
                {
                    original.Remove(key);
                }
                else if (!ReferenceEquals(merged, originalMap))
                {
                    original[key] = merged;
                }
            }
            else if (value is JsonObject deleteDirective && (string?)deleteDirective["$patch"] == "delete")
            {
                original.Remove(key);
            }
            else if (value is JsonArray patchList && original[key] is JsonArray originalList)
            {
                original[key] = MergeList(originalList, patchList, child);
            }
            else
            {
                original[key] = Clean(value);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key[SetElementOrder.Length..];
                if (original[field] is JsonArray list)
                {
                    original[field] = Order(list, order, schema.Property(field).MergeKeys);
                }
            }
        }

        return original;
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, PatchSchema schema)
    {
        if (patch.Any(p => p is JsonObject o && (string?)o["$patch"] == "replace"))
        {
            return new JsonArray(patch.Where(p => !(p is JsonObject o && (string?)o["$patch"] == "replace")).Select(Clean).ToArray());
        }

        if (!schema.MergesList)
        {
            return new JsonArray(patch.Select(Clean).ToArray());
        }

        var keys = schema.MergeKeys;
        var result = new JsonArray(original.Select(i => i?.DeepClone()).ToArray());
        foreach (var item in patch)
        {
            if (item is JsonObject patchItem && keys.Count > 0)
            {
                var existing = result.OfType<JsonObject>().FirstOrDefault(o => SameKey(o, patchItem, keys));
                if ((string?)patchItem["$patch"] == "delete")
                {
                    if (existing is not null)
                    {
                        result.Remove(existing);
                    }

                    continue;
                }

                if (existing is null)
                {
                    result.Add(Clean(patchItem));
                }
                else
                {
                    var index = result.IndexOf(existing);
                    var merged = MergeMap(existing.DeepClone().AsObject(), patchItem, schema.Items);
                    result.RemoveAt(index);
                    if (merged is not null)
                    {
                        result.Insert(index, merged);
                    }
                }
            }
            else if (item is JsonObject && keys.Count == 0)
            {
                throw ApiException.BadRequest("the server rejected our request due to an error in our request: merging an object in json but data type is not struct, instead is: map");
            }
            else if (!result.Any(r => JsonNode.DeepEquals(r, item)))
            {
                result.Add(item?.DeepClone());
            }
        }

        return result;
    }

    private static bool SameKey(JsonObject a, JsonObject b, IReadOnlyList<string> keys) =>
        keys.All(k => JsonNode.DeepEquals(a[k], b[k]));

    private static JsonArray Order(JsonArray list, JsonArray order, IReadOnlyList<string> keys)
    {
        var remaining = list.Select(i => i?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var match = remaining.FirstOrDefault(item => keys.Count > 0 && item is JsonObject o && wanted is JsonObject w
                ? SameKey(o, w, keys)
                : JsonNode.DeepEquals(item, wanted));
            if (match is not null || remaining.Contains(null))
            {
                remaining.Remove(match);
                ordered.Add(match);
            }
        }

        ordered.AddRange(remaining);
        return new JsonArray(ordered.ToArray());
    }

    /// <summary>A patch value without directives, as it is stored.</summary>
    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (!key.StartsWith('$'))
                    {
                        result[key] = Clean(value);
                    }
                }

                return result;
            case JsonArray array:
                return new JsonArray(array.Where(i => !(i is JsonObject o && (string?)o["$patch"] == "delete")).Select(Clean).ToArray());
            default:
                return node?.DeepClone();
        }
    }
}
