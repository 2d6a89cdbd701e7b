using System.Globalization;
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

/// <summary>
/// Plays the node daemon of every bench Hypervisor, as <c>operator/KubeCloud.Operator/README.md</c> ("Who writes what")
/// has it, with instant reports: each Hypervisor's inventory and heartbeat, and for each Server labelled
/// <c>kubecloud.io/node</c> the finalizer <c>kubecloud.io/node-cleanup</c>, then <c>ImageReady</c> and <c>Spawned</c>
/// True with <c>powerState</c> as the spec asks; on deletion the finalizer goes. Every status write is a server-side
/// apply of the node's fields only, under <see cref="FieldManager"/>. It is a controller of the runtime (its own
/// informer, queue and workers), named <see cref="ControllerName"/> in the runtime's metrics.
/// </summary>
public sealed class NodeStandIn : IReconciler<Server>, IAsyncDisposable
{
    public const string FieldManager = "kubecloud-node";
    public const string CleanupFinalizer = "kubecloud.io/node-cleanup";
    public const string ControllerName = "node-stand-in";
    public const string ImageReady = "ImageReady";
    public const string Spawned = "Spawned";

    private readonly IKubeClient _client;
    private readonly IReadOnlyList<string> _hypervisors;
    private readonly TimeSpan _heartbeat;
    private readonly SharedInformerFactory _informers;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private long _spawned;

    private NodeStandIn(IKubeClient client, IReadOnlyList<string> hypervisors, TimeSpan heartbeat)
    {
        _client = client;
        _hypervisors = hypervisors;
        _heartbeat = heartbeat;
        _informers = new SharedInformerFactory(client, new InformerOptions { LabelSelector = ApiGroup.NodeLabel });
    }

    /// <summary>Servers this stand-in reported as spawned (one per server and generation).</summary>
    public long SpawnReports => Interlocked.Read(ref _spawned);

    /// <summary>
    /// Reports every Hypervisor of <paramref name="hypervisors"/> Ready (returns once all are written), keeps their
    /// heartbeats fresh every <paramref name="heartbeat"/>, and starts spawning the servers placed on them.
    /// </summary>
    public static async Task<NodeStandIn> StartAsync(IKubeClient client, IReadOnlyList<string> hypervisors, TimeSpan heartbeat, int workers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(hypervisors);
        var node = new NodeStandIn(client, hypervisors, heartbeat);
        await node.HeartbeatAllAsync(cancellationToken);
        var controller = new ControllerBuilder(node._informers).For<Server>().Named(ControllerName).WithWorkers(workers).Build(node);
        await node._informers.StartAsync(node._stop.Token);
        node._running.Add(controller.RunAsync(node._stop.Token));
        node._running.Add(node.HeartbeatLoopAsync(node._stop.Token));
        await node._informers.WaitForCacheSyncAsync(cancellationToken);
        return node;
    }

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var server = _informers.For<Server>().Store.Get(request.Namespace, request.Name);
        if (server is null || !(server.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) ?? false))
        {
            return ReconcileResult.Done;
        }

        if (server.Metadata.DeletionTimestamp is not null)
        {
            // Nothing is on the "host": the cleanup is done at once.
            await Finalizers.RemoveAsync(_client, server, CleanupFinalizer, cancellationToken);
            return ReconcileResult.Done;
        }

        server = await Finalizers.AddAsync(_client, server, CleanupFinalizer, cancellationToken);
        var generation = server.Metadata.Generation;
        var power = Observed(server.Spec.PowerState);
        var rebootRequest = server.Metadata.Annotations is { } annotations && annotations.TryGetValue(ApiGroup.RebootRequestedAtAnnotation, out var at) ? at : null;
        if (Conditions.IsTrueFor(server.Status, Spawned, generation) && Conditions.IsTrue(server.Status, ImageReady)
            && server.Status?.PowerState == power && server.Status?.ObservedRebootRequest == rebootRequest)
        {
            return ReconcileResult.Done;
        }

        var now = DateTimeOffset.UtcNow;
        var status = new ServerStatus
        {
            PowerState = power,
            HypervisorType = HypervisorType.Kvm,
            LaunchedAt = server.Status?.LaunchedAt ?? Truncate(now),
            ObservedRebootRequest = rebootRequest,
            Conditions =
            [
                Condition(ImageReady, "Cached", "image bench-cirros is cached and verified", generation: null, server.Status, now),
                Condition(Spawned, "Converged", $"the domain is defined and {power}", generation, server.Status, now),
            ],
        };
        await _client.ApplyStatusAsync(server, status, FieldManager, cancellationToken);
        Interlocked.Increment(ref _spawned);
        return ReconcileResult.Done;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
        }

        await _informers.DisposeAsync();
        _stop.Dispose();
    }

    private static ObservedPowerState Observed(DesiredPowerState desired) => desired switch
    {
        DesiredPowerState.Stopped => ObservedPowerState.Shutoff,
        DesiredPowerState.Paused => ObservedPowerState.Paused,
        DesiredPowerState.Suspended => ObservedPowerState.Suspended,
        _ => ObservedPowerState.Running,
    };

    // The transition time stays while the status does not change, as Conditions.Set keeps it (that helper also
    // writes status.observedGeneration, which the operator owns, so the node builds its conditions itself).
    private static Condition Condition(string type, string reason, string message, long? generation, ServerStatus? current, DateTimeOffset now) => new()
    {
        Type = type,
        Status = ConditionStatus.True,
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
        LastTransitionTime = Conditions.Find(current, type) is { Status: ConditionStatus.True } kept ? kept.LastTransitionTime : Truncate(now),
    };

    private static DateTimeOffset Truncate(DateTimeOffset now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await HeartbeatAllAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task HeartbeatAllAsync(CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(_hypervisors, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (name, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var hypervisor = new Hypervisor { Metadata = new V1ObjectMeta { Name = name } };
            var status = new HypervisorStatus
            {
                HypervisorType = HypervisorType.Kvm,
                HypervisorVersion = "9.0.0",
                Cpu = new HypervisorCpu { Model = "EPYC-Rome", Vendor = "AMD", Architecture = CpuArchitecture.X8664, Features = ["avx2", "aes"], Sockets = 2, Cores = 32, Threads = 2 },
                Capacity = new HypervisorResources { Vcpus = 128, Memory = Quantity.Parse("512Gi"), Disk = Quantity.Parse("8Ti") },
                TunnelIP = string.Create(CultureInfo.InvariantCulture, $"10.255.{int.Parse(name.AsSpan(3), CultureInfo.InvariantCulture) / 250}.{(int.Parse(name.AsSpan(3), CultureInfo.InvariantCulture) % 250) + 1}"),
                LastHeartbeatTime = Truncate(now),
                Conditions =
                [
                    new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.True, Reason = "NodeDaemonReady", Message = "libvirt answers and KVM is usable", LastTransitionTime = Truncate(now) },
                    new Condition { Type = "LibvirtReachable", Status = ConditionStatus.True, Reason = "Connected", LastTransitionTime = Truncate(now) },
                    new Condition { Type = "KvmUsable", Status = ConditionStatus.True, Reason = "DevKvmOpened", LastTransitionTime = Truncate(now) },
                ],
            };
            await _client.ApplyStatusAsync(hypervisor, status, FieldManager, ct);
        });
}
