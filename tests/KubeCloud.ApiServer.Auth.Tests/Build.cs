using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Auth.Tests;

/// <summary>Fixture builders for RBAC objects and requests.</summary>
public static class Build
{
    public static V1PolicyRule Rule(string verbs, string groups, string resources, string? names = null) => new()
    {
        Verbs = Split(verbs),
        ApiGroups = Split(groups),
        Resources = Split(resources),
        ResourceNames = names is null ? null : Split(names),
    };

    public static V1PolicyRule Urls(string verbs, string urls) => new() { Verbs = Split(verbs), NonResourceURLs = Split(urls) };

    public static Rbacv1Subject User(string name) => new() { Kind = "User", ApiGroup = RbacResources.Group, Name = name };

    public static Rbacv1Subject Group(string name) => new() { Kind = "Group", ApiGroup = RbacResources.Group, Name = name };

    public static Rbacv1Subject ServiceAccount(string name, string? ns = null) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };

    public static JsonObject ClusterRole(string name, params V1PolicyRule[] rules) =>
        LabelledClusterRole(name, null, null, rules);

    public static JsonObject LabelledClusterRole(string name, Dictionary<string, string>? labels, V1AggregationRule? aggregate, params V1PolicyRule[] rules) =>
        Json(new V1ClusterRole
        {
            ApiVersion = RbacResources.ApiVersion,
            Kind = "ClusterRole",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            AggregationRule = aggregate,
            Rules = [.. rules],
        });

    public static JsonObject Role(string ns, string name, params V1PolicyRule[] rules) => Json(new V1Role
    {
        ApiVersion = RbacResources.ApiVersion,
        Kind = "Role",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Rules = [.. rules],
    });

    public static JsonObject ClusterRoleBinding(string name, string clusterRole, params Rbacv1Subject[] subjects) => Json(new V1ClusterRoleBinding
    {
        ApiVersion = RbacResources.ApiVersion,
        Kind = "ClusterRoleBinding",
        Metadata = new V1ObjectMeta { Name = name },
        RoleRef = new V1RoleRef { ApiGroup = RbacResources.Group, Kind = "ClusterRole", Name = clusterRole },
        Subjects = [.. subjects],
    });

    public static JsonObject RoleBinding(string ns, string name, string roleKind, string role, params Rbacv1Subject[] subjects) => Json(new V1RoleBinding
    {
        ApiVersion = RbacResources.ApiVersion,
        Kind = "RoleBinding",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        RoleRef = new V1RoleRef { ApiGroup = RbacResources.Group, Kind = roleKind, Name = role },
        Subjects = [.. subjects],
    });

    public static JsonObject Namespace(string name, Dictionary<string, string>? labels = null) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = Json(new V1ObjectMeta { Name = name, Labels = labels }) };

    public static UserInfo Person(string name, params string[] groups) => new(name, null, [.. groups, UserInfo.AuthenticatedGroup]);

    /// <summary>A resource request: "verb group/resource[/subresource] ns/name" pieces given separately.</summary>
    public static RequestAttributes Request(UserInfo user, string verb, string group, string resource, string ns = "", string name = "", string subresource = "") =>
        new(user, verb, IsResourceRequest: true, ApiGroup: group, ApiVersion: "v1", Resource: resource, Subresource: subresource, Namespace: ns, Name: name);

    public static RequestAttributes PathRequest(UserInfo user, string verb, string path) => new(user, verb, IsResourceRequest: false, Path: path);

    public static JsonObject Json<T>(T value) => KubeJson.SerializeToNode(value)!.AsObject();

    private static List<string> Split(string list) => [.. list.Split(',', StringSplitOptions.TrimEntries)];
}
