using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeCloud.LocalCluster.Auth;

/// <summary>
/// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over System.Text.Json nodes,
/// with RFC 6901 JSON Pointers. Applies to a copy; the input is never changed. One
/// implementation for the local control plane: admission webhook patches and
/// <c>application/json-patch+json</c> requests.
/// </summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in order and returns the patched copy.</summary>
    /// <exception cref="JsonPatchException">An operation is malformed, a path does not exist, or a test fails.</exception>
    public static JsonNode? Apply(JsonNode? document, JsonArray operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var root = new JsonObject { ["doc"] = document?.DeepClone() };
        foreach (var node in operations)
        {
            if (node is not JsonObject operation)
            {
                throw new JsonPatchException("a patch operation must be an object");
            }

            var op = Text(operation, "op");
            var path = Pointer(Text(operation, "path"));
            switch (op)
            {
                case "add":
                    Add(root, path, Value(operation));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(operation));
                    break;
                case "move":
                    {
                        var from = Pointer(Text(operation, "from"));
                        if (path.Count > from.Count && path.Take(from.Count).SequenceEqual(from))
                        {
                            throw new JsonPatchException($"cannot move \"{Text(operation, "from")}\" into its own child \"{Text(operation, "path")}\"");
                        }

                        var value = Remove(root, from);
                        Add(root, path, value);
                        break;
                    }

                case "copy":
                    Add(root, path, Get(root, Pointer(Text(operation, "from")))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), Value(operation)))
                    {
                        throw new JsonPatchException($"test failed: the value at \"{Text(operation, "path")}\" differs");
                    }

                    break;
                default:
                    throw new JsonPatchException($"unknown patch operation \"{op}\"");
            }
        }

        var result = root["doc"];
        root.Remove("doc");
        return result;
    }

    private static string Text(JsonObject operation, string member) =>
        operation[member] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new JsonPatchException($"patch operation has no string \"{member}\"");

    private static JsonNode? Value(JsonObject operation) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw new JsonPatchException($"patch operation \"{operation["op"]}\" has no \"value\"");

    /// <summary>The reference tokens of a pointer, prefixed by the synthetic "doc" member of the wrapper.</summary>
    private static List<string> Pointer(string pointer)
    {
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            throw new JsonPatchException($"invalid JSON pointer \"{pointer}\"");
        }

        var tokens = new List<string> { "doc" };
        if (pointer.Length > 0)
        {
            tokens.AddRange(pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));
        }

        return tokens;
    }

    private static JsonNode? Get(JsonObject root, List<string> path)
    {
        JsonNode? current = root;
        foreach (var token in path)
        {
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when Index(token, array.Count, allowEnd: false) is var i => array[i],
                _ => throw Missing(path),
            };
        }

        return current;
    }

    private static void Add(JsonObject root, List<string> path, JsonNode? value)
    {
        var parent = Get(root, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                array.Insert(last == "-" ? array.Count : Index(last, array.Count, allowEnd: true), value);
                break;
            default:
                throw Missing(path);
        }
    }

    private static JsonNode? Remove(JsonObject root, List<string> path)
    {
        if (path.Count == 1)
        {
            var whole = root["doc"];
            root.Remove("doc");
            root["doc"] = null;
            return whole;
        }

        var parent = Get(root, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var value):
                obj.Remove(last);
                return value;
            case JsonArray array:
                {
                    var i = Index(last, array.Count, allowEnd: false);
                    var value = array[i];
                    array.RemoveAt(i);
                    return value;
                }

            default:
                throw Missing(path);
        }
    }

    private static int Index(string token, int count, bool allowEnd)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit)
            || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new JsonPatchException($"invalid array index \"{token}\"");
        }

        if (index > count || (index == count && !allowEnd))
        {
            throw new JsonPatchException($"array index {index} out of bounds (length {count})");
        }

        return index;
    }

    private static JsonPatchException Missing(List<string> path) =>
        new($"path \"/{string.Join('/', path.Skip(1).Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)))}\" does not exist");
}

/// <summary>A JSON Patch that cannot be applied.</summary>
public sealed class JsonPatchException : Exception
{
    public JsonPatchException()
    {
    }

    public JsonPatchException(string message)
        : base(message)
    {
    }

    public JsonPatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
