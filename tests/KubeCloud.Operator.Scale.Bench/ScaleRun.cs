using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// The bench's code path, whoever runs the operator (a process of its own in the bench, in-process in the smoke
/// test): the image source, the cloud (flavor, image, Hypervisors), the node simulator, the timeline, then waves.
/// </summary>
public sealed class ScaleRun : IAsyncDisposable
{
    private readonly IKubeClient _client;
    private readonly ImageFileServer _images;
    private readonly ServerTimeline _timeline;
    private readonly IAsyncDisposable? _nodeDaemons;
    private int _next;

    private ScaleRun(IKubeClient client, ScaleOptions options, ImageFileServer images, BenchCloud cloud, NodeSimulator? node, IAsyncDisposable? nodeDaemons, ServerTimeline timeline)
    {
        _client = client;
        Options = options;
        _images = images;
        Cloud = cloud;
        Node = node;
        _nodeDaemons = nodeDaemons;
        _timeline = timeline;
    }

    public ScaleOptions Options { get; }

    public BenchCloud Cloud { get; }

    /// <summary>The node simulator; null when real node daemons play the nodes.</summary>
    public NodeSimulator? Node { get; }

    /// <summary>Servers by phase now, and those in Error with their fault: what to print when a wave does not finish.</summary>
    public string Describe()
    {
        var phases = string.Join(", ", _timeline.Phases.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
        var errors = _timeline.Errors.Take(3).Select(e => $"\n  {e.Name}: {e.Fault}");
        return $"servers by phase: {phases}{string.Concat(errors)}";
    }

    public static Task<ScaleRun> PrepareAsync(IKubeClient client, ScaleOptions options, CancellationToken cancellationToken) =>
        PrepareAsync(client, options, null, cancellationToken);

    /// <param name="client">The bench's client.</param>
    /// <param name="options">The run's size.</param>
    /// <param name="nodeDaemons">Starts real node daemons for the cloud's Hypervisors (<see cref="NodeFleet"/>) and returns once they report; null plays them with <see cref="NodeSimulator"/>.</param>
    /// <param name="cancellationToken">Stops the preparation.</param>
    public static async Task<ScaleRun> PrepareAsync(IKubeClient client, ScaleOptions options, Func<BenchCloud, CancellationToken, Task<IAsyncDisposable>>? nodeDaemons, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var images = await ImageFileServer.StartAsync(cancellationToken);
        var cloud = await BenchCloud.CreateAsync(client, options.Namespace, options.Hypervisors, options.ServersPerHypervisor, images.Url, cancellationToken);
        if (nodeDaemons is not null)
        {
            var daemons = await nodeDaemons(cloud, cancellationToken);
            return new ScaleRun(client, options, images, cloud, null, daemons, await ServerTimeline.StartAsync(client, cloud.Namespace, cancellationToken));
        }

        var node = await NodeSimulator.StartAsync(client, cloud.Hypervisors, new NodeSimulatorOptions
        {
            Vcpus = 128,
            Memory = Quantity.Parse("512Gi"),
            Disk = Quantity.Parse("8Ti"),
            HeartbeatInterval = options.Heartbeat,
            Workers = options.NodeWorkers,
        }, cancellationToken);
        var timeline = await ServerTimeline.StartAsync(client, cloud.Namespace, cancellationToken);
        return new ScaleRun(client, options, images, cloud, node, null, timeline);
    }

    /// <summary>
    /// The API server alone: <paramref name="count"/> Servers created the same way in <c>{Namespace}-baseline</c> and
    /// awaited until the bench's informer sees each (no operator may be running), then deleted again.
    /// </summary>
    public async Task<WaveResult> BaselineAsync(int count, CancellationToken cancellationToken)
    {
        var @namespace = Options.Namespace + "-baseline";
        var cloud = await BenchCloud.CreateAsync(_client, @namespace, 0, 0, _images.Url, cancellationToken);
        await using var timeline = await ServerTimeline.StartAsync(_client, @namespace, cancellationToken);
        var names = ServerWave.Names("base", 0, count);
        var result = await ServerWave.RunAsync(_client, cloud, timeline, names, Options.Writers, null, ServerWave.Until.Seen, Options.WaveTimeout, cancellationToken);
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = Options.Writers, CancellationToken = cancellationToken }, async (name, ct) =>
            await _client.DeleteAsync<Server>(name, @namespace, new DeleteOptions { PropagationPolicy = "Background" }, ct));
        return result;
    }

    /// <summary><paramref name="count"/> more Servers at once, awaited until each is seen Active (or the wave's timeout).</summary>
    public Task<WaveResult> WaveAsync(int count, CancellationToken cancellationToken) => WaveAsync(count, null, cancellationToken);

    /// <summary>
    /// <paramref name="count"/> more Servers, created at <paramref name="rate"/> per second (null: at once), awaited
    /// until each is seen Active (or the wave's timeout).
    /// </summary>
    public async Task<WaveResult> WaveAsync(int count, double? rate, CancellationToken cancellationToken)
    {
        var names = ServerWave.Names("vm", _next, count);
        _next += count;
        return await ServerWave.RunAsync(_client, Cloud, _timeline, names, Options.Writers, rate, ServerWave.Until.Active, Options.WaveTimeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _timeline.DisposeAsync();
        if (Node is not null)
        {
            await Node.DisposeAsync();
        }

        if (_nodeDaemons is not null)
        {
            await _nodeDaemons.DisposeAsync();
        }

        await _images.DisposeAsync();
    }
}
