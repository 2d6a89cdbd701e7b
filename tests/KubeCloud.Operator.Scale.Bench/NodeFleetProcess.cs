using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// <c>--node-daemons real</c>: the run's node daemons as a <see cref="NodeFleet"/> in a process of their own (this bench's
/// program with the verb <c>node-fleet</c>), so the figures have their memory and CPU time apart from the operator's,
/// the API server's and the bench's. Started once every Hypervisor reports Ready with its capacity.
/// </summary>
public sealed partial class NodeFleetProcess : IAsyncDisposable
{
    /// <summary>The verb that makes this program run a fleet (the first argument).</summary>
    public const string Verb = "node-fleet";

    private readonly ChildProcess _process;

    private NodeFleetProcess(ChildProcess process, int count)
    {
        _process = process;
        Count = count;
    }

    public int Count { get; }

    public ProcessProbe Probe => _process.Probe;

    public static async Task<NodeFleetProcess> StartAsync(string kubeconfig, IKubeClient client, IReadOnlyList<string> nodes, string stateRoot, TimeSpan heartbeat, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(nodes);
        var process = ChildProcess.Start("node fleet", typeof(NodeFleetProcess).Assembly.Location,
            [Verb, "--kubeconfig", kubeconfig, "--nodes", string.Join(',', nodes), "--state-dir", stateRoot, "--heartbeat-seconds", heartbeat.TotalSeconds.ToString(CultureInfo.InvariantCulture)], new Dictionary<string, string?>());
        try
        {
            await process.WaitForLineAsync(Started(), timeout);
            await HypervisorReadiness.WaitAsync(client, nodes, timeout, cancellationToken, () => process.Tail());
            return new NodeFleetProcess(process, nodes.Count);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The child's side: <c>node-fleet --kubeconfig FILE --nodes A,B,... --state-dir DIR</c>; runs until SIGTERM or SIGINT.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? kubeconfig = null, stateRoot = null;
        List<string> nodes = [];
        var heartbeat = TimeSpan.FromSeconds(10);
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--kubeconfig":
                    kubeconfig = args[i + 1];
                    break;
                case "--nodes":
                    nodes = [.. args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries)];
                    break;
                case "--state-dir":
                    stateRoot = args[i + 1];
                    break;
                case "--heartbeat-seconds":
                    heartbeat = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.Error.WriteLine($"node fleet: unknown argument {args[i]}");
                    return 2;
            }
        }

        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("node fleet: the node daemon runs on Linux only");
            return 2;
        }

        if (kubeconfig is null || stateRoot is null || nodes.Count == 0)
        {
            Console.Error.WriteLine("usage: node-fleet --kubeconfig FILE --nodes A,B,... --state-dir DIR [--heartbeat-seconds S]");
            return 2;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.TrySetResult();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var fleet = await NodeFleet.StartAsync(ClusterConfig.FromKubeconfig(kubeconfig), nodes, stateRoot, heartbeat);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"node fleet: {fleet.Count} node daemons started"));
        await stop.Task;
        return 0;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex("^node fleet: \\d+ node daemons started")]
    private static partial Regex Started();
}
