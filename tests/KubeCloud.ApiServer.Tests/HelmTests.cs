using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>helm v4 installs, upgrades and uninstalls a chart with a Deployment, a ConfigMap, a CRD and a custom resource.</summary>
public sealed class HelmTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public HelmTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private Task<CommandResult> Helm(string arguments) => _fixture.Clients.RunAsync(KubeClients.Helm, arguments, timeout: TimeSpan.FromSeconds(90));

    private Task<CommandResult> Kubectl(string arguments) => _fixture.KubectlAsync("1.33", arguments);

    [Fact]
    public async Task Install_upgrade_uninstall_a_chart_with_a_crd_and_a_custom_resource()
    {
        var chart = Path.Combine(AppContext.BaseDirectory, "TestData", "chart");
        (await Helm($"install demo {chart} -n default")).EnsureSuccess();
        Assert.Equal("hello", (await Kubectl("get configmap demo-config -o jsonpath={.data.message}")).EnsureSuccess().Stdout);
        Assert.Equal("1", (await Kubectl("get gadget demo-gadget -o jsonpath={.spec.size}")).EnsureSuccess().Stdout);
        Assert.Contains("deployed", (await Helm("status demo")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        (await Helm($"upgrade demo {chart} --set replicas=3,message=bye")).EnsureSuccess();
        Assert.Equal("bye", (await Kubectl("get configmap demo-config -o jsonpath={.data.message}")).EnsureSuccess().Stdout);
        Assert.Equal("3", (await Kubectl("get deployment demo-web -o jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
        Assert.Equal("3", (await Kubectl("get gadget demo-gadget -o jsonpath={.spec.size}")).EnsureSuccess().Stdout);
        Assert.Matches(@"demo\s+default\s+2\s", (await Helm("list")).EnsureSuccess().Stdout);

        (await Helm("uninstall demo")).EnsureSuccess();
        Assert.Contains("NotFound", (await Kubectl("get configmap demo-config")).Stderr, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await Kubectl("get deployment demo-web")).Stderr, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await Kubectl("get gadget demo-gadget")).Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("demo", (await Helm("list")).EnsureSuccess().Stdout, StringComparison.Ordinal);
        // helm keeps CRDs of crds/ on uninstall, as with a real cluster.
        (await Kubectl("get crd gadgets.helm.kubecloud.io")).EnsureSuccess();
    }
}
