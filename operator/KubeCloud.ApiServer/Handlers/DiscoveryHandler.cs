using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// Discovery: /api, /apis, /apis/{group}, /api/v1 and /apis/{group}/{version} (legacy), and the
/// aggregated form (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) that kubectl 1.32+ asks for.
/// Answers are cached per registry generation, so CRD groups appear and disappear at once.
/// </summary>
public sealed class DiscoveryHandler
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private readonly ResourceRegistry _registry;
    private readonly Func<string> _serverAddress;
    private readonly Dictionary<string, byte[]> _cache = [];
    private readonly Lock _gate = new();
    private long _cachedGeneration = -1;

    public DiscoveryHandler(ResourceRegistry registry, Func<string> serverAddress)
    {
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
                if (path is not ("/api" or "/apis"))
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
                    ["groups"] = new JsonArray(Groups().Select(g => (JsonNode)Group(g.Key, g)).ToArray()),
                };
            case ["apis", var group]:
                var resources = _registry.All.Where(r => r.Group == group).ToList();
                if (resources.Count == 0)
                {
                    return null;
                }

                var node = Group(group, resources);
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

    private static JsonObject Group(string name, IEnumerable<ResourceType> resources)
    {
        var versions = Versions(resources);
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

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject Kind(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
