using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Patching;

/// <summary>
/// A set of fields as structured-merge-diff keeps it for a manager: paths of elements
/// (<c>f:spec/f:containers/k:{"name":"web"}/f:image</c>, <c>f:metadata/f:finalizers/v:"a"</c>), each
/// one a member on its own (a parent is not implied by its children), and its FieldsV1 JSON form
/// (<c>{}</c> for a member without children, <c>"."</c> marking a member that has children).
/// </summary>
public sealed class FieldSet
{
    /// <summary>What kube-apiserver never records as owned (its StripMetaManager): type meta and server-set metadata.</summary>
    private static readonly string[] SystemFields =
    [
        "f:apiVersion", "f:kind", "f:metadata", "f:metadata/f:name", "f:metadata/f:namespace", "f:metadata/f:creationTimestamp",
        "f:metadata/f:selfLink", "f:metadata/f:uid", "f:metadata/f:clusterName", "f:metadata/f:generation",
        "f:metadata/f:managedFields", "f:metadata/f:resourceVersion",
    ];

    public FieldSet()
        : this(new HashSet<string>(StringComparer.Ordinal))
    {
    }

    public FieldSet(HashSet<string> paths)
    {
        Paths = paths;
    }

    public HashSet<string> Paths { get; }

    public bool IsEmpty => Paths.Count == 0;

    /// <summary>Removes type meta and server-set metadata (name, uid, resourceVersion, managedFields...); returns this set.</summary>
    public FieldSet WithoutSystemFields()
    {
        foreach (var path in SystemFields)
        {
            Paths.Remove(path);
        }

        return this;
    }

