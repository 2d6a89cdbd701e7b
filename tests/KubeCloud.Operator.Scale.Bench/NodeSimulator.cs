using System.Collections.Concurrent;
using System.Collections.Immutable;
using k8s;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>What a <see cref="NodeSimulator"/> node offers and how it behaves; change the behaviour while it runs.</summary>
public sealed class NodeSimulatorOptions
{
    public int Vcpus { get; set; } = 16;

    public Quantity Memory { get; set; } = Quantity.Parse("32Gi");

    public Quantity Disk { get; set; } = Quantity.Parse("500Gi");

    /// <summary>How often each Hypervisor's heartbeat is written.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a spawn takes (Spawned False reason Spawning until then); zero reports at once.</summary>
    public TimeSpan SpawnDelay { get; set; }

    /// <summary>Nodes that do nothing for servers (a daemon that hangs): the operator's spawning deadline runs out.</summary>
    public ConcurrentDictionary<string, bool> Stalled { get; } = new(StringComparer.Ordinal);

    /// <summary>Tunnel IPs by node, reported with the next heartbeat; a node not listed reports 127.0.0.1.</summary>
    public ConcurrentDictionary<string, string> TunnelIPs { get; } = new(StringComparer.Ordinal);

    /// <summary>Nodes whose spawns fail (Spawned False, reason SpawnFailed).</summary>
    public ConcurrentDictionary<string, bool> FailingSpawns { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Server reconciles that may run at once, for all the nodes together. Each real node runs its own daemon; a bench
    /// of many nodes gives the simulator as many workers as it needs not to be the queue the servers wait in.
    /// </summary>
    public int Workers { get; set; } = 4;

    /// <summary>Report a volume backend (status.storage, the size of <see cref="Disk"/>) and play the storage node for Volumes whose backendNode is one of the nodes (Exported, target, capacity).</summary>
    public bool Storage { get; set; } = true;
}

/// <summary>
/// A stand-in for the node daemon (issue 12) of N named nodes, for the operator's tests and benchmarks (it lives with
/// the scale bench, which the integration tests reference, so both play the daemons with this one). It keeps a
/// Hypervisor per node (capacity, heartbeat, Ready), and for every Server labelled <c>kubecloud.io/node</c> with one of
/// its nodes it does what operator/KubeCloud.Operator/README.md "Who writes what" says the daemon does, under the field
/// manager <c>kubecloud-node</c>: adds the finalizer <c>kubecloud.io/node-cleanup</c>, waits for the operator's
/// NetworkReady and VolumesReady, applies <c>ImageReady</c>, <c>Spawned</c> (for the generation), <c>powerState</c>
/// (spec.powerState), <c>launchedAt</c> and <c>observedRebootRequest</c>, and removes its finalizer when the server is
/// deleted. For Volumes placed on its nodes it plays the storage node: finalizer <c>kubecloud.io/storage-cleanup</c>,
/// <c>Exported</c>, <c>target</c> and <c>capacity</c>. It runs on the controller runtime (informers, queue), so it is
/// level-triggered and converges after any restart, as the real daemon must.
/// </summary>
public sealed class NodeSimulator : IAsyncDisposable
{
    public const string FieldManager = "kubecloud-node";
    public const string NodeCleanupFinalizer = "kubecloud.io/node-cleanup";
    public const string StorageCleanupFinalizer = "kubecloud.io/storage-cleanup";

    private readonly IKubeClient _client;
    private ImmutableHashSet<string> _nodes;
    private readonly SharedInformerFactory _informers;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _spawnStarted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];
    private Controller<Server>? _servers;
    private long _spawns;

    private NodeSimulator(IKubeClient client, IEnumerable<string> nodes, NodeSimulatorOptions options)
    {
        _client = client;
        _nodes = ImmutableHashSet.CreateRange(StringComparer.Ordinal, nodes);
        Options = options;
        _informers = new SharedInformerFactory(client);
    }

    public NodeSimulatorOptions Options { get; }

    public IReadOnlyCollection<string> Nodes => _nodes;

    /// <summary>How many servers were reported spawned (generation converged), in total.</summary>
    public long Spawns => Interlocked.Read(ref _spawns);

    /// <summary>Creates (or takes over) a Hypervisor per node, reports them Ready, and starts playing the daemons.</summary>
    public static async Task<NodeSimulator> StartAsync(IKubeClient client, IEnumerable<string> nodes, NodeSimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var simulator = new NodeSimulator(client, nodes, options ?? new NodeSimulatorOptions());
        await Task.WhenAll(simulator._nodes.Select(n => simulator.RegisterAsync(n, cancellationToken))).ConfigureAwait(false);
        await simulator.StartLoopsAsync(cancellationToken).ConfigureAwait(false);
        return simulator;
    }

