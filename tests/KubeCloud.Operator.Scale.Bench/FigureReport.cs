using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// Prints the figures, each beside its target and a baseline measured in the same run, with the machine and its load.
/// Memory is in MB (10^6 bytes), as the target says.
/// </summary>
public sealed class FigureReport(TextWriter? output = null)
{
    private readonly TextWriter _out = output ?? Console.Out;
    private static readonly TimeSpan Slo = TimeSpan.FromSeconds(5);
    private WaveResult? _baseline;
    private TimeSpan _baselineApiCpu;
    private ProcessSample _idle;

    public void Header(ScaleOptions options, BenchSwitches switches)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(switches);
        Line($"KubeCloud operator scale bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line($"machine: {Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGiB():F1} GiB, .NET {Environment.Version}, load average {ProcessProbe.LoadAverage()}");
        Line($"run: {options.Servers} servers{(options.Rates.Count > 0 ? $" at once, then {options.Servers} at each of {string.Join(", ", options.Rates)} servers/s" : string.Empty)} on {options.Hypervisors} hypervisors (max {options.ServersPerHypervisor} each), {options.Writers} concurrent creators, " +
             $"node daemons {(switches.RealNodeDaemons ? "real (NodeAgentHost on the fake driver, a process of their own)" : $"played by NodeSimulator ({options.NodeWorkers} workers)")}, cached figure at {(options.Cached > 0 ? options.Cached.ToString("N0", CultureInfo.InvariantCulture) : "(skipped)")}");
        var env = string.Join(' ', switches.OperatorEnvironment.Select(p => $"{p.Key}={p.Value}"));
        var flags = string.Join(' ', switches.OperatorArguments);
        Line($"operator: kubecloud-operator process{(env.Length > 0 ? $" with {env}" : string.Empty)}{(flags.Length > 0 ? $" flags {flags}" : string.Empty)}; API server: kubecloud-apiserver process; node simulator and observer: this process");
        Line(string.Empty);
    }

