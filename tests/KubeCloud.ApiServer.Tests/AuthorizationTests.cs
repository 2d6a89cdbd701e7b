using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Token users, RBAC (via KubeCloud.ApiServer.Auth), 403 wording, access reviews and ClusterRole aggregation, with kubectl.</summary>
public sealed class AuthorizationTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public AuthorizationTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_tenant_can_do_what_a_role_binding_grants_and_nothing_else(string version)
    {
        var ns = "team-" + version.Replace('.', '-');
        var user = "alice-" + version.Replace('.', '-');
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
        var tenant = _fixture.Tenant(user, "tenants");
        var kubectl = KubeClients.Kubectl(version);

        var denied = await tenant.RunAsync(kubectl, $"get configmaps -n {ns}");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains($"configmaps is forbidden: User \"{user}\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", denied.Stderr, StringComparison.Ordinal);
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i list configmaps -n {ns}")).Stdout.Trim());

        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"cm-reader"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch"]}]}
            """);
        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"readers"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-reader"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"{{{user}}}"}]}
            """);
        Assert.Equal("yes", (await tenant.RunAsync(kubectl, $"auth can-i list configmaps -n {ns}")).Stdout.Trim());
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i delete configmaps -n {ns}")).Stdout.Trim());
        Assert.Equal("no", (await tenant.RunAsync(kubectl, "auth can-i list configmaps -n default")).Stdout.Trim());
        (await tenant.RunAsync(kubectl, $"get configmaps -n {ns}")).EnsureSuccess();
        var create = await tenant.RunAsync(kubectl, $"create configmap x -n {ns}");
        Assert.Contains("forbidden", create.Stderr, StringComparison.Ordinal);
        Assert.Contains(user, (await tenant.RunAsync(kubectl, "auth whoami")).EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregated_cluster_roles_pick_up_labelled_roles()
    {
        await _fixture.CreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"kubecloud-member","labels":{"rbac.authorization.k8s.io/aggregate-to-edit":"true"}},
             "rules":[{"apiGroups":["kubecloud.io"],"resources":["servers"],"verbs":["*"]}]}
            """);
        await Eventually.TrueAsync(async () =>
        {
            var edit = (await _fixture.SendAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit")).Body;
            return edit["rules"]?.AsArray().Any(r => r!["resources"]?.AsArray().Any(x => (string?)x == "servers") == true) == true;
        }, "edit to aggregate the servers rule");
        var admin = (await _fixture.SendAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin")).Body;
        Assert.Contains(admin["rules"]!.AsArray(), r => r!["resources"]?.AsArray().Any(x => (string?)x == "servers") == true);
    }

    [Fact]
    public async Task Subject_access_review_answers_for_another_user()
    {
        var (code, review) = await _fixture.SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"nobody","groups":["system:authenticated"],"resourceAttributes":{"verb":"get","resource":"secrets","namespace":"default"}}}
            """));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.False((bool?)review["status"]!["allowed"]);
        var (_, masters) = await _fixture.SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"root","groups":["system:masters"],"resourceAttributes":{"verb":"delete","resource":"nodes"}}}
            """));
        Assert.True((bool?)masters["status"]!["allowed"]);
    }
}
