using System.Text.Json.Nodes;

namespace KubeCloud.LocalCluster.Patching;

/// <summary>
/// The set of fields a manager owns, as paths of structured-merge-diff's elements
/// (<c>f:spec/f:containers/k:{"name":"web"}/f:image</c>), and its FieldsV1 JSON form.
/// </summary>
public sealed class FieldSet
{
    public FieldSet(HashSet<string> paths)
    {
        Paths = paths;
    }

    public HashSet<string> Paths { get; }

    public IEnumerable<string> Leaves => Paths.Where(p => !Paths.Any(o => o.Length > p.Length && o.StartsWith(p + "/", StringComparison.Ordinal)));

    public static FieldSet Of(JsonObject obj, PatchSchema schema)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var field in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
                {
                    if (metadata[field] is { } child)
                    {
                        var path = "f:metadata/f:" + field;
                        paths.Add("f:metadata");
                        paths.Add(path);
                        Collect(child, schema.Property("metadata").Property(field), path, paths);
                    }
                }

                continue;
            }

            paths.Add("f:" + key);
            Collect(value, schema.Property(key), "f:" + key, paths);
        }

        return new FieldSet(paths);
    }

    private static void Collect(JsonNode? node, PatchSchema schema, string prefix, HashSet<string> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var path = $"{prefix}/f:{key}";
                    paths.Add(path);
                    Collect(value, schema.Property(key), path, paths);
                }

                break;
            case JsonArray array when schema.MergesList:
                var keys = schema.MergeKeys;
                foreach (var item in array)
                {
                    if (item is JsonObject element && keys.Count > 0)
                    {
                        var path = $"{prefix}/k:{KeyOf(element, keys)}";
                        paths.Add(path);
                        Collect(element, schema.Items, path, paths);
                    }
                    else if (item is JsonValue)
                    {
                        paths.Add($"{prefix}/v:{item.ToJsonString(Serialization.JsonText.Options)}");
                    }
                }

                break;
        }
    }

    public static string KeyOf(JsonObject element, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            key[name] = element[name]?.DeepClone();
        }

        return key.ToJsonString(Serialization.JsonText.Options);
    }

    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in Paths.OrderBy(p => p, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in Split(path))
            {
                if (node[segment] is not JsonObject child)
                {
                    child = [];
                    node[segment] = child;
                }

                node = child;
            }
        }

        MarkSelf(root, true);
        return root;
    }

    private static void MarkSelf(JsonObject node, bool isRoot)
    {
        var children = node.Where(p => p.Key != ".").Select(p => p.Value).OfType<JsonObject>().ToList();
        if (!isRoot && children.Count > 0 && !node.ContainsKey("."))
        {
            node["."] = new JsonObject();
        }

        foreach (var child in children)
        {
            MarkSelf(child, false);
        }
    }

    public static FieldSet FromFieldsV1(JsonNode? fields)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string prefix)
        {
            if (node is not JsonObject obj)
            {
                return;
            }

            foreach (var (key, value) in obj)
            {
                if (key == ".")
                {
                    continue;
                }

                var path = prefix.Length == 0 ? key : $"{prefix}/{key}";
                paths.Add(path);
                Walk(value, path);
            }
        }

        Walk(fields, "");
        return new FieldSet(paths);
    }

    /// <summary>Splits a path at the slashes between elements (not inside k:{...} or v:"..." values).</summary>
    public static List<string> Split(string path)
    {
        var segments = new List<string>();
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                depth--;
            }
            else if (c == '/' && depth == 0)
            {
                segments.Add(path[start..i]);
                start = i + 1;
            }
        }

        segments.Add(path[start..]);
        return segments;
    }

    /// <summary>The node a path addresses in an object, or null.</summary>
    public static JsonNode? Resolve(JsonNode? root, string path)
    {
        var node = root;
        foreach (var segment in Split(path))
        {
            node = Step(node, segment);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Removes the node a path addresses; true when something was removed.</summary>
    public static bool Remove(JsonNode root, string path)
    {
        var segments = Split(path);
        var parent = root;
        foreach (var segment in segments[..^1])
        {
            parent = Step(parent, segment);
            if (parent is null)
            {
                return false;
            }
        }

        var last = segments[^1];
        switch (parent)
        {
            case JsonObject obj when last.StartsWith("f:", StringComparison.Ordinal):
                return obj.Remove(last[2..]);
            case JsonArray array when Step(array, last) is { } element:
                return array.Remove(element);
            default:
                return false;
        }
    }

    private static JsonNode? Step(JsonNode? node, string segment)
    {
        if (segment.StartsWith("f:", StringComparison.Ordinal))
        {
            return node is JsonObject obj ? obj[segment[2..]] : null;
        }

        if (node is not JsonArray array)
        {
            return null;
        }

        if (segment.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(segment[2..]) is JsonObject key)
        {
            return array.OfType<JsonObject>().FirstOrDefault(e => key.All(k => JsonNode.DeepEquals(e[k.Key], k.Value)));
        }

        if (segment.StartsWith("v:", StringComparison.Ordinal))
        {
            var value = JsonNode.Parse(segment[2..]);
            return array.FirstOrDefault(e => JsonNode.DeepEquals(e, value));
        }

        return null;
    }
}
