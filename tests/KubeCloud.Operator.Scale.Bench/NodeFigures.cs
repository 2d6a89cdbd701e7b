using System.Globalization;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// The node side's figures (issue 12): the real node daemons' process (RSS now and peak, per daemon, CPU time) beside
/// an empty .NET console app measured in the same run, and the placement audit (<see cref="PlacementAudit"/>).
/// </summary>
public sealed class NodeFigures(TextWriter? output = null)
{
    private readonly TextWriter _out = output ?? Console.Out;

    /// <summary>The RSS of an empty .NET console app (this program idling with the verb <c>idle</c>), read after it settled.</summary>
    public static async Task<ProcessSample> EmptyConsoleAppAsync(CancellationToken cancellationToken)
    {
        await using var idle = ChildProcess.Start("empty console app", typeof(NodeFigures).Assembly.Location, [IdleVerb], new Dictionary<string, string?>());
        await idle.WaitForLineAsync(new System.Text.RegularExpressions.Regex("^idle$"), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return idle.Probe.Sample();
    }

    /// <summary>The verb that makes this program print "idle" and wait: the empty console app of the baselines.</summary>
    public const string IdleVerb = "idle";

    public void Fleet(int daemons, ProcessSample idle, ProcessSample after, ProcessSample emptyApp)
    {
        var cpu = after.CpuTime - idle.CpuTime;
        Line($"node daemons: {daemons} in one process (NodeAgentHost, fake driver, in-memory instance files)");
        Row("node daemons' process, peak RSS", $"{Mb(after.PeakRssBytes)} MB, {Mb(after.PeakRssBytes / daemons)} MB per daemon", "< 50 MB per daemon",
            $"{Mb(emptyApp.RssBytes)} MB an empty .NET console app; {Mb((after.PeakRssBytes - emptyApp.RssBytes) / daemons)} MB per daemon over it");
        Row("node daemons' process, RSS before the wave", $"{Mb(idle.RssBytes)} MB, {Mb(idle.RssBytes / daemons)} MB per daemon", string.Empty, "caches synced, no servers");
        Row("node daemons' CPU time (wave)", $"{cpu.TotalSeconds:F1} s", string.Empty, string.Empty);
        Line(string.Empty);
    }

    /// <summary>Lists the run's servers and Hypervisors and prints what <see cref="PlacementAudit"/> finds; returns the problems.</summary>
    public async Task<IReadOnlyList<string>> AuditAsync(IKubeClient client, ScaleRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(run);
        var servers = (await client.ListAsync<Server>(run.Cloud.Namespace, cancellationToken: cancellationToken)).Items ?? [];
        var hypervisors = ((await client.ListAsync<Hypervisor>(cancellationToken: cancellationToken)).Items ?? [])
            .Where(h => run.Cloud.Hypervisors.Contains(h.Metadata.Name)).ToList();
        var problems = PlacementAudit.Check(servers, hypervisors);
        Line($"placement audit: {servers.Count} servers, {servers.Count(s => s.Status?.Phase == ServerPhase.Active)} Active; {PlacementAudit.Spread(servers, hypervisors)}; " +
             (problems.Count == 0 ? "no node over its room (instances, vCPUs, memory, root disk against capacity x ratio - reserved)" : $"{problems.Count} PROBLEMS:"));
        foreach (var problem in problems.Take(20))
        {
            Line("  " + problem);
        }

        Line(string.Empty);
        return problems;
    }

    public void Row(string what, string value, string target, string baseline) =>
        Line($"  {what,-36} {value,-46} {target,-14} {baseline}");

    public void Line(string text) => _out.WriteLine(text);

    public static string Mb(long bytes) => (bytes / 1e6).ToString("F0", CultureInfo.InvariantCulture);
}
