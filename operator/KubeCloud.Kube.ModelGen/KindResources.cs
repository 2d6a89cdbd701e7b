using System.Text.Json.Nodes;

namespace KubeCloud.Kube.ModelGen;

/// <summary>A group/version/kind as the document's <c>x-kubernetes-group-version-kind</c> states it.</summary>
public sealed record GroupVersionKind(string Group, string Version, string Kind)
{
    /// <summary>Reads the first entry of a definition's or operation's <c>x-kubernetes-group-version-kind</c>.</summary>
    public static GroupVersionKind? From(JsonNode? extension) => extension switch
    {
        JsonArray { Count: > 0 } array => From(array[0]),
        JsonObject gvk => new GroupVersionKind(
            (string?)gvk["group"] ?? "",
            (string?)gvk["version"] ?? "",
            (string?)gvk["kind"] ?? ""),
        _ => null,
    };
}

/// <summary>The REST resource that serves a kind: its plural and whether it lives in a namespace.</summary>
public sealed record KindResource(string PluralName, bool Namespaced);

/// <summary>
/// Derives each kind's resource from the document's <c>paths</c>: an operation on
/// <c>/api/v1[/namespaces/{namespace}]/{plural}[/{name}]</c> or
/// <c>/apis/{group}/{version}[/namespaces/{namespace}]/{plural}[/{name}]</c> carrying the kind's
/// group/version/kind serves that kind. Subresources and the deprecated <c>watch/</c> paths are ignored,
/// so kinds reachable only as subresources (Eviction, Scale) have no resource.
/// </summary>
public static class KindResources
{
    private static readonly string[] Methods = ["get", "put", "post", "patch", "delete"];

    /// <summary>Maps each served group/version/kind to its resource.</summary>
    public static IReadOnlyDictionary<GroupVersionKind, KindResource> FromPaths(JsonObject paths)
    {
        var result = new Dictionary<GroupVersionKind, KindResource>();
        foreach (var (path, item) in paths)
        {
            if (item is not JsonObject operations || ParseResourcePath(path) is not { } resource)
            {
                continue;
            }

            foreach (var method in Methods)
            {
                if (GroupVersionKind.From(operations[method]?["x-kubernetes-group-version-kind"]) is not { } gvk)
                {
                    continue;
                }

                if (result.TryGetValue(gvk, out var existing) && existing != resource)
                {
                    // The same kind at the collection path and at an all-namespaces path: namespaced wins.
                    if (existing.PluralName != resource.PluralName)
                    {
                        throw new InvalidOperationException($"Kind {gvk} is served as both '{existing.PluralName}' and '{resource.PluralName}'.");
                    }

                    resource = existing with { Namespaced = existing.Namespaced || resource.Namespaced };
                }

                result[gvk] = resource;
            }
        }

        return result;
    }

    private static KindResource? ParseResourcePath(string path)
    {
        var segments = path.Trim('/').Split('/');
        int start;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            start = 2;
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            start = 3;
        }
        else
        {
            return null;
        }

        var rest = segments[start..];
        if (rest.Length > 0 && rest[0] == "watch")
        {
            return null;
        }

        var namespaced = false;
        if (rest.Length >= 2 && rest[0] == "namespaces" && rest[1] == "{namespace}")
        {
            namespaced = true;
            rest = rest[2..];
        }

        return rest switch
        {
            [var plural] when !plural.StartsWith('{') => new KindResource(plural, namespaced),
            [var plural, "{name}"] when !plural.StartsWith('{') => new KindResource(plural, namespaced),
            _ => null,
        };
    }
}
