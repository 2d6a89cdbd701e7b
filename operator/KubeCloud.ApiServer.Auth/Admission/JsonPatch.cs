using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over System.Text.Json nodes,
/// with RFC 6901 JSON Pointers, worded as kube-apiserver's (evanphx/json-patch) errors. Applies
/// to a copy; the input is never changed. The one implementation of the local control plane:
/// admission webhook patches here, and <c>application/json-patch+json</c> requests in the API server.
/// </summary>
public static class JsonPatch
{
    /// <summary>Applies a patch document that must be a JSON array of operations.</summary>
    /// <exception cref="JsonPatchException">Malformed when the patch is not an array; otherwise as <see cref="Apply(JsonNode?, JsonArray)"/>.</exception>
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch) =>
        patch is JsonArray operations
            ? Apply(document, operations)
            : throw new JsonPatchException(JsonPatchErrorKind.Malformed, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");

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
                throw new JsonPatchException(JsonPatchErrorKind.Malformed, "json: cannot unmarshal into Go value of type jsonpatch.Operation");
            }

            var op = operation["op"] is JsonValue opValue && opValue.TryGetValue<string>(out var text) ? text : "";
            var path = Text(operation, "path");
            try
            {
                Run(root, op, path, operation);
            }
            catch (MissingPathException)
            {
                throw new JsonPatchException(op == "test" ? JsonPatchErrorKind.TestFailed : JsonPatchErrorKind.Unapplicable, op switch
                {
                    "replace" => $"replace operation does not apply: doc is missing key: {path}: missing value",
                    "move" => $"move operation does not apply: doc is missing from path: {Text(operation, "from")}: missing value",
                    "copy" => $"copy operation does not apply: doc is missing from path: \"{Text(operation, "from")}\": missing value",
                    "test" => $"testing value {path} failed: test failed",
                    _ => $"{op} operation does not apply: doc is missing path: \"{path}\": missing value",
                });
            }
        }

        var result = root["doc"];
        root.Remove("doc");
        return result;
    }

    private static void Run(JsonObject root, string op, string path, JsonObject operation)
    {
        var pointer = Pointer(path);
        switch (op)
        {
            case "add":
                Add(root, pointer, Value(operation));
                break;
            case "remove":
                Remove(root, pointer);
                break;
            case "replace":
                Remove(root, pointer);
                Add(root, pointer, Value(operation));
                break;
            case "move":
                {
                    var from = Pointer(Text(operation, "from"));
                    if (pointer.Count > from.Count && pointer.Take(from.Count).SequenceEqual(from))
                    {
                        throw new JsonPatchException(JsonPatchErrorKind.Unapplicable, $"move operation does not apply: \"{path}\" is a child of \"{Text(operation, "from")}\"");
                    }

                    Add(root, pointer, Remove(root, from));
                    break;
                }

            case "copy":
                Add(root, pointer, Get(root, Pointer(Text(operation, "from")))?.DeepClone());
                break;
            case "test":
                if (!JsonNode.DeepEquals(Get(root, pointer), Value(operation)))
                {
                    throw new JsonPatchException(JsonPatchErrorKind.TestFailed, $"testing value {path} failed: test failed");
                }

                break;
            default:
                throw new JsonPatchException(JsonPatchErrorKind.Unapplicable, $"Unexpected kind: {op}");
        }
    }

    private static string Text(JsonObject operation, string member) =>
        operation[member] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new JsonPatchException(JsonPatchErrorKind.Unapplicable, $"operation missing \"{member}\" string");

    private static JsonNode? Value(JsonObject operation) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw new JsonPatchException(JsonPatchErrorKind.Unapplicable, $"{operation["op"]} operation has no \"value\"");

    /// <summary>The reference tokens of a pointer, prefixed by the synthetic "doc" member of the wrapper.</summary>
    private static List<string> Pointer(string pointer)
    {
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            throw new JsonPatchException(JsonPatchErrorKind.Unapplicable, $"invalid JSON pointer \"{pointer}\"");
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
                _ => throw new MissingPathException(),
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
                throw new MissingPathException();
        }
    }

    private static JsonNode? Remove(JsonObject root, List<string> path)
    {
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
                throw new MissingPathException();
        }
    }

    private static int Index(string token, int count, bool allowEnd)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit)
            || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new MissingPathException();
        }

        return index < count || (allowEnd && index == count) ? index : throw new MissingPathException();
    }

    private sealed class MissingPathException : Exception
    {
    }
}

/// <summary>How a JSON Patch failed: kube-apiserver answers Malformed with 400 BadRequest, the others with 422.</summary>
public enum JsonPatchErrorKind
{
    /// <summary>The patch document is not an array of operation objects.</summary>
    Malformed,

    /// <summary>An operation names a path or value that is not there, or is not an operation.</summary>
    Unapplicable,

    /// <summary>A <c>test</c> operation found a different value.</summary>
    TestFailed,
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

    public JsonPatchException(JsonPatchErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public JsonPatchErrorKind Kind { get; } = JsonPatchErrorKind.Unapplicable;
}
