using KubeCloud.ApiServer.Auth;
using static KubeCloud.ApiServer.Auth.Tests.Build;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class RbacAuthorizerTests
{
    private const string Cloud = "kubecloud.io";

    private static readonly UserInfo Alice = Person("alice");
    private static readonly UserInfo Bob = Person("bob");
    private static readonly UserInfo Carol = Person("carol", "team-a");
    private static readonly UserInfo Dave = Person("dave", "ops");
    private static readonly UserInfo Eve = Person("eve");
    private static readonly UserInfo Root = Person("root", UserInfo.MastersGroup);
    private static readonly UserInfo CiBot = ServiceAccountUser.For("demo", "ci");
    private static readonly UserInfo Builder = ServiceAccountUser.For("builds", "builder");
    private static readonly UserInfo Anonymous = new(UserInfo.AnonymousUser, null, [UserInfo.UnauthenticatedGroup]);

    /// <summary>The one cluster every case runs against.</summary>
    private static InMemoryObjectSource Cluster() => new(
        ClusterRole("kubecloud-member",
            Rule("get,list,watch,create,update,patch,delete", Cloud, "servers,networks,ports,volumes,images"),
            Rule("use", Cloud, "networks,images")),
        ClusterRole("kubecloud-admin", Rule("*", Cloud, "*"), Rule("create,update", Cloud, "servers/forcenode")),
        ClusterRole("web-1-reader", Rule("get,update", Cloud, "servers", names: "web-1")),
        ClusterRole("flavor-admin", Rule("*", Cloud, "flavors,hypervisors")),
        ClusterRole("status-writer", Rule("update,patch", Cloud, "*/status")),
        ClusterRole("discovery", Urls("get", "/apis/*,/healthz")),
        Role("demo", "log-reader", Rule("get", "", "pods/log")),
        RoleBinding("demo", "alice-member", "ClusterRole", "kubecloud-member", User("alice")),
        RoleBinding("demo", "alice-web-1", "ClusterRole", "web-1-reader", User("eve")),
        RoleBinding("demo", "team-logs", "Role", "log-reader", Group("team-a")),
        RoleBinding("demo", "ci-member", "ClusterRole", "kubecloud-member", ServiceAccount("ci")),
        RoleBinding("demo", "builds-status", "ClusterRole", "status-writer", Group("system:serviceaccounts:builds")),
        RoleBinding("demo", "bob-flavors", "ClusterRole", "flavor-admin", User("bob")),
        RoleBinding("demo", "dangling", "Role", "no-such-role", User("bob")),
        ClusterRoleBinding("ops-flavors", "flavor-admin", Group("ops")),
        ClusterRoleBinding("ops-admin", "kubecloud-admin", Group("ops")),
        ClusterRoleBinding("authenticated-discovery", "discovery", Group(UserInfo.AuthenticatedGroup)));

    public sealed record Case(string Name, RequestAttributes Request, bool Allowed, string Reason = "")
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new("masters may do anything", Request(Root, "delete", "", "nodes", name: "n1"), true),
        new("member creates a server in its project", Request(Alice, "create", Cloud, "servers", "demo"), true,
            "RBAC: allowed by RoleBinding \"alice-member/demo\" of ClusterRole \"kubecloud-member\" to User \"alice\""),
        new("member lists servers", Request(Alice, "list", Cloud, "servers", "demo"), true),
        new("member in another project is denied", Request(Alice, "create", Cloud, "servers", "other"), false),
        new("member may use a network", Request(Alice, "use", Cloud, "networks", "demo", "net-1"), true),
        new("member may not use a flavor", Request(Alice, "use", Cloud, "flavors", name: "m1.small"), false),
        new("member may not force a node", Request(Alice, "create", Cloud, "servers", "demo", "web", "forcenode"), false),
        new("member may not write status", Request(Alice, "update", Cloud, "servers", "demo", "web", "status"), false),
        new("ops admin may force a node", Request(Dave, "create", Cloud, "servers", "demo", "web", "forcenode"), true,
            "RBAC: allowed by ClusterRoleBinding \"ops-admin\" of ClusterRole \"kubecloud-admin\" to Group \"ops\""),
        new("wildcard resource covers subresources too", Request(Dave, "update", Cloud, "servers", "demo", "web", "status"), true),
        new("group gets a cluster-scoped resource through a ClusterRoleBinding", Request(Dave, "create", Cloud, "flavors"), true,
            "RBAC: allowed by ClusterRoleBinding \"ops-flavors\" of ClusterRole \"flavor-admin\" to Group \"ops\""),
        new("RoleBinding never grants a cluster-scoped resource", Request(Bob, "create", Cloud, "flavors"), false,
            ""),
        new("RoleBinding grants a cluster role's rules inside its namespace", Request(Bob, "get", Cloud, "flavors", "demo", "x"), true),
        new("missing role is reported in the reason", Request(Bob, "get", Cloud, "servers", "demo"), false,
            "RBAC: role.rbac.authorization.k8s.io \"no-such-role\" not found"),
        new("resourceNames match the named object", Request(Eve, "get", Cloud, "servers", "demo", "web-1"), true),
        new("resourceNames do not match another name", Request(Eve, "get", Cloud, "servers", "demo", "web-2"), false),
        new("resourceNames never match a list", Request(Eve, "list", Cloud, "servers", "demo"), false),
        new("resourceNames never match a create without a name", Request(Eve, "create", Cloud, "servers", "demo"), false),
        new("resourceNames with a verb the rule lacks", Request(Eve, "delete", Cloud, "servers", "demo", "web-1"), false),
        new("group subject gets a Role's subresource", Request(Carol, "get", "", "pods", "demo", "p", "log"), true,
            "RBAC: allowed by RoleBinding \"team-logs/demo\" of Role \"log-reader\" to Group \"team-a\""),
        new("subresource rule does not grant the parent", Request(Carol, "get", "", "pods", "demo", "p"), false),
        new("service account subject defaults to the binding's namespace", Request(CiBot, "create", Cloud, "servers", "demo"), true,
            "RBAC: allowed by RoleBinding \"ci-member/demo\" of ClusterRole \"kubecloud-member\" to ServiceAccount \"ci/demo\""),
        new("service account of another namespace with the same name", Request(ServiceAccountUser.For("other", "ci"), "create", Cloud, "servers", "demo"), false),
        new("service accounts group of a namespace with */status", Request(Builder, "patch", Cloud, "volumes", "demo", "v", "status"), true,
            "RBAC: allowed by RoleBinding \"builds-status/demo\" of ClusterRole \"status-writer\" to Group \"system:serviceaccounts:builds\""),
        new("*/status does not grant the main resource", Request(Builder, "patch", Cloud, "volumes", "demo", "v"), false),
        new("a resource request never matches a non-resource rule", Request(Alice, "get", "", "healthz"), false),
        new("non-resource prefix match", PathRequest(Alice, "get", "/apis/kubecloud.io/v1alpha1"), true,
            "RBAC: allowed by ClusterRoleBinding \"authenticated-discovery\" of ClusterRole \"discovery\" to Group \"system:authenticated\""),
        new("non-resource exact match", PathRequest(Alice, "get", "/healthz"), true),
        new("non-resource exact does not match a longer path", PathRequest(Alice, "get", "/healthz/etcd"), false),
        new("non-resource verb must match", PathRequest(Alice, "post", "/apis/x"), false),
        new("anonymous is not authenticated", PathRequest(Anonymous, "get", "/healthz"), false),
        new("a user with no bindings is denied", Request(Person("nobody"), "get", Cloud, "servers", "demo", "web"), false),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decides_like_kube_apiserver(Case @case)
    {
        var result = new RbacAuthorizer(Cluster()).Authorize(@case.Request);

        Assert.Equal(@case.Allowed, result.Allowed);
        if (!@case.Allowed)
        {
            Assert.Equal(AuthorizationDecision.NoOpinion, result.Decision);
        }

        if (@case.Reason.Length > 0 || !@case.Allowed)
        {
            Assert.Equal(@case.Reason, result.Reason);
        }
    }

    [Fact]
    public void Policy_is_recompiled_only_when_rbac_objects_change()
    {
        var cluster = Cluster();
        var authorizer = new RbacAuthorizer(cluster);
        var request = Request(Person("zed"), "get", Cloud, "servers", "demo", "x");

        Assert.False(authorizer.Authorize(request).Allowed);
        var calls = cluster.ListCalls;
        Assert.False(authorizer.Authorize(request).Allowed);
        Assert.Equal(calls, cluster.ListCalls);

        cluster.Put(RoleBinding("demo", "zed", "ClusterRole", "kubecloud-member", User("zed")));
        Assert.True(authorizer.Authorize(request).Allowed);
    }

    /// <summary>A source without revisions: correct, but compiled on every request.</summary>
    private sealed class UnversionedSource(IClusterObjectSource inner) : IClusterObjectSource
    {
        public IReadOnlyList<System.Text.Json.Nodes.JsonObject> List(string group, string resource, string? @namespace = null) =>
            inner.List(group, resource, @namespace);

        public System.Text.Json.Nodes.JsonObject? Get(string group, string resource, string? @namespace, string name) =>
            inner.Get(group, resource, @namespace, name);
    }

    [Fact]
    public void A_source_without_revisions_sees_every_change_at_once()
    {
        var cluster = Cluster();
        var authorizer = new RbacAuthorizer(new UnversionedSource(cluster));
        var request = Request(Person("zed"), "get", Cloud, "servers", "demo", "x");

        Assert.False(authorizer.Authorize(request).Allowed);
        cluster.Put(RoleBinding("demo", "zed", "ClusterRole", "kubecloud-member", User("zed")));
        Assert.True(authorizer.Authorize(request).Allowed);
    }

    [Fact]
    public void A_source_without_revisions_is_cached_by_resourceVersion()
    {
        static System.Text.Json.Nodes.JsonObject Stamped(System.Text.Json.Nodes.JsonObject o, string rv)
        {
            o["metadata"]!["resourceVersion"] = rv;
            return o;
        }

        var cluster = new InMemoryObjectSource(
            Stamped(ClusterRole("reader", Rule("get", Cloud, "servers")), "1"),
            Stamped(RoleBinding("demo", "zed", "ClusterRole", "reader", User("zed")), "2"));
        var authorizer = new RbacAuthorizer(new UnversionedSource(cluster));
        var list = Request(Person("zed"), "list", Cloud, "servers", "demo");

        Assert.False(authorizer.Authorize(list).Allowed);
        cluster.Put(Stamped(ClusterRole("reader", Rule("get,list", Cloud, "servers")), "3"));
        Assert.True(authorizer.Authorize(list).Allowed);
        cluster.Put(Stamped(RoleBinding("demo", "zed", "ClusterRole", "reader", User("someone-else")), "4"));
        Assert.False(authorizer.Authorize(list).Allowed);
    }

    [Fact]
    public void Forbidden_status_is_worded_as_kube_apiserver_words_it()
    {
        var status = Forbidden.Status(Request(Alice, "create", Cloud, "servers", "other"));
        Assert.Equal(403, status.Code);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal(
            "servers.kubecloud.io is forbidden: User \"alice\" cannot create resource \"servers\" in API group \"kubecloud.io\" in the namespace \"other\"",
            status.Message);

        Assert.Equal(
            "flavors.kubecloud.io \"m1\" is forbidden: User \"bob\" cannot delete resource \"flavors\" in API group \"kubecloud.io\" at the cluster scope",
            Forbidden.Status(Request(Bob, "delete", Cloud, "flavors", name: "m1")).Message);
        Assert.Equal(
            "pods \"p\" is forbidden: User \"bob\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"demo\"",
            Forbidden.Status(Request(Bob, "get", "", "pods", "demo", "p", "log")).Message);
        Assert.Equal("forbidden: User \"bob\" cannot get path \"/metrics\"", Forbidden.Status(PathRequest(Bob, "get", "/metrics")).Message);
    }
}
