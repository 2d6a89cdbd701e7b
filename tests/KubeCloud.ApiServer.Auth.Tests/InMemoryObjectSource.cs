using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Auth.Tests;

/// <summary>An in-memory cluster: objects keyed by group/resource, with a revision per resource.</summary>
public sealed class InMemoryObjectSource : IVersionedClusterObjectSource
{
    private static readonly Dictionary<string, (string Group, string Resource)> ResourceOfKind = new()
    {
        ["Role"] = (RbacResources.Group, RbacResources.Roles),
        ["ClusterRole"] = (RbacResources.Group, RbacResources.ClusterRoles),
        ["RoleBinding"] = (RbacResources.Group, RbacResources.RoleBindings),
        ["ClusterRoleBinding"] = (RbacResources.Group, RbacResources.ClusterRoleBindings),
        ["Namespace"] = ("", "namespaces"),
        ["MutatingWebhookConfiguration"] = ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ["ValidatingWebhookConfiguration"] = ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    };

    private readonly Dictionary<(string Group, string Resource), List<JsonObject>> objects = [];
    private readonly Dictionary<(string Group, string Resource), long> revisions = [];
    private long revision;

    public int ListCalls { get; private set; }

    public InMemoryObjectSource(params IEnumerable<JsonObject> initial)
    {
        foreach (var item in initial)
        {
            Put(item);
        }
    }

    /// <summary>Creates or replaces an object (by namespace and name).</summary>
    public InMemoryObjectSource Put(JsonObject item)
    {
        var key = ResourceOfKind[(string)item["kind"]!];
        if (!objects.TryGetValue(key, out var list))
        {
            objects[key] = list = [];
        }

        var index = list.FindIndex(o => NameOf(o) == NameOf(item));
        if (index >= 0)
        {
            list[index] = item;
        }
        else
        {
            list.Add(item);
        }

        revisions[key] = ++revision;
        return this;
    }

    public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null)
    {
        ListCalls++;
        return objects.TryGetValue((group, resource), out var list)
            ? [.. list.Where(o => @namespace is null || (string?)o["metadata"]?["namespace"] == @namespace)]
            : [];
    }

    public JsonObject? Get(string group, string resource, string? @namespace, string name) =>
        List(group, resource, @namespace).FirstOrDefault(o => (string?)o["metadata"]?["name"] == name);

    public long RevisionOf(string group, string resource) => revisions.GetValueOrDefault((group, resource));

    private static (string?, string?) NameOf(JsonObject o) =>
        ((string?)o["metadata"]?["namespace"], (string?)o["metadata"]?["name"]);
}
