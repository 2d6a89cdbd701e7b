namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// <c>--gc-settings</c>: the operator's memory with the run's servers cached, once per GC setting, each changed alone
/// from the runtimeconfig the operator ships with (an environment variable overrides a runtimeconfig knob). Each is a
/// fresh <c>kubecloud-operator</c> against the same API server and the same servers: it lists them, passes each once
/// (placed and Active: nothing to write), settles; then its RSS, and again after a forced full GC
/// (<see cref="InducedCollection"/>), which shows what the GC merely had not collected yet.
/// </summary>
public static class OperatorGcSettings
{
    /// <summary>The settings compared, by what they change; the first is the runtimeconfig as shipped.</summary>
    public static readonly IReadOnlyList<(string Setting, IReadOnlyDictionary<string, string?> Environment)> Settings =
    [
        ("runtimeconfig as shipped", new Dictionary<string, string?>()),
        ("concurrent GC on (DOTNET_gcConcurrent=1)", new Dictionary<string, string?> { ["DOTNET_gcConcurrent"] = "1" }),
        ("concurrent GC off (DOTNET_gcConcurrent=0)", new Dictionary<string, string?> { ["DOTNET_gcConcurrent"] = "0" }),
        ("ConserveMemory 0 (DOTNET_GCConserveMemory=0)", new Dictionary<string, string?> { ["DOTNET_GCConserveMemory"] = "0" }),
        ("ConserveMemory 9 (DOTNET_GCConserveMemory=9)", new Dictionary<string, string?> { ["DOTNET_GCConserveMemory"] = "9" }),
        ("runtime defaults (concurrent, ConserveMemory 0)", new Dictionary<string, string?> { ["DOTNET_gcConcurrent"] = "1", ["DOTNET_GCConserveMemory"] = "0" }),
        ("gen0 budget 2 MB (DOTNET_GCgen0size)", new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x200000" }),
        ("gen0 budget 4 MB (DOTNET_GCgen0size)", new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x400000" }),
        ("gen0 budget 4 MB, concurrent GC on", new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x400000", ["DOTNET_gcConcurrent"] = "1" }),
        ("TieredPGO off (DOTNET_TieredPGO=0)", new Dictionary<string, string?> { ["DOTNET_TieredPGO"] = "0" }),
        ("W^X off (DOTNET_EnableWriteXorExecute=0)", new Dictionary<string, string?> { ["DOTNET_EnableWriteXorExecute"] = "0" }),
    ];

    public static async Task RunAsync(string dll, string kubeconfig, BenchSwitches switches, int cached, FigureReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(report);
        report.Text($"the operator restarted with {cached:N0} servers cached, one GC setting at a time (each alone; load average {ProcessProbe.LoadAverage()}):");
        foreach (var (setting, environment) in Settings)
        {
            var env = new Dictionary<string, string?>(switches.OperatorEnvironment);
            foreach (var (name, value) in environment)
            {
                env[name] = value;
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            await using var op = await OperatorProcess.StartAsync(dll, kubeconfig, env, switches.OperatorArguments, TimeSpan.FromMinutes(3));
            var ready = watch.Elapsed;
            await op.SettleAsync(cancellationToken);
            var sample = op.Probe.Settled();
            await InducedCollection.RunAsync(op.Id, cancellationToken);
            report.GcSetting(setting, sample, op.Probe.Settled(), ready);
        }

        report.Text(string.Empty);
    }
}
