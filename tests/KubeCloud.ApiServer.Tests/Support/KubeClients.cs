namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>
/// The real clients the server is proven against: the machine's kubectl 1.32, and kubectl 1.33 and
/// helm v4 installed by tests/setup/kube-clients.sh into &lt;repo&gt;/.cache/tools. A missing binary fails the test.
/// </summary>
public static class KubeClients
{
    public static string RepositoryRoot => KubeCloud.Testing.RepositoryRoot.Path;

    public static string Kubectl132 => Require("/usr/bin/kubectl");

    public static string Kubectl133 => Require(Path.Combine(RepositoryRoot, ".cache", "tools", "kubectl"));

    public static string Helm => Require(Path.Combine(RepositoryRoot, ".cache", "tools", "helm"));

    /// <summary>Both kubectl versions, for theories.</summary>
    public static TheoryData<string> KubectlVersions => new() { "1.32", "1.33" };

    public static string Kubectl(string version) => version == "1.32" ? Kubectl132 : Kubectl133;

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run `bash tests/setup/kube-clients.sh` (CI runs it before the tests).", path);
}