    public void Baseline(WaveResult baseline, TimeSpan apiCpu)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        _baseline = baseline;
        _baselineApiCpu = apiCpu;
        Line($"baseline, API server alone (no operator): {baseline.Count} creates in {baseline.CreateTime.TotalSeconds:F2} s = {baseline.CreateRate:F0} creates/s; " +
             $"create to seen by a watch {baseline.ToSeen}; API server CPU {apiCpu.TotalSeconds:F1} s");
    }

    public void Idle(ProcessSample idle)
    {
        _idle = idle;
        Line($"operator started, caches synced, no servers: RSS {Mb(idle.RssBytes)} MB (peak {Mb(idle.PeakRssBytes)} MB), CPU {idle.CpuTime.TotalSeconds:F1} s");
        Line(string.Empty);
    }

    public void Wave(WaveResult wave, RuntimeFigures runtime, ProcessSample before, ProcessSample after, TimeSpan apiCpu, string loadBefore, ScaleRun run)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(run);
        var seconds = wave.Elapsed.TotalSeconds;
        var cpu = after.CpuTime - before.CpuTime;
        Line($"measured wave: {wave.Count} servers, {wave.Active} Active{TimedOut(wave, run)}, " +
             $"{seconds:F2} s from the first create to the last Active; creates answered in {wave.CreateTime.TotalSeconds:F2} s; load average {loadBefore} -> {ProcessProbe.LoadAverage()}");
        Row("figure", "value", "target", "baseline (same run)");
        Row("servers/s (create to all Active)", F(wave.ServerRate, "F0"), "> 200", _baseline is null ? "-" : $"{_baseline.CreateRate:F0} creates/s, API server alone (ratio {wave.ServerRate / _baseline.CreateRate:F3})");
        Row("creation to scheduled", wave.ToScheduled.ToString(), string.Empty, _baseline is null ? "-" : $"create to seen {_baseline.ToSeen}");
        Row("creation to Active", wave.ToActive.ToString(), "p99 < 5000 ms", string.Empty);
        Row("reconciles/s (runtime metrics)", F(runtime.Reconciles / seconds, "F0"), string.Empty, $"{runtime.Reconciles:F0} in all; " + (run.Node is { } simulator ? $"node simulator: {simulator.Spawns} spawns reported" : "real node daemons"));
        foreach (var c in runtime.Controllers)
        {
            Row($"  {c.Controller}", $"{c.Reconciles:F0} reconciles, {c.Errors:F0} errors", string.Empty, $"mean reconcile {c.MeanReconcileSeconds * 1000:F1} ms, mean queue wait {c.MeanQueueSeconds * 1000:F1} ms");
        }

        Row("operator API requests", string.Join(", ", runtime.RequestsByVerb.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:F0}")), string.Empty,
            "by code: " + string.Join(", ", runtime.RequestsByCode.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:F0}")));
        Row("operator peak RSS (VmHWM)", $"{Mb(after.PeakRssBytes)} MB", string.Empty, $"{Mb(_idle.RssBytes)} MB idle, caches synced");
        Row("operator CPU time (wave)", $"{cpu.TotalSeconds:F1} s ({cpu.TotalSeconds / seconds * 100:F0}% of a core)", string.Empty, $"API server {apiCpu.TotalSeconds:F1} s in the wave");
        Row("CPU per server", $"operator {PerServer(cpu, wave.Count)} ms, API server {PerServer(apiCpu, wave.Count)} ms", string.Empty,
            _baseline is null ? "-" : $"API server alone {PerServer(_baselineApiCpu, _baseline.Count)} ms per create");
        Line(string.Empty);
    }

    /// <summary>The wave's stored writes by resource and writer (<see cref="WriteTally"/>), per server.</summary>
    public void Writes(IReadOnlyList<WriteCount> writes, long revisions, int servers)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var counted = writes.Sum(w => w.Count);
        Line($"stored writes in the wave: {revisions} revisions, {revisions / (double)Math.Max(servers, 1):F2} per server ({counted} of them to the kinds below; the rest to other kinds or after the last server went Active)");
        foreach (var w in writes)
        {
            Row($"  {w.Resource}", $"{w.Count} ({w.Count / (double)Math.Max(servers, 1):F2} per server)", string.Empty, w.Writer);
        }

        Line(string.Empty);
    }

    /// <summary>One paced wave: the rate asked for and reached, the latencies at that rate, the CPU it cost.</summary>
    public void Paced(WaveResult wave, TimeSpan operatorCpu, TimeSpan apiCpu, string loadBefore, ScaleRun run)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(run);
        Line($"paced wave at {wave.Rate:F0} servers/s ({Ratio(wave.Rate ?? 0)}): {wave.Count} servers, {wave.Active} Active{TimedOut(wave, run)}, " +
             $"creates sent at {wave.CreateRate:F0}/s, {wave.ServerRate:F0} servers/s to the last Active; load average {loadBefore} -> {ProcessProbe.LoadAverage()}");
        Row("  creation to scheduled", wave.ToScheduled.ToString(), string.Empty, string.Empty);
        Row("  creation to Active", wave.ToActive.ToString(), "p99 < 5000 ms", wave.Meets(Slo) ? "met" : "NOT met");
        Row("  CPU per server", $"operator {PerServer(operatorCpu, wave.Count)} ms, API server {PerServer(apiCpu, wave.Count)} ms", string.Empty, string.Empty);
    }

    /// <summary>The highest paced rate whose p99 creation to Active stayed under the SLO, beside the API server alone.</summary>
    public void PacedSummary(IReadOnlyList<WaveResult> paced)
    {
        ArgumentNullException.ThrowIfNull(paced);
        if (paced.Count == 0)
        {
            return;
        }

        var met = paced.Where(w => w.Meets(Slo)).Select(w => w.Rate ?? 0).DefaultIfEmpty(0).Max();
        var tried = string.Join(", ", paced.Select(w => $"{w.Rate:F0} (p99 {w.ToActive.P99 / 1000:F1} s)"));
        Line(met > 0
            ? $"highest paced rate with p99 creation to Active < 5 s: {met:F0} servers/s ({Ratio(met)}); rates tried: {tried}"
            : $"no paced rate kept p99 creation to Active under 5 s; rates tried: {tried}");
        Line(string.Empty);
    }

    public void Cached(int cached, WaveResult more, ProcessSample sample, TimeSpan settled, ScaleRun run, ProcessSample collected)
    {
        ArgumentNullException.ThrowIfNull(more);
        ArgumentNullException.ThrowIfNull(run);
        Line($"cache wave: {more.Count} more servers, {more.Active} Active{TimedOut(more, run)} in {more.Elapsed.TotalSeconds:F1} s " +
             $"({more.ServerRate:F0} servers/s, creation to Active {more.ToActive}); settled {settled.TotalSeconds:F0} s; load average {ProcessProbe.LoadAverage()}");
        Row($"operator RSS, {cached:N0} servers cached", $"{Mb(sample.RssBytes)} MB", "< 200 MB", $"{Mb(_idle.RssBytes)} MB idle; peak {Mb(sample.PeakRssBytes)} MB; {(sample.RssBytes - _idle.RssBytes) / (double)cached / 1024:F1} KiB per server over idle");
        Row("  split", sample.Breakdown, string.Empty, string.Empty);
        Row("  after a forced full GC", collected.Breakdown, "< 200 MB", "what the operator retains");
        Line(string.Empty);
    }

    /// <summary>One GC setting's row of <see cref="OperatorGcSettings"/>: the cached operator's RSS before and after a forced full GC.</summary>
    public void GcSetting(string setting, ProcessSample sample, ProcessSample collected, TimeSpan ready) =>
        Row(setting, $"{Mb(sample.RssBytes)} MB, {Mb(collected.RssBytes)} MB after a full GC", "< 200 MB",
            $"{sample.Breakdown}; ready in {ready.TotalSeconds:F0} s");

    /// <summary>One restart of <see cref="OperatorRestarts"/>: RSS settled, after a forced full GC, peak, CPU time.</summary>
    public void Restart(string build, ProcessSample sample, ProcessSample collected, TimeSpan ready, TimeSpan settled) =>
        Row(build, $"{Mb(sample.RssBytes)} MB, {Mb(collected.RssBytes)} MB after a full GC", "< 200 MB",
            FormattableString.Invariant($"{sample.Breakdown}; peak {Mb(sample.PeakRssBytes)} MB; CPU {sample.CpuTime.TotalSeconds:F1} s; ready in {ready.TotalSeconds:F0} s, settled {settled.TotalSeconds:F0} s later; load {ProcessProbe.LoadAverage()}"));

    public void Text(string text) => Line(text);

    public void Targets() =>
        Line("targets (issue 11): > 200 servers/s, p99 creation to Active < 5 s (the Kubernetes pod-startup SLO), operator < 200 MB with 10,000 servers cached.");

    private static string TimedOut(WaveResult wave, ScaleRun run) => wave.Completed ? string.Empty : " (TIMED OUT: " + run.Describe() + ")";

    private static string PerServer(TimeSpan cpu, int servers) => (cpu.TotalMilliseconds / Math.Max(servers, 1)).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>A rate against the API server alone in the same run.</summary>
    private string Ratio(double rate) => _baseline is null ? "no baseline" : $"{rate / _baseline.CreateRate:P0} of the API server's {_baseline.CreateRate:F0} creates/s alone";

    private static string Mb(long bytes) => (bytes / 1e6).ToString("F0", CultureInfo.InvariantCulture);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    private static double MemoryGiB() =>
        long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;

    private void Row(string what, string value, string target, string baseline) =>
        Line($"  {what,-36} {value,-46} {target,-14} {baseline}");

    private void Line(string text) => _out.WriteLine(text);
}
