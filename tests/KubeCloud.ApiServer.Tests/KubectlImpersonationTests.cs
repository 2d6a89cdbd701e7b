using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary><c>kubectl --as</c> / <c>--as-group</c> as on a real cluster: refused without the impersonate verb (kube's 403), the impersonated user's own rights once allowed, and <c>auth can-i --as</c> agreeing with real requests.</summary>
public sealed class KubectlImpersonationTests : IClassFixture<ServerFixture>
{
    /// <summary>What kubectl prints for any 403 on SelfSubjectReview (so also on a real cluster when impersonation is refused).</summary>
    private const string WhoamiRefused = "the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it";

    private readonly ServerFixture _fixture;

    public KubectlImpersonationTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    /// <summary>
    /// A token user whose kubectl has discovered the API as itself first. (A refused impersonation refuses discovery too, and
    /// kubectl then prints "Error from server (Forbidden): unknown" for the discovery failure instead of the request's 403.)
    /// </summary>
    private async Task<ClientProcess> TenantAsync(string name, string kubectl)
    {
        var tenant = _fixture.Tenant(name, "tenants");
        (await tenant.RunAsync(kubectl, "api-resources")).EnsureSuccess();
        return tenant;
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_user_impersonates_only_whom_rbac_allows_and_then_has_exactly_their_rights(string version)
    {
        var v = version.Replace('.', '-');
        var (ns, carol, bob, devs) = ($"imp-{v}", $"carol-{v}", $"bob-{v}", $"devs-{v}");
        var kubectl = KubeClients.Kubectl(version);
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
        await _fixture.CreateAsync($"/api/v1/namespaces/{ns}/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"}}""");
        var tenant = await TenantAsync(carol, kubectl);

        // Without the impersonate verb: kube's 403 for a real request and for can-i; whoami fails as kubectl words any 403 on SelfSubjectReview.
        var refused = $"users \"{bob}\" is forbidden: User \"{carol}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope";
        Assert.Contains(WhoamiRefused, (await tenant.RunAsync(kubectl, $"auth whoami --as={bob}")).Stderr, StringComparison.Ordinal);
        Assert.Contains(refused, (await tenant.RunAsync(kubectl, $"get configmaps -n {ns} --as={bob}")).Stderr, StringComparison.Ordinal);
        Assert.Contains(refused, (await tenant.RunAsync(kubectl, $"auth can-i get configmaps -n {ns} --as={bob}")).Stderr, StringComparison.Ordinal);

        await _fixture.CreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"impersonate-{{{bob}}}"},
             "rules":[{"apiGroups":[""],"resources":["users"],"verbs":["impersonate"],"resourceNames":["{{{bob}}}"]},
                      {"apiGroups":[""],"resources":["groups"],"verbs":["impersonate"],"resourceNames":["{{{devs}}}"]}]}
            """);
        await _fixture.CreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"{{{carol}}}-impersonates"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"impersonate-{{{bob}}}"},
             "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"{{{carol}}}"}]}
            """);

        var whoami = (await tenant.RunAsync(kubectl, $"auth whoami --as={bob} -o jsonpath={{.status.userInfo.username}}/{{.status.userInfo.groups}}")).EnsureSuccess().Stdout;
        Assert.Equal($"{bob}/[\"system:authenticated\"]", whoami);
        var withGroup = (await tenant.RunAsync(kubectl, $"auth whoami --as={bob} --as-group={devs} -o jsonpath={{.status.userInfo.groups}}")).EnsureSuccess().Stdout;
        Assert.Equal($"[\"{devs}\",\"system:authenticated\"]", withGroup);
        Assert.Contains(WhoamiRefused, (await tenant.RunAsync(kubectl, $"auth whoami --as={bob} --as-group=ops-{v}")).Stderr, StringComparison.Ordinal);
        Assert.Contains(
            $"groups \"ops-{v}\" is forbidden: User \"{carol}\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope",
            (await tenant.RunAsync(kubectl, $"get configmaps -n {ns} --as={bob} --as-group=ops-{v}")).Stderr,
            StringComparison.Ordinal);

        // bob has no rights of his own, and carol's do not leak into him.
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i get configmaps -n {ns} --as={bob}")).Stdout.Trim());
        Assert.Contains(
            $"configmaps \"settings\" is forbidden: User \"{bob}\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"",
            (await tenant.RunAsync(kubectl, $"get configmap settings -n {ns} --as={bob}")).Stderr,
            StringComparison.Ordinal);

        // A role for the group: can-i and real requests agree, verb by verb.
        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"devs-view"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"{{{devs}}}"}]}
            """);
        var asDev = $"--as={bob} --as-group={devs}";
        Assert.Equal("yes", (await tenant.RunAsync(kubectl, $"auth can-i get configmaps -n {ns} {asDev}")).Stdout.Trim());
        (await tenant.RunAsync(kubectl, $"get configmap settings -n {ns} {asDev}")).EnsureSuccess();
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i delete configmaps -n {ns} {asDev}")).Stdout.Trim());
        Assert.Contains(
            $"User \"{bob}\" cannot delete resource \"configmaps\"",
            (await tenant.RunAsync(kubectl, $"delete configmap settings -n {ns} {asDev}")).Stderr,
            StringComparison.Ordinal);
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i get configmaps -n default {asDev}")).Stdout.Trim());
        Assert.Contains("forbidden", (await tenant.RunAsync(kubectl, $"get configmaps -n default {asDev}")).Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_service_account_user_is_impersonated_as_the_serviceaccount_resource_in_its_namespace(string version)
    {
        var v = version.Replace('.', '-');
        var (ns, dave) = ($"impsa-{v}", $"dave-{v}");
        var account = $"system:serviceaccount:{ns}:builder";
        var kubectl = KubeClients.Kubectl(version);
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");

        var admin = (await _fixture.KubectlAsync(version, $"auth whoami --as={account} -o jsonpath={{.status.userInfo.username}}/{{.status.userInfo.groups}}")).EnsureSuccess().Stdout;
        Assert.Equal($"{account}/[\"system:serviceaccounts\",\"system:serviceaccounts:{ns}\",\"system:authenticated\"]", admin);

        var tenant = await TenantAsync(dave, kubectl);
        Assert.Contains(WhoamiRefused, (await tenant.RunAsync(kubectl, $"auth whoami --as={account}")).Stderr, StringComparison.Ordinal);
        Assert.Contains(
            $"serviceaccounts \"builder\" is forbidden: User \"{dave}\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"{ns}\"",
            (await tenant.RunAsync(kubectl, $"get secrets -n {ns} --as={account}")).Stderr,
            StringComparison.Ordinal);

        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"impersonate-builder"},
             "rules":[{"apiGroups":[""],"resources":["serviceaccounts"],"verbs":["impersonate"],"resourceNames":["builder"]}]}
            """);
        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"{{{dave}}}"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"impersonate-builder"},
             "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"{{{dave}}}"}]}
            """);
        Assert.Equal(account, (await tenant.RunAsync(kubectl, $"auth whoami --as={account} -o jsonpath={{.status.userInfo.username}}")).EnsureSuccess().Stdout);

        // The account's rights are its own: what its namespace's service accounts group is given.
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i list secrets -n {ns} --as={account}")).Stdout.Trim());
        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"accounts-edit"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
             "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:serviceaccounts:{{{ns}}}"}]}
            """);
        Assert.Equal("yes", (await tenant.RunAsync(kubectl, $"auth can-i list secrets -n {ns} --as={account}")).Stdout.Trim());
        (await tenant.RunAsync(kubectl, $"get secrets -n {ns} --as={account}")).EnsureSuccess();
        Assert.Equal("no", (await tenant.RunAsync(kubectl, $"auth can-i list secrets -n default --as={account}")).Stdout.Trim());
    }
}
