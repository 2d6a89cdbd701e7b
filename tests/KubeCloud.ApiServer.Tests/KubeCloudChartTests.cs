using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// The product's own chart, charts/kubecloud, installed with the real helm: its CRDs and the
/// Keystone-style roles, checked with `kubectl auth can-i` as a project member would run it.
/// </summary>
public sealed class KubeCloudChartTests : IClassFixture<ChartFixture>
{
    private readonly ChartFixture _fixture;

    public KubeCloudChartTests(ChartFixture fixture)
    {
        _fixture = fixture;
    }

    public static TheoryData<string, string, string> MemberPermissions => new()
    {
        // verb/resource as `kubectl auth can-i` takes them, namespace, expected answer
        { "create servers.kubecloud.io", "demo", "yes" },
        { "delete volumes.kubecloud.io", "demo", "yes" },
        { "use networks.kubecloud.io", "demo", "yes" },
        { "use images.kubecloud.io", "demo", "yes" },
        { "list projectquotas.kubecloud.io", "demo", "yes" },
        { "update projectquotas.kubecloud.io", "demo", "no" },
        { "update servers.kubecloud.io --subresource=forcenode", "demo", "no" },
        { "deletecollection servers.kubecloud.io", "demo", "no" },
        { "create servers.kubecloud.io", "default", "no" },
        { "list flavors.kubecloud.io", "", "yes" },
        { "create flavors.kubecloud.io", "", "no" },
        { "list hypervisors.kubecloud.io", "", "no" },
    };

    [Fact]
    public async Task Helm_installs_the_crds_and_the_roles()
    {
        var crds = (await _fixture.KubectlAsync("1.33", "get crd -o name")).EnsureSuccess().Stdout;
        foreach (var plural in new[] { "flavors", "images", "networks", "ports", "volumes", "servers", "servergroups", "hypervisors", "projectquotas" })
        {
            Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/{plural}.kubecloud.io", crds, StringComparison.Ordinal);
        }

        var roles = (await _fixture.KubectlAsync("1.33", "get clusterroles -o name")).EnsureSuccess().Stdout;
        foreach (var role in new[] { "kubecloud-reader", "kubecloud-member", "kubecloud-admin", "kubecloud-cloud-admin", "kubecloud-flavor-reader" })
        {
            Assert.Contains($"clusterrole.rbac.authorization.k8s.io/{role}", roles, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(MemberPermissions))]
    public async Task A_project_member_bound_to_edit_gets_the_member_role(string request, string ns, string expected)
    {
        var member = _fixture.Member;
        var scope = ns.Length == 0 ? string.Empty : $" -n {ns}";
        var answer = await member.RunAsync(KubeClients.Kubectl133, $"auth can-i {request}{scope}");
        Assert.Equal(expected, answer.Stdout.Trim());
    }
}

/// <summary>A server with charts/kubecloud installed by helm and a project member "carol" bound to edit in demo.</summary>
public sealed class ChartFixture : ServerFixture
{
    public ClientProcess Member { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var chart = Path.Combine(KubeClients.RepositoryRoot, "charts", "kubecloud");
        (await Clients.RunAsync(KubeClients.Helm, $"install kubecloud {chart} -n default", timeout: TimeSpan.FromSeconds(90))).EnsureSuccess();
        await CreateAsync("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}}""");
        await CreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"members"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"carol"}]}
            """);
        var token = Server.AddUser("carol", "tenants");
        var kubeconfig = Server.WriteKubeconfig(token, Path.Combine(Home, "carol.kubeconfig"));
        var home = Path.Combine(Home, "carol");
        Directory.CreateDirectory(home);
        Member = new ClientProcess(kubeconfig, home);
    }
}
