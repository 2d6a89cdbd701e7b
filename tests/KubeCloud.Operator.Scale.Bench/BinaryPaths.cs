using KubeCloud.Testing;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// Where the <c>kubecloud-apiserver</c> and <c>kubecloud-operator</c> builds are: their projects' output for the
/// configuration this bench was built in (the bench's project references build them).
/// </summary>
public static class BinaryPaths
{
    public static string ApiServer => Output("KubeCloud.ApiServer.Cli", "kubecloud-apiserver.dll");

    public static string Operator => Output("KubeCloud.Operator.Cli", "kubecloud-operator.dll");

    public static string NodeDaemon => Output("KubeCloud.Node.Cli", "kubecloud-node.dll", "node-daemon");

    private static string Output(string project, string dll, string folder = "operator")
    {
        // This bench runs from tests/KubeCloud.Operator.Scale.Bench/bin/<configuration>/<framework>/.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent?.Name ?? "Release";
        return Path.Combine(RepositoryRoot.Path, folder, project, "bin", configuration, framework.Name, dll);
    }
}