    /// <summary>The node stops its heartbeat and reports itself not Ready (as the Hypervisor controller would mark it); false brings it back.</summary>
    public Task SetDownAsync(string node, bool down, CancellationToken cancellationToken = default)
    {
        _down[node] = down;
        return HeartbeatAsync(node, cancellationToken);
    }

    /// <summary>A node joins: its Hypervisor is created and reported Ready, and the simulator plays its daemon too.</summary>
    public async Task AddAsync(string node, CancellationToken cancellationToken = default)
    {
        ImmutableInterlocked.Update(ref _nodes, (nodes, name) => nodes.Add(name), node);
        await RegisterAsync(node, cancellationToken).ConfigureAwait(false);
        Kick();
    }

    /// <summary>Looks at every server again (after a change of <see cref="Options"/>, such as a node no longer stalled).</summary>
    public void Kick()
    {
        foreach (var server in _informers.For<Server>().Store.List())
        {
            _servers?.Queue?.Add(ReconcileRequest.For(server));
        }
    }

    /// <summary>A stalled node starts working again.</summary>
    public void Resume(string node)
    {
        Options.Stalled.TryRemove(node, out _);
        Kick();
    }

    private async Task RegisterAsync(string node, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = node } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
        }

        await HeartbeatAsync(node, cancellationToken).ConfigureAwait(false);
    }

    private async Task HeartbeatAsync(string node, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var down = _down.GetValueOrDefault(node);
        var status = new HypervisorStatus
        {
            HypervisorType = HypervisorType.Qemu,
            HypervisorVersion = "9.2.0",
            Cpu = new HypervisorCpu { Model = "qemu64", Vendor = "AMD", Architecture = CpuArchitecture.X8664, Features = ["sse2"] },
            Capacity = new HypervisorResources { Vcpus = Options.Vcpus, Memory = Options.Memory, Disk = Options.Disk },
            TunnelIP = Options.TunnelIPs.GetValueOrDefault(node, "127.0.0.1"),
            Storage = Options.Storage ? new HypervisorStorage { BackendName = "lvm", TotalCapacity = Options.Disk, FreeCapacity = Options.Disk, ThinProvisioning = true } : null,
            LastHeartbeatTime = down ? null : now,
            Conditions =
            [
                new Condition
                {
                    Type = ConditionTypes.Ready,
                    Status = down ? ConditionStatus.False : ConditionStatus.True,
                    Reason = down ? "HeartbeatStale" : "DaemonReady",
                    Message = down ? "the node daemon stopped reporting" : "libvirt reachable",
                    LastTransitionTime = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
                },
            ],
        };
        await _client.ApplyStatusAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = node } }, status, FieldManager, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartLoopsAsync(CancellationToken cancellationToken)
    {
        var token = _stop.Token;
        var builder = new ControllerBuilder(_informers);
        var servers = _servers = builder.For<Server>().Named("node-simulator-servers").WithWorkers(Options.Workers).Build(new ServerSide(this));
        var volumes = builder.For<Volume>().Named("node-simulator-volumes").WithWorkers(2).Build(new VolumeSide(this));
        await _informers.StartAsync(token).ConfigureAwait(false);
        await _informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
        _running.Add(servers.RunAsync(token));
        _running.Add(volumes.RunAsync(token));
        _running.Add(Task.Run(() => HeartbeatLoopAsync(token), CancellationToken.None));
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                foreach (var node in _nodes.Where(n => !_down.GetValueOrDefault(n)))
                {
                    await HeartbeatAsync(node, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException)
            {
                // The next beat tries again.
            }
        }
    }

    private async Task<ReconcileResult> ReconcileServerAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var server = _informers.For<Server>().Store.Get(request.Namespace, request.Name);
        var node = server?.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var n) ? n : null;
        if (server is null || node is null || !_nodes.Contains(node) || _down.GetValueOrDefault(node) || Options.Stalled.ContainsKey(node))
        {
            return ReconcileResult.Done;
        }

        var key = server.Metadata.Uid;
        if (server.Metadata.DeletionTimestamp is not null)
        {
            // Domain, taps, overlay and seed gone: the host is clean.
            _spawnStarted.TryRemove(key, out _);
            await Finalizers.RemoveAsync(_client, server, NodeCleanupFinalizer, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (!Finalizers.Has(server, NodeCleanupFinalizer))
        {
            server = await Finalizers.AddAsync(_client, server, NodeCleanupFinalizer, cancellationToken).ConfigureAwait(false);
        }

        // The daemon needs the ports' MAC and addresses and the volumes' targets before it can define the domain.
        if (!Conditions.IsTrue(server.Status, "NetworkReady") || !Conditions.IsTrue(server.Status, "VolumesReady"))
        {
            return ReconcileResult.Done;
        }

        var now = DateTimeOffset.UtcNow;
        var status = NodeOwned(server);
        var generation = server.Metadata.Generation;
        Conditions.Set(status, "ImageReady", ConditionStatus.True, "Cached", "image cached and verified", null, now);
        if (Options.FailingSpawns.ContainsKey(node))
        {
            Conditions.Set(status, "Spawned", ConditionStatus.False, "SpawnFailed", $"libvirt: internal error: process exited while connecting to monitor (node {node})", generation, now);
            await ApplyIfChangedAsync(server, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var started = _spawnStarted.GetOrAdd(key, now);
        if (Options.SpawnDelay > TimeSpan.Zero && now - started < Options.SpawnDelay && !Conditions.IsTrueFor(server.Status, "Spawned", generation))
        {
            Conditions.Set(status, "Spawned", ConditionStatus.False, "Spawning", "defining and starting the domain", generation, now);
            await ApplyIfChangedAsync(server, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.After(Options.SpawnDelay - (now - started));
        }

        status.PowerState = server.Spec.PowerState switch
        {
            DesiredPowerState.Stopped => ObservedPowerState.Shutoff,
            DesiredPowerState.Paused => ObservedPowerState.Paused,
            DesiredPowerState.Suspended => ObservedPowerState.Suspended,
            _ => ObservedPowerState.Running,
        };
        status.HypervisorType = HypervisorType.Qemu;
        status.LaunchedAt ??= new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        status.ObservedRebootRequest = server.Metadata.Annotations is { } annotations && annotations.TryGetValue(ApiGroup.RebootRequestedAtAnnotation, out var reboot) ? reboot : null;
        Conditions.Set(status, "Spawned", ConditionStatus.True, "Converged", $"domain defined and {status.PowerState} on {node}", generation, now);
        if (await ApplyIfChangedAsync(server, status, cancellationToken).ConfigureAwait(false) && !Conditions.IsTrueFor(server.Status, "Spawned", generation))
        {
            Interlocked.Increment(ref _spawns);
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> ReconcileVolumeAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var volume = _informers.For<Volume>().Store.Get(request.Namespace, request.Name);
        if (!Options.Storage || volume?.Status?.BackendNode is not { } node || !_nodes.Contains(node) || _down.GetValueOrDefault(node))
        {
            return ReconcileResult.Done;
        }

        if (volume.Metadata.DeletionTimestamp is not null)
        {
            await Finalizers.RemoveAsync(_client, volume, StorageCleanupFinalizer, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (!Finalizers.Has(volume, StorageCleanupFinalizer))
        {
            volume = await Finalizers.AddAsync(_client, volume, StorageCleanupFinalizer, cancellationToken).ConfigureAwait(false);
        }

        var status = new VolumeStatus
        {
            Capacity = volume.Spec.Size,
            Target = new IscsiTarget { Portal = "127.0.0.1:3260", Iqn = $"iqn.2026-12.io.kubecloud:{volume.Metadata.NamespaceProperty}.{volume.Metadata.Name}", Lun = 1 },
            Conditions = [.. (volume.Status?.Conditions ?? []).Where(c => c.Type == "Exported")],
        };
        Conditions.Set(status, "Exported", ConditionStatus.True, "Exported", $"exported over iSCSI from {node}", null, DateTimeOffset.UtcNow);
        var before = new VolumeStatus { Capacity = volume.Status?.Capacity, Target = volume.Status?.Target, Conditions = [.. (volume.Status?.Conditions ?? []).Where(c => c.Type == "Exported")] };
        if (KubernetesJson.Serialize(before) != KubernetesJson.Serialize(status))
        {
            await _client.ApplyStatusAsync(volume, status, FieldManager, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    /// <summary>The fields of a Server's status the node owns (README "Who writes what").</summary>
    private static ServerStatus NodeOwned(Server server) => new()
    {
        PowerState = server.Status?.PowerState,
        HypervisorType = server.Status?.HypervisorType,
        LaunchedAt = server.Status?.LaunchedAt,
        ObservedRebootRequest = server.Status?.ObservedRebootRequest,
        Conditions = [.. (server.Status?.Conditions ?? []).Where(c => c.Type is "ImageReady" or "Spawned")
            .Select(c => new Condition { Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, ObservedGeneration = c.ObservedGeneration, LastTransitionTime = c.LastTransitionTime })],
    };

    private async Task<bool> ApplyIfChangedAsync(Server server, ServerStatus status, CancellationToken cancellationToken)
    {
        status.ObservedGeneration = null;
        if (KubernetesJson.Serialize(NodeOwned(server)) == KubernetesJson.Serialize(status))
        {
            return false;
        }

        await _client.ApplyStatusAsync(server, status, FieldManager, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _informers.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed class ServerSide(NodeSimulator simulator) : IReconciler<Server>
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken) => simulator.ReconcileServerAsync(request, cancellationToken);
    }

    private sealed class VolumeSide(NodeSimulator simulator) : IReconciler<Volume>
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken) => simulator.ReconcileVolumeAsync(request, cancellationToken);
    }
}
