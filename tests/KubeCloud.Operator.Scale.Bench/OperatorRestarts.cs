namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// <c>--restart-dll LABEL=PATH</c>: the operator restarted against the run's cached servers, this build and each other
/// build in turn (A B A B, <see cref="BenchSwitches.RestartRounds"/> rounds), so a build's memory after a restart stands
/// beside another's measured minutes apart on the same servers and the same API server. Each is a fresh
/// <c>kubecloud-operator</c> with its own runtimeconfig and the run's <c>--operator-env</c>: it lists every kind, passes
/// each server once (placed and Active: nothing to write), settles; then its RSS, and again after a forced full GC
/// (<see cref="InducedCollection"/>), and its CPU time.
/// </summary>
public static class OperatorRestarts
{
    public static async Task RunAsync(string dll, string kubeconfig, BenchSwitches switches, int cached, FigureReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(report);
        report.Text($"the operator restarted with {cached:N0} servers cached, each build in turn ({switches.RestartRounds} rounds; load average {ProcessProbe.LoadAverage()} at {DateTime.UtcNow:HH:mm} UTC):");
        List<RestartBuild> builds = [new("this build", dll, new Dictionary<string, string?>()), .. switches.RestartBuilds];
        for (var round = 1; round <= switches.RestartRounds; round++)
        {
            foreach (var (label, path, environment) in builds)
            {
                var env = new Dictionary<string, string?>(switches.OperatorEnvironment);
                foreach (var (name, value) in environment)
                {
                    env[name] = value;
                }

                var watch = System.Diagnostics.Stopwatch.StartNew();
                await using var op = await OperatorProcess.StartAsync(path, kubeconfig, env, switches.OperatorArguments, TimeSpan.FromMinutes(3));
                var ready = watch.Elapsed;
                var settled = await op.SettleAsync(cancellationToken);
                var sample = op.Probe.Settled();
                await InducedCollection.RunAsync(op.Id, cancellationToken);
                var collected = op.Probe.Settled();
                report.Restart($"{label}, round {round}", sample, collected, ready, settled);
                if (round == 1 && switches.GcDumpDirectory is { } dumps)
                {
                    await GcDumpAsync(op.Id, Path.Combine(dumps, string.Concat(label.Split(Path.GetInvalidFileNameChars().Append(' ').ToArray())) + ".gcdump"), report, cancellationToken);
                }
            }
        }

        report.Text(string.Empty);
    }

    /// <summary>A heap dump through the repository's local tool (<c>dotnet-gcdump</c> in dotnet-tools.json).</summary>
    private static async Task GcDumpAsync(int processId, string path, FigureReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = KubeCloud.Testing.RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "dotnet-gcdump", "collect", "-p", processId.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", Path.GetFullPath(path) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        report.Text(process.ExitCode == 0 ? $"  gcdump: {path}" : $"  gcdump of {processId} failed ({process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
    }
}
