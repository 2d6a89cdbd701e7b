using System.Diagnostics;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.Local.Tests;

/// <summary>
/// The local mode applies the chart's Keystone roles without helm, from a plain copy
/// (operator/KubeCloud.Local.Cli/Roles/kubecloud-roles.yaml); the copy must be what <c>helm template</c> renders from the chart
/// with its default values, so the local mode and a Helm install give the same roles.
/// </summary>
public sealed class KeystoneRolesTests
{
    [Fact]
    public async Task The_plain_copy_is_what_helm_template_renders_from_the_chart()
    {
        var start = new ProcessStartInfo(KubeClients.Helm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = KubeClients.RepositoryRoot };
        foreach (var word in (string[])["template", "kubecloud", "charts/kubecloud", "--show-only", "templates/rbac-roles.yaml"])
        {
            start.ArgumentList.Add(word);
        }

        using var helm = Process.Start(start)!;
        var rendered = await helm.StandardOutput.ReadToEndAsync();
        var error = await helm.StandardError.ReadToEndAsync();
        await helm.WaitForExitAsync();
        Assert.True(helm.ExitCode == 0, $"helm template failed: {error}");

        var copy = await File.ReadAllTextAsync(Path.Combine(KubeClients.RepositoryRoot, "operator", "KubeCloud.Local.Cli", "Roles", "kubecloud-roles.yaml"));
        var body = copy[copy.IndexOf("---\n", StringComparison.Ordinal)..];
        Assert.Contains("name: kubecloud-member", rendered, StringComparison.Ordinal);
        Assert.True(body == rendered, "operator/KubeCloud.Local.Cli/Roles/kubecloud-roles.yaml differs from the chart: regenerate it with the command in its header");
    }
}
