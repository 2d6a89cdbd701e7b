using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// The part of kube-apiserver's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy)
/// that matters to the local control plane: cluster-admin for system:masters; the user-facing
/// aggregated roles admin, edit and view with their system:aggregate-to-* parts; and the roles
/// every authenticated user holds for discovery, health, version, SelfSubjectAccessReview,
/// SelfSubjectRulesReview and SelfSubjectReview; and the Role extension API servers read their authentication
/// settings with. The API server creates these at start (when
/// absent) and then runs the <see cref="ClusterRoleAggregator"/>.
/// </summary>
public static class BootstrapPolicy
{
    public const string AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToView = "rbac.authorization.k8s.io/aggregate-to-view";

    private const string Write = "create,delete,deletecollection,patch,update";
    private const string Read = "get,list,watch";

    /// <summary>ClusterRoles first, then ClusterRoleBindings, in the order to create them.</summary>
    public static IReadOnlyList<JsonObject> Objects() => [.. ClusterRoles(), .. ClusterRoleBindings()];

    public static IReadOnlyList<JsonObject> ClusterRoles() =>
    [
        Role("cluster-admin", null, null, Rule("*", "*", "*"), Urls("*", "*")),
        Role("admin", null, AggregateToAdmin),
        Role("edit", new() { [AggregateToAdmin] = "true" }, AggregateToEdit),
        Role("view", new() { [AggregateToEdit] = "true" }, AggregateToView),
        Role("system:aggregate-to-admin", new() { [AggregateToAdmin] = "true" }, null,
            Rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
            Rule(Write + "," + Read, "rbac.authorization.k8s.io", "rolebindings,roles")),
        Role("system:aggregate-to-edit", new() { [AggregateToEdit] = "true" }, null,
            Rule(Read, "", "pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy"),
            Rule("impersonate", "", "serviceaccounts"),
            Rule(Write, "", "pods,pods/attach,pods/exec,pods/portforward,pods/proxy"),
            Rule("create", "", "pods/eviction"),
            Rule(Write, "", "configmaps,events,persistentvolumeclaims,replicationcontrollers,replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy"),
            Rule("create", "", "serviceaccounts/token"),
            Rule(Write, "apps", "daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,replicasets/scale,statefulsets,statefulsets/scale"),
            Rule(Write, "autoscaling", "horizontalpodautoscalers"),
            Rule(Write, "batch", "cronjobs,jobs"),
            Rule(Write, "policy", "poddisruptionbudgets"),
            Rule(Write, "networking.k8s.io", "ingresses,networkpolicies"),
            Rule(Write + "," + Read, "coordination.k8s.io", "leases")),
        Role("system:aggregate-to-view", new() { [AggregateToView] = "true" }, null,
            Rule(Read, "", "configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status"),
            Rule(Read, "", "bindings,events,limitranges,namespaces/status,pods/log,pods/status,replicationcontrollers/status,resourcequotas,resourcequotas/status"),
            Rule(Read, "", "namespaces"),
            Rule(Read, "discovery.k8s.io", "endpointslices"),
            Rule(Read, "apps", "controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,statefulsets/scale,statefulsets/status"),
            Rule(Read, "autoscaling", "horizontalpodautoscalers,horizontalpodautoscalers/status"),
            Rule(Read, "batch", "cronjobs,cronjobs/status,jobs,jobs/status"),
            Rule(Read, "policy", "poddisruptionbudgets,poddisruptionbudgets/status"),
            Rule(Read, "networking.k8s.io", "ingresses,ingresses/status,networkpolicies")),
        Role("system:basic-user", null, null,
            Rule("create", "authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews"),
            Rule("create", "authentication.k8s.io", "selfsubjectreviews")),
        Role("system:discovery", null, null,
            Urls("get", "/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,/version,/version/")),
        Role("system:public-info-viewer", null, null, Urls("get", "/healthz,/livez,/readyz,/version,/version/")),
        Role("system:auth-delegator", null, null,
            Rule("create", "authentication.k8s.io", "tokenreviews"),
            Rule("create", "authorization.k8s.io", "subjectaccessreviews")),
    ];

    public static IReadOnlyList<JsonObject> ClusterRoleBindings() =>
    [
        Binding("cluster-admin", "cluster-admin", UserInfo.MastersGroup),
        Binding("system:basic-user", "system:basic-user", UserInfo.AuthenticatedGroup),
        Binding("system:discovery", "system:discovery", UserInfo.AuthenticatedGroup),
        Binding("system:public-info-viewer", "system:public-info-viewer", UserInfo.AuthenticatedGroup, UserInfo.UnauthenticatedGroup),
    ];

    /// <summary>
    /// The namespaced bootstrap Roles: <c>extension-apiserver-authentication-reader</c> in kube-system, which lets an
    /// extension API server read how the aggregator's requests are authenticated (bound by whoever installs one).
    /// </summary>
    public static IReadOnlyList<JsonObject> NamespacedRoles() =>
    [
        KubeJson.SerializeToNode(new V1Role
        {
            ApiVersion = RbacResources.ApiVersion,
            Kind = "Role",
            Metadata = WithNamespace(Metadata("extension-apiserver-authentication-reader", null), "kube-system"),
            Rules = [new V1PolicyRule { Verbs = ["get", "list", "watch"], ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["extension-apiserver-authentication"] }],
        })!.AsObject(),
    ];

    private static V1ObjectMeta WithNamespace(V1ObjectMeta metadata, string @namespace)
    {
        metadata.NamespaceProperty = @namespace;
        return metadata;
    }

    private static V1ObjectMeta Metadata(string name, Dictionary<string, string>? labels) => new()
    {
        Name = name,
        Annotations = new Dictionary<string, string> { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
        Labels = new Dictionary<string, string>(labels ?? []) { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
    };

    private static JsonObject Role(string name, Dictionary<string, string>? labels, string? aggregateFrom, params V1PolicyRule[] rules) =>
        KubeJson.SerializeToNode(new V1ClusterRole
        {
            ApiVersion = RbacResources.ApiVersion,
            Kind = RbacResources.ClusterRoleKind,
            Metadata = Metadata(name, labels),
            AggregationRule = aggregateFrom is null
                ? null
                : new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [aggregateFrom] = "true" } }] },
            Rules = aggregateFrom is null ? [.. rules] : null,
        })!.AsObject();

    private static JsonObject Binding(string name, string role, params string[] groups) =>
        KubeJson.SerializeToNode(new V1ClusterRoleBinding
        {
            ApiVersion = RbacResources.ApiVersion,
            Kind = "ClusterRoleBinding",
            Metadata = Metadata(name, null),
            RoleRef = new V1RoleRef { ApiGroup = RbacResources.Group, Kind = RbacResources.ClusterRoleKind, Name = role },
            Subjects = [.. groups.Select(g => new Rbacv1Subject { ApiGroup = RbacResources.Group, Kind = RbacResources.GroupKind, Name = g })],
        })!.AsObject();

    private static V1PolicyRule Rule(string verbs, string groups, string resources) => new()
    {
        Verbs = [.. verbs.Split(',')],
        ApiGroups = [.. groups.Split(',')],
        Resources = [.. resources.Split(',')],
    };

    private static V1PolicyRule Urls(string verbs, string urls) => new()
    {
        Verbs = [.. verbs.Split(',')],
        NonResourceURLs = [.. urls.Split(',')],
    };
}
