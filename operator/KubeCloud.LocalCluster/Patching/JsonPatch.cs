using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;

namespace KubeCloud.LocalCluster.Patching;

/// <summary>RFC 6902 JSON patch: add, remove, replace, move, copy, test, with RFC 6901 pointers.</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var root = document.DeepClone();
        foreach (var operation in operations)
        {
            var op = (string?)operation?["op"] ?? "";
            var path = (string?)operation?["path"] ?? throw Failed("missing path");
            switch (op)
            {
                case "add":
                    root = Add(root, path, operation!["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, operation!["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = (string?)operation!["from"] ?? throw Failed("missing from");
                        var value = Get(root, from)?.DeepClone();
                        Remove(root, from);
                        root = Add(root, path, value);
                        break;
                    }

                case "copy":
                    root = Add(root, path, Get(root, (string?)operation!["from"] ?? throw Failed("missing from"))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), operation!["value"]))
                    {
                        throw ApiException.BadRequest($"the server rejected our request due to an error in our request: testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw Failed($"Unexpected kind: {op}");
            }
        }

        return root;
    }

    private static ApiException Failed(string message) => new(ApiException.Failure(422, "Invalid", message));

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (!path.StartsWith('/'))
        {
            throw Failed($"invalid JSON pointer: {path}");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Get(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Failed($"doc is missing path: \"{path}\": missing value"),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode root, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            return value ?? throw Failed("cannot replace the document with null");
        }

        var parent = Get(root, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                if (last == "-")
                {
                    array.Add(value);
                }
                else if (int.TryParse(last, out var index) && index >= 0 && index <= array.Count)
                {
                    array.Insert(index, value);
                }
                else
                {
                    throw Failed($"add operation does not apply: doc is missing path: \"{path}\"");
                }

                break;
            default:
                throw Failed($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return root;
    }

    private static void Remove(JsonNode root, string path)
    {
        var tokens = Tokens(path);
        var parent = Get(root, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index < array.Count:
                array.RemoveAt(index);
                break;
            default:
                throw Failed($"remove operation does not apply: doc is missing path: \"{path}\"");
        }
    }

    private static string ParentPath(List<string> tokens) =>
        tokens.Count <= 1 ? "" : "/" + string.Join('/', tokens[..^1].Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
