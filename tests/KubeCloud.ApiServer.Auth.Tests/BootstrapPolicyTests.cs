using KubeCloud.ApiServer.Auth;
using static KubeCloud.ApiServer.Auth.Tests.Build;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class BootstrapPolicyTests
{
    private static readonly UserInfo Tenant = Person("tenant");
    private static readonly UserInfo Admin = new("admin", null, [UserInfo.MastersGroup, UserInfo.AuthenticatedGroup]);
    private static readonly UserInfo Anonymous = new(UserInfo.AnonymousUser, null, [UserInfo.UnauthenticatedGroup]);

    public sealed record Case(string Name, RequestAttributes Request, bool Allowed)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new("tenant runs discovery", PathRequest(Tenant, "get", "/apis/kubecloud.io/v1alpha1"), true),
        new("tenant reads the OpenAPI document", PathRequest(Tenant, "get", "/openapi/v3/apis/kubecloud.io/v1alpha1"), true),
        new("tenant reads the version", PathRequest(Tenant, "get", "/version"), true),
        new("tenant may not read metrics", PathRequest(Tenant, "get", "/metrics"), false),
        new("tenant creates a SelfSubjectAccessReview", Request(Tenant, "create", "authorization.k8s.io", "selfsubjectaccessreviews"), true),
        new("tenant creates a SelfSubjectRulesReview", Request(Tenant, "create", "authorization.k8s.io", "selfsubjectrulesreviews"), true),
        new("tenant creates a SelfSubjectReview", Request(Tenant, "create", "authentication.k8s.io", "selfsubjectreviews"), true),
        new("tenant may not create a SubjectAccessReview", Request(Tenant, "create", "authorization.k8s.io", "subjectaccessreviews"), false),
        new("tenant may not list namespaces", Request(Tenant, "list", "", "namespaces"), false),
        new("anonymous reads health", PathRequest(Anonymous, "get", "/readyz"), true),
        new("anonymous may not run discovery", PathRequest(Anonymous, "get", "/apis"), false),
        new("masters may do anything", Request(Admin, "escalate", "rbac.authorization.k8s.io", "clusterroles", name: "x"), true),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gives_every_authenticated_user_discovery_and_self_reviews(Case @case)
    {
        var authorizer = new RbacAuthorizer(new InMemoryObjectSource(BootstrapPolicy.Objects()));
        Assert.Equal(@case.Allowed, authorizer.Authorize(@case.Request).Allowed);
    }

    [Fact]
    public void System_masters_hold_cluster_admin_through_a_binding_too()
    {
        var rules = new RbacAuthorizer(new InMemoryObjectSource(BootstrapPolicy.Objects())).RulesFor(Admin, "demo").Rules;
        Assert.Contains(rules, r => r.Verbs!.Contains("*") && r.Resources?.Contains("*") == true);
        Assert.Contains(rules, r => r.NonResourceURLs?.Contains("*") == true);
    }
}
