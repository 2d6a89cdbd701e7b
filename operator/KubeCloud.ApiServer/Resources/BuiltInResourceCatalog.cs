using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeCloud.ApiServer.OpenApi;

namespace KubeCloud.ApiServer.Resources;

/// <summary>
/// Every built-in resource of the Kubernetes OpenAPI document, derived from its <c>paths</c>:
/// group, version, kind, plural, scope, verbs (from <c>x-kubernetes-action</c>) and subresources.
/// Short names and categories are not in the document; <see cref="WellKnownNames"/> adds them.
/// </summary>
internal static partial class BuiltInResourceCatalog
{
    private static readonly Lazy<IReadOnlyList<ResourceType>> Loaded = new(Build);

    public static IReadOnlyList<ResourceType> All => Loaded.Value;

    [GeneratedRegex(@"^/(?:api/(?<version>v1)|apis/(?<group>[^/]+)/(?<version>[^/]+))(?<watch>/watch)?(?<ns>/namespaces/\{namespace\})?/(?<plural>[^/{]+)(?<named>/\{name\})?(?:/(?<sub>[^/{]+))?$")]
    private static partial Regex ResourcePath();

    private static List<ResourceType> Build()
    {
        var document = KubernetesOpenApiDocument.Instance;
        var resources = new Dictionary<(string Group, string Version, string Plural), Draft>();
        foreach (var (path, item) in document.Paths)
        {
            var match = ResourcePath().Match(path);
            if (!match.Success || item is not JsonObject operations)
            {
                continue;
            }

            var key = (match.Groups["group"].Value, match.Groups["version"].Value, match.Groups["plural"].Value);
            var draft = resources.TryGetValue(key, out var existing) ? existing : resources[key] = new Draft();
            draft.Namespaced |= match.Groups["ns"].Success;
            var subresource = match.Groups["sub"].Success ? match.Groups["sub"].Value : null;
            foreach (var (_, operation) in operations)
            {
                if (operation is not JsonObject || operation["x-kubernetes-action"] is not JsonValue actionValue || operation["x-kubernetes-group-version-kind"] is not JsonObject gvk)
                {
                    continue;
                }

                var verb = VerbOf((string)actionValue!);
                var target = subresource is null ? draft.Verbs : draft.SubresourceVerbs(subresource);
                target.Add(verb);
                if (subresource is null)
                {
                    draft.Kind ??= (string?)gvk["kind"];
                }
                else if (!draft.SubresourceKinds.ContainsKey(subresource))
                {
                    draft.SubresourceKinds[subresource] = ((string?)gvk["group"] ?? "", (string?)gvk["version"] ?? "", (string?)gvk["kind"] ?? "");
                }
            }
        }

        var result = new List<ResourceType>();
        foreach (var ((group, version, plural), draft) in resources)
        {
            if (draft.Kind is null || draft.Verbs.Count == 0)
            {
                continue;
            }

            var subresources = draft.SubresourceKinds
                .Select(s => new SubresourceType(s.Key, s.Value.Group, s.Value.Version, s.Value.Kind, Ordered(draft.SubresourceVerbs(s.Key))))
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .ToList();
            document.DefinitionsByKind.TryGetValue((group, version, draft.Kind), out var definition);
            result.Add(new ResourceType(group, version, draft.Kind, plural, draft.Namespaced, Ordered(draft.Verbs), subresources)
            {
                DefinitionName = definition,
                ShortNames = WellKnownNames.ShortNames(group, plural),
                Categories = WellKnownNames.Categories(group, plural),
            });
        }

        return result.OrderBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Version, StringComparer.Ordinal).ThenBy(r => r.Plural, StringComparer.Ordinal).ToList();
    }

    private static string VerbOf(string action) => action switch
    {
        "post" => "create",
        "put" => "update",
        "watchlist" => "watch",
        _ => action,
    };

    private static readonly string[] VerbOrder = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    private static List<string> Ordered(HashSet<string> verbs) =>
        verbs.OrderBy(v => Array.IndexOf(VerbOrder, v) is var i && i < 0 ? 100 : i).ThenBy(v => v, StringComparer.Ordinal).ToList();

    private sealed class Draft
    {
        private readonly Dictionary<string, HashSet<string>> _subresourceVerbs = [];

        public string? Kind { get; set; }

        public bool Namespaced { get; set; }

        public HashSet<string> Verbs { get; } = [];

        public Dictionary<string, (string Group, string Version, string Kind)> SubresourceKinds { get; } = [];

        public HashSet<string> SubresourceVerbs(string name) =>
            _subresourceVerbs.TryGetValue(name, out var verbs) ? verbs : _subresourceVerbs[name] = [];
    }
}
