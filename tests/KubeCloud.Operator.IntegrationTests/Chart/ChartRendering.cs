using k8s;
using k8s.Models;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Testing;

namespace KubeCloud.Operator.IntegrationTests.Chart;

/// <summary>charts/kubecloud rendered by the real helm (no cluster: <c>helm template</c>), read as Kubernetes objects.</summary>
public static class ChartRendering
{
    public static string ChartPath => Path.Combine(RepositoryRoot.Path, "charts", "kubecloud");

    /// <summary>helm with a HOME of its own and no kubeconfig.</summary>
    public static ClientProcess Helm()
    {
        var home = Directory.CreateTempSubdirectory("kubecloud-helm-").FullName;
        return new ClientProcess(Path.Combine(home, "no-kubeconfig"), home);
    }

    /// <summary>The YAML of <c>helm template kubecloud charts/kubecloud -n kubecloud-system</c> with the given extra arguments.</summary>
    public static async Task<string> TemplateAsync(string arguments = "") =>
        (await Helm().RunAsync(KubeClients.Helm, $"template kubecloud {ChartPath} -n kubecloud-system {arguments}")).EnsureSuccess().Stdout;

    /// <summary>One template of the chart, rendered, as objects.</summary>
    public static async Task<IReadOnlyList<object>> RenderAsync(string template) =>
        KubernetesYaml.LoadAllFromString(await TemplateAsync($"--show-only {template}"));

    public static Task CreateAsync(KubeClient client, object obj) => obj switch
    {
        V1ServiceAccount account => client.CreateAsync(account),
        V1ClusterRole role => client.CreateAsync(role),
        V1ClusterRoleBinding binding => client.CreateAsync(binding),
        V1Role role => client.CreateAsync(role),
        V1RoleBinding binding => client.CreateAsync(binding),
        _ => throw new InvalidOperationException($"not expected from the chart here: {obj.GetType().Name}"),
    };
}
