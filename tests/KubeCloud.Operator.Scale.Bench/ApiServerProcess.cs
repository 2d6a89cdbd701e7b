using System.Globalization;
using System.Text.RegularExpressions;
using KubeCloud.Testing;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>The local control plane as its own process (<c>kubecloud-apiserver</c>) with every KubeCloud CRD, on a free loopback port.</summary>
public static partial class ApiServerProcess
{
    /// <summary>Starts it and returns once it serves, with the kubeconfig it wrote (admin token, its CA).</summary>
    public static async Task<(ChildProcess Process, string Kubeconfig)> StartAsync(string dll, string workDirectory, int watchHistory)
    {
        var kubeconfig = Path.Combine(workDirectory, "kubeconfig");
        var process = ChildProcess.Start("kubecloud-apiserver", dll,
        [
            "--port", "0",
            "--crds", Path.Combine(RepositoryRoot.Path, "crds"),
            "--watch-history", watchHistory.ToString(CultureInfo.InvariantCulture),
            "--kubeconfig", kubeconfig,
        ], new Dictionary<string, string?>());
        await process.WaitForLineAsync(Serving(), TimeSpan.FromSeconds(60));
        return (process, kubeconfig);
    }

    [GeneratedRegex("^kubecloud-apiserver serving on ")]
    private static partial Regex Serving();
}
