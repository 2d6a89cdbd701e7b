using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Aggregation;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// Discovery: /api, /apis, /apis/{group}, /api/v1 and /apis/{group}/{version} (legacy), and the
/// aggregated form (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) that kubectl 1.32+ asks for.
/// Answers are cached per registry generation, so CRD groups appear and disappear at once. Group versions of extension
/// API servers (remote APIServices) are listed in /apis and /apis/{group}, with the resources their backend's discovery
/// last answered in the aggregated form; /apis/{group}/{version} of those is proxied, never answered here.
/// </summary>
public sealed class DiscoveryHandler
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private readonly ResourceRegistry _registry;
    private readonly Func<string> _serverAddress;
    private readonly Func<IReadOnlyList<AggregatedGroupVersion>> _remote;
    private readonly Dictionary<string, byte[]> _cache = [];
    private readonly Lock _gate = new();
    private long _cachedGeneration = -1;

    public DiscoveryHandler(ResourceRegistry registry, Func<string> serverAddress, Func<IReadOnlyList<AggregatedGroupVersion>>? remote = null)
    {
        _remote = remote ?? (() => []);
        _registry = registry;
        _serverAddress = serverAddress;
    }

    public static bool WantsAggregated(ApiContext context) =>
        context.Http.Request.Headers.Accept.ToString().Replace(" ", "", StringComparison.Ordinal).Contains("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", StringComparison.Ordinal);

    /// <summary>Answers a discovery path, or returns false when the path is not a discovery document.</summary>
    public async Task<bool> TryServeAsync(ApiContext context)
    {
        var path = context.Info.Path.TrimEnd('/');
        var aggregated = WantsAggregated(context) && path is "/api" or "/apis";
        var key = (aggregated ? "agg:" : "") + path;
        byte[]? body;
        lock (_gate)
        {
            if (_cachedGeneration != _registry.Generation)
            {
                _cache.Clear();
                _cachedGeneration = _registry.Generation;
            }

            if (!_cache.TryGetValue(key, out body))
            {
                var node = aggregated ? Aggregated(path == "/api") : Legacy(path);
                if (node is null)
                {
                    return false;
                }

                body = Encoding.UTF8.GetBytes(node.ToJsonString(Serialization.JsonText.Options));
                if (path is not ("/api" or "/apis") && !(path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 2))
                {
                    _cache[key] = body;
                }
            }
        }

        await ResponseWriter.WriteBytesAsync(context.Http, 200, body, aggregated ? AggregatedContentType : ResponseWriter.Json);
        return true;
    }

    private IEnumerable<IGrouping<string, ResourceType>> Groups() =>
        _registry.All.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).OrderBy(g => GroupOrder(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal);

    private static int GroupOrder(string group) => group.EndsWith(".k8s.io", StringComparison.Ordinal) || !group.Contains('.', StringComparison.Ordinal) ? 0 : 1;

    private static List<string> Versions(IEnumerable<ResourceType> resources) =>
        resources.Select(r => r.Version).Distinct().OrderBy(v => v, Comparer<string>.Create(VersionPriority.Compare)).ToList();

    private JsonObject? Legacy(string path)
    {
        var parts = path.Trim('/').Split('/');
        switch (parts)
        {
            case ["api"]:
                return new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = _serverAddress() }),
                };
            case ["apis"]:
                return new JsonObject
                {
                    ["kind"] = "APIGroupList",
                    ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray([.. Groups().Select(g => (JsonNode)Group(g.Key, Versions(g))), .. RemoteGroups(_remote(), null)]),
                };
            case ["apis", var group]:
                var versions = Versions(_registry.All.Where(r => r.Group == group));
                var node = versions.Count > 0 ? Group(group, versions) : RemoteGroups(_remote(), group).FirstOrDefault();
                if (node is null)
                {
                    return null;
                }

                node["kind"] = "APIGroup";
                node["apiVersion"] = "v1";
                return node;
            case ["api", var version]:
                return ResourceList("", version);
            case ["apis", var group, var version]:
                return ResourceList(group, version);
            default:
                return null;
        }
    }

    /// <summary>Groups only extension API servers serve (a group served here lists its local versions only), optionally just one.</summary>
    private IEnumerable<JsonObject> RemoteGroups(IReadOnlyList<AggregatedGroupVersion> remote, string? only) =>
        remote.Where(r => (only is null || r.Group == only) && !_registry.All.Any(l => l.Group == r.Group))
            .GroupBy(r => r.Group)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Group(g.Key, g.Select(r => r.Version).Distinct().OrderBy(v => v, Comparer<string>.Create(VersionPriority.Compare)).ToList()));

    private static JsonObject Group(string name, List<string> versions)
    {
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    private JsonObject? ResourceList(string group, string version)
    {
        var resources = _registry.All.Where(r => r.Group == group && r.Version == version).ToList();
        if (resources.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var resource in resources.OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = resource.Plural,
                ["singularName"] = resource.Singular,
                ["namespaced"] = resource.Namespaced,
                ["kind"] = resource.Kind,
                ["verbs"] = Strings(resource.Verbs),
            };
            if (resource.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(resource.ShortNames);
            }

            if (resource.Categories.Count > 0)
            {
                entry["categories"] = Strings(resource.Categories);
            }

            list.Add(entry);
            foreach (var sub in resource.Subresources)
            {
                var subEntry = new JsonObject
                {
                    ["name"] = $"{resource.Plural}/{sub.Name}",
                    ["singularName"] = "",
                    ["namespaced"] = resource.Namespaced,
                    ["kind"] = sub.Kind,
                    ["verbs"] = Strings(sub.Verbs),
                };
                if (sub.Group != group || sub.Version != version)
                {
                    subEntry["group"] = sub.Group;
                    subEntry["version"] = sub.Version;
                }

                list.Add(subEntry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }

    private JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        var groups = core
            ? _registry.All.Where(r => r.Group.Length == 0).GroupBy(r => r.Group)
            : Groups();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var version in Versions(group))
            {
                var resources = new JsonArray();
                foreach (var resource in group.Where(r => r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal))
                {
                    var entry = new JsonObject
                    {
                        ["resource"] = resource.Plural,
                        ["responseKind"] = Kind(resource.Group, resource.Version, resource.Kind),
                        ["scope"] = resource.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = resource.Singular,
                        ["verbs"] = Strings(resource.Verbs),
                    };
                    if (resource.ShortNames.Count > 0)
                    {
                        entry["shortNames"] = Strings(resource.ShortNames);
                    }

                    if (resource.Categories.Count > 0)
                    {
                        entry["categories"] = Strings(resource.Categories);
                    }

                    if (resource.Subresources.Count > 0)
                    {
                        entry["subresources"] = new JsonArray(resource.Subresources.Select(s => (JsonNode)new JsonObject
                        {
                            ["subresource"] = s.Name,
                            ["responseKind"] = Kind(s.Group, s.Version, s.Kind),
                            ["verbs"] = Strings(s.Verbs),
                        }).ToArray());
                    }

                    resources.Add(entry);
                }

                versions.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            var metadata = new JsonObject { ["creationTimestamp"] = null };
            if (!core)
            {
                metadata["name"] = group.Key;
            }

            items.Add(new JsonObject { ["metadata"] = metadata, ["versions"] = versions });
        }

        if (!core)
        {
            foreach (var group in _remote().Where(r => !_registry.All.Any(l => l.Group == r.Group)).GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var versions = new JsonArray([.. group.OrderBy(r => r.Version, Comparer<string>.Create(VersionPriority.Compare)).Select(r => (JsonNode)new JsonObject
                {
                    ["version"] = r.Version,
                    ["resources"] = RemoteResources(r),
                    ["freshness"] = r.Resources is null ? "Stale" : "Current",
                })]);
                items.Add(new JsonObject { ["metadata"] = new JsonObject { ["creationTimestamp"] = null, ["name"] = group.Key }, ["versions"] = versions });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    /// <summary>
    /// A backend's APIResourceList entries in the aggregated form, as kube-aggregator converts them: <c>x/y</c> becomes
    /// subresource y of x, and a subresource whose parent the backend does not list gets a parent entry of its own.
    /// </summary>
    private static JsonArray RemoteResources(AggregatedGroupVersion remote)
    {
        var parents = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var ordered = new List<JsonObject>();
        JsonObject Parent(string name, bool namespaced)
        {
            if (!parents.TryGetValue(name, out var parent))
            {
                parent = new JsonObject { ["resource"] = name, ["responseKind"] = new JsonObject(), ["scope"] = namespaced ? "Namespaced" : "Cluster", ["verbs"] = new JsonArray() };
                parents[name] = parent;
                ordered.Add(parent);
            }

            return parent;
        }

        var entries = (remote.Resources ?? []).OfType<JsonObject>().ToList();
        foreach (var entry in entries.Where(e => !((string?)e["name"] ?? "").Contains('/', StringComparison.Ordinal)))
        {
            var parent = Parent((string?)entry["name"] ?? "", entry["namespaced"]?.GetValue<bool>() ?? false);
            parent["responseKind"] = Kind((string?)entry["group"] ?? remote.Group, (string?)entry["version"] ?? remote.Version, (string?)entry["kind"] ?? "");
            parent["singularResource"] = (string?)entry["singularName"] ?? "";
            parent["verbs"] = entry["verbs"]?.DeepClone() ?? new JsonArray();
            foreach (var key in new[] { "shortNames", "categories" })
            {
                if (entry[key] is JsonArray values)
                {
                    parent[key] = values.DeepClone();
                }
            }
        }

        foreach (var entry in entries.Where(e => ((string?)e["name"] ?? "").Contains('/', StringComparison.Ordinal)))
        {
            var name = ((string?)entry["name"])!.Split('/', 2);
            var parent = Parent(name[0], entry["namespaced"]?.GetValue<bool>() ?? false);
            if (parent["subresources"] is not JsonArray subresources)
            {
                parent["subresources"] = subresources = [];
            }

            subresources.Add(new JsonObject
            {
                ["subresource"] = name[1],
                ["responseKind"] = Kind((string?)entry["group"] ?? remote.Group, (string?)entry["version"] ?? remote.Version, (string?)entry["kind"] ?? ""),
                ["verbs"] = entry["verbs"]?.DeepClone() ?? new JsonArray(),
            });
        }

        return new JsonArray([.. ordered.Select(p => (JsonNode)p)]);
    }

    private static JsonObject Kind(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