    /// <summary>
    /// The fields an applied configuration sets (structured-merge-diff's ToFieldSet): scalars, items of
    /// associative and set lists, atomic lists and maps as a whole, keys of maps, null and empty
    /// objects; a struct's field is a member only through what it contains. System fields removed.
    /// </summary>
    public static FieldSet Of(JsonObject obj, PatchSchema schema)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        Collect(obj, schema, "", paths);
        return new FieldSet(paths).WithoutSystemFields();
    }

    private static void Collect(JsonNode? node, PatchSchema schema, string path, HashSet<string> paths)
    {
        switch (node)
        {
            case JsonObject when schema.IsAtomicMap && path.Length > 0:
                paths.Add(path);
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (path.Length == 0 && key == "metadata" && value is JsonObject metadata)
                    {
                        CollectMetadata(metadata, paths);
                        continue;
                    }

                    var child = Child(path, Field(key));
                    Collect(value, ChildSchema(schema, path, key), child, paths);
                    if (value is null or JsonObject { Count: 0 } || !schema.Declares(key))
                    {
                        paths.Add(child);
                    }
                }

                break;
            case JsonArray when !schema.MergesList:
                paths.Add(path);
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    var child = $"{path}/{ItemElement(item, schema)}";
                    if (item is JsonObject && child.Contains("/k:", StringComparison.Ordinal))
                    {
                        Collect(item, schema.Items, child, paths);
                    }

                    paths.Add(child);
                }

                break;
            default:
                paths.Add(path);
                break;
        }
    }

    private static void CollectMetadata(JsonObject metadata, HashSet<string> paths)
    {
        var schema = PatchSchema.ObjectMeta;
        foreach (var (key, value) in metadata)
        {
            if (key != "managedFields")
            {
                var child = "f:metadata/" + Field(key);
                Collect(value, schema.Property(key), child, paths);
                if (value is null or JsonObject { Count: 0 })
                {
                    paths.Add(child);
                }
            }
        }
    }

    /// <summary>
    /// The element of a field: <c>f:</c> and its name, a slash in the name written <c>~1</c> (and a tilde
    /// <c>~0</c>) so that paths split at slashes (<c>f:kubectl.kubernetes.io~1last-applied-configuration</c>).
    /// </summary>
    public static string Field(string name) =>
        "f:" + (name.Contains('~', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal)
            ? name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : name);

    /// <summary>The field name of an <c>f:</c> element.</summary>
    public static string FieldName(string element) =>
        element.Contains('~', StringComparison.Ordinal) ? element[2..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal) : element[2..];

    /// <summary>An element as FieldsV1 writes it (field names unescaped).</summary>
    private static string Unescaped(string element) =>
        element.StartsWith("f:", StringComparison.Ordinal) && element.Contains('~', StringComparison.Ordinal) ? "f:" + FieldName(element) : element;

    /// <summary>An element of FieldsV1 as a path holds it.</summary>
    private static string Escaped(string key) =>
        key.StartsWith("f:", StringComparison.Ordinal) ? Field(key[2..]) : key;

    internal static string Child(string path, string element) => path.Length == 0 ? element : $"{path}/{element}";

    internal static PatchSchema ChildSchema(PatchSchema schema, string path, string key) =>
        path.Length == 0 ? schema.TopLevelProperty(key) : schema.Property(key);

    /// <summary>The path element of a list item: <c>k:{...}</c> by its keys in an associative list, <c>v:...</c> by its value in a set.</summary>
    internal static string ItemElement(JsonNode? item, PatchSchema listSchema)
    {
        var keys = listSchema.ListMapKeys;
        return item is JsonObject element && keys.Count > 0
            ? "k:" + KeyOf(element, keys)
            : "v:" + (item?.ToJsonString(Serialization.JsonText.Options) ?? "null");
    }

    public static string KeyOf(JsonObject element, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (element[name] is { } value)
            {
                key[name] = value.DeepClone();
            }
        }

        return key.ToJsonString(Serialization.JsonText.Options);
    }

    /// <summary>True when the set holds the path or anything below it.</summary>
    public bool Covers(string path) =>
        Paths.Contains(path) || Paths.Any(p => p.Length > path.Length && p[path.Length] == '/' && p.StartsWith(path, StringComparison.Ordinal));

    /// <summary>
    /// The FieldsV1 JSON: elements in the order of the sorted paths, <c>"."</c> last in a member with
    /// children. Each path's node is found from its parent path's (kept by path), not by splitting it.
    /// </summary>
    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        var sorted = Paths.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        var nodes = new Dictionary<string, JsonObject>(sorted.Length * 2, StringComparer.Ordinal);
        foreach (var path in sorted)
        {
            NodeOf(path, root, nodes);
        }

        foreach (var path in sorted)
        {
            if (path.Length > 0 && nodes[path] is { Count: > 0 } member)
            {
                member["."] = new JsonObject();
            }
        }

        return root;
    }

    private static JsonObject NodeOf(string path, JsonObject root, Dictionary<string, JsonObject> nodes)
    {
        if (nodes.TryGetValue(path, out var node))
        {
            return node;
        }

        var separator = LastSeparator(path);
        var parent = separator < 0 ? root : NodeOf(path[..separator], root, nodes);
        var element = Unescaped(separator < 0 ? path : path[(separator + 1)..]);
        if (parent[element] is not JsonObject child)
        {
            child = [];
            parent[element] = child;
        }

        nodes[path] = child;
        return child;
    }

    /// <summary>The index of the last slash between elements (as <see cref="Split"/> splits), or -1.</summary>
    private static int LastSeparator(string path)
    {
        var last = -1;
        foreach (var separator in Separators(path))
        {
            last = separator;
        }

        return last;
    }

    /// <summary>The indexes of the slashes between elements: not those inside k:{...} or v:"..." values.</summary>
    private static IEnumerable<int> Separators(string path)
    {
        var depth = 0;
        var inString = false;
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
                yield return i;
            }
        }
    }

    public static FieldSet FromFieldsV1(JsonNode? fields)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonObject obj, string prefix)
        {
            foreach (var (key, value) in obj)
            {
                if (key == ".")
                {
                    paths.Add(prefix);
                    continue;
                }

                var path = Child(prefix, Escaped(key));
                if (value is JsonObject { Count: > 0 } children)
                {
                    Walk(children, path);
                }
                else
                {
                    paths.Add(path);
                }
            }
        }

        if (fields is JsonObject root)
        {
            Walk(root, "");
        }

        paths.Remove("");
        return new FieldSet(paths);
    }

    /// <summary>A path as kube prints it in conflicts: <c>.spec.containers[name="web"].image</c>, <c>.metadata.finalizers[="a"]</c>.</summary>
    public static string Describe(string path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in Split(path))
        {
            var body = segment[2..];
            switch (segment[..2])
            {
                case "f:":
                    text.Append('.').Append(FieldName(segment));
                    break;
                case "k:" when JsonNode.Parse(body) is JsonObject key:
                    text.Append('[').AppendJoin(',', key.Select(k => $"{k.Key}={k.Value?.ToJsonString(Serialization.JsonText.Options) ?? "null"}")).Append(']');
                    break;
                case "v:":
                    text.Append("[=").Append(body).Append(']');
                    break;
                default:
                    text.Append('[').Append(body).Append(']');
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Splits a path at the slashes between elements (not inside k:{...} or v:"..." values).</summary>
    public static List<string> Split(string path)
    {
        var segments = new List<string>();
        var start = 0;
        foreach (var separator in Separators(path))
        {
            segments.Add(path[start..separator]);
            start = separator + 1;
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
                return obj.Remove(FieldName(last));
            case JsonArray array when Step(array, last) is { } element:
                return array.Remove(element);
            default:
                return false;
        }
    }

    /// <summary>The element at a path, or null.</summary>
    public static JsonNode? Get(JsonNode root, string path)
    {
        JsonNode? node = root;
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

    private static JsonNode? Step(JsonNode? node, string segment)
    {
        if (segment.StartsWith("f:", StringComparison.Ordinal))
        {
            return node is JsonObject obj ? obj[FieldName(segment)] : null;
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
