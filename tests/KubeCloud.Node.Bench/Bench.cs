using System.Globalization;
using KubeCloud.Node.Processes;
using KubeCloud.Operator.Scale.Bench;
using KubeCloud.Testing;

namespace KubeCloud.Node.Bench;

/// <summary>One VM's times from the create call.</summary>
public sealed record VmTimes(TimeSpan Active, TimeSpan FirstOutput, TimeSpan Ready);

/// <summary>Where the kubecloud-node build is (its project's output for this bench's configuration).</summary>
public static class NodePaths
{
    public static string Daemon
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(RepositoryRoot.Path, "node-daemon", "KubeCloud.Node.Cli", "bin", framework.Parent?.Name ?? "Release", framework.Name, "kubecloud-node.dll");
        }
    }
}

/// <summary>Resident memory: the daemon's once it has settled, the guests' QEMU processes.</summary>
public static class Rss
{
    /// <summary>The summed RSS (MiB) of the QEMU processes of the named domains.</summary>
    public static async Task<double> QemuAsync(ICommandRunner run, IEnumerable<string> domains)
    {
        double total = 0;
        foreach (var domain in domains)
        {
            var pid = (await run.RunAsync("pgrep", ["-f", $"guest={domain},"])).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (pid is not null && new ProcessProbe(int.Parse(pid, CultureInfo.InvariantCulture)).Sample() is { } sample)
            {
                total += sample.RssMiB;
            }
        }

        return total;
    }
}
