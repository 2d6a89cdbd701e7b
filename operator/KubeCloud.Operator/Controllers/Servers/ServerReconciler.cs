using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Quota;
using KubeCloud.Scheduler;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Requests;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// nova-conductor for one Server: references, quota, scheduling (with retries), ports, volumes, then following the
/// node daemon's reports to Active and Ready; power state, reboot and resize as desired state; HostDown; deletion
/// behind <see cref="Finalizer"/>. Level-triggered: every pass recomputes the operator's part of the status from the
/// caches and writes it once (server-side apply of the fields the operator owns, README "Who writes what"). Every
/// provisioning step has a deadline; past it the server is Error, and it recovers when what it waited for arrives.
/// </summary>
public sealed class ServerReconciler : IReconciler<Server>
{
    /// <summary>The controller's name in logs, metrics and <see cref="OperatorSettings.Controllers"/>.</summary>
    public const string ControllerName = "server";

    public const string Finalizer = "kubecloud.io/server";
    public const string NodeCleanupFinalizer = "kubecloud.io/node-cleanup";

    /// <summary>Label on the Ports the operator makes for a Server, naming it.</summary>
    public const string ServerLabel = "kubecloud.io/server";

    /// <summary>Annotation that confirms an open resize (value <c>confirm</c>); a revert is setting flavorRef back.</summary>
    public const string ResizeAnnotation = "kubecloud.io/resize";

    public const string ScheduledCondition = "Scheduled";
    public const string NetworkReadyCondition = "NetworkReady";
    public const string VolumesReadyCondition = "VolumesReady";
    public const string HostDownCondition = "HostDown";

    private static readonly HashSet<string> OwnedConditions = new(StringComparer.Ordinal)
    {
        ScheduledCondition, NetworkReadyCondition, VolumesReadyCondition, HostDownCondition, ConditionTypes.Ready,
    };

    private readonly IKubeClient _client;
    private readonly SharedInformerFactory _informers;
    private readonly IEventRecorder _events;
    private readonly ServerSettings _settings;
    private readonly ServerPlacement _placement;
    private readonly ServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ServerReconciler> _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _resizeReadySince = new(StringComparer.Ordinal);
    private readonly WriteExpectations _writes = new();
    private long _statusWrites;

    public ServerReconciler(IKubeClient client, SharedInformerFactory informers, IEventRecorder events, OperatorSettings settings,
        ServerPlacement placement, ServerMetrics metrics, TimeProvider time, ILogger<ServerReconciler> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _client = client;
        _informers = informers;
        _events = events;
        _settings = settings.Servers;
        _placement = placement;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        ServerIndexes.AddTo(informers);
    }

    /// <summary>How many status writes this replica made (the leader-election tests count them).</summary>
    public long StatusWrites => Interlocked.Read(ref _statusWrites);

    private IIndexer<Server> Servers => _informers.For<Server>().Store;

    private IIndexer<Port> Ports => _informers.For<Port>().Store;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var server = Servers.Get(request.Namespace, request.Name);
        if (server is null)
        {
            return ReconcileResult.Done;
        }

        if (_writes.CacheIsBehind(server))
        {
            // This controller wrote the server after the cached copy: deciding on it would redo (and rewrite) a step
            // already taken. The watch event of that write is on its way and queues the server again.
            return ReconcileResult.Done;
        }

        await _placement.EnsureRebuiltAsync(cancellationToken).ConfigureAwait(false);
        if (server.Metadata.DeletionTimestamp is not null)
        {
            return await DeleteAsync(server, cancellationToken).ConfigureAwait(false);
        }

        var pass = new Pass(server, OwnedStatus(server), _time.GetUtcNow());
        var before = KubernetesJson.Serialize(pass.Status);
        var result = await ConvergeAsync(pass, cancellationToken).ConfigureAwait(false);
        if (await EnsureMetadataAsync(server, pass.Status.Node, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return ReconcileResult.Done;
        }

        await WriteStatusAsync(stored, before, pass.Status, cancellationToken).ConfigureAwait(false);
        Announce(server, pass.Status);
        return result;
    }

    private async Task<ReconcileResult> ConvergeAsync(Pass pass, CancellationToken cancellationToken)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var generation = server.Metadata.Generation;
        var uid = server.Metadata.Uid;
        var report = NodeReport.Read(server);

        // HostDown, and a node that went down before the guest was spawned: the build is retried elsewhere.
        var hostDown = UpdateHostDown(s, generation, now);
        if (hostDown && s.Node is { } downNode && !report.Launched && s.Resize is null)
        {
            _placement.Ledger.Release(uid);
            s.TriedNodes = [.. (s.TriedNodes ?? []).Append(downNode).Distinct(StringComparer.Ordinal)];
            s.Node = null;
            s.Flavor = null;
            Conditions.Remove(s, HostDownCondition);
            Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "Rescheduling",
                $"node {downNode} went down before the server was spawned; scheduling it on another node", generation, now);
            _events.Record(server, EventTypes.Warning, "Rescheduling", "Schedule", $"Node {downNode} went down before the server was spawned; scheduling it again");
            hostDown = false;
        }

        var refs = ServerReferences.Resolve(server, _informers);
        if (s.Node is null)
        {
            if (await ScheduleAsync(pass, refs).ConfigureAwait(false) is { } notPlaced)
            {
                return notPlaced;
            }
        }
        else if (ResizeStep(pass, refs, report) is { } resizing)
        {
            return resizing;
        }

        var (networkReady, networkWait) = await EnsurePortsAsync(pass, cancellationToken).ConfigureAwait(false);
        if (!networkReady)
        {
            return WaitStep(pass, "networking", ServerTaskState.Networking, TransitionOf(s, NetworkReadyCondition), _settings.NetworkingDeadline, networkWait);
        }

        var (volumesReady, volumesWait) = CheckVolumes(pass);
        if (!volumesReady)
        {
            return WaitStep(pass, "block-device-mapping", ServerTaskState.BlockDeviceMapping, TransitionOf(s, VolumesReadyCondition), _settings.BlockDeviceMappingDeadline, volumesWait);
        }

        return FollowNode(pass, report, hostDown);
    }

    // ---- scheduling -------------------------------------------------------------------------------------------

    private Task<ReconcileResult?> ScheduleAsync(Pass pass, ServerReferences refs)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var generation = server.Metadata.Generation;
        var uid = server.Metadata.Uid;
        if (Conditions.Find(s, ScheduledCondition) is not { Status: ConditionStatus.False })
        {
            Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "Scheduling", "looking for a node", generation, now);
        }

        if (!refs.Complete)
        {
            Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "WaitingForReferences", refs.Describe(), generation, now);
            return Task.FromResult<ReconcileResult?>(WaitStep(pass, "scheduling", ServerTaskState.Scheduling, TransitionOf(s, ScheduledCondition), _settings.SchedulingDeadline, refs.Describe()));
        }

        var flavor = refs.Flavor!;
        if (QuotaExceeded(server, flavor) is { Count: > 0 } excess)
        {
            var message = "Quota exceeded: " + string.Join("; ", excess);
            Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "QuotaExceeded", message, generation, now);
            return Task.FromResult<ReconcileResult?>(Fail(pass, 403, message, null, "QuotaExceeded"));
        }

        string node;
        var attempts = s.SchedulingAttempts ?? 0;
        if (_placement.Ledger.AllocationOf(uid) is { } claim)
        {
            // Claimed in an earlier pass whose status write did not land (or before a restart): keep that decision.
            node = claim.Host;
        }
        else
        {
            var max = _settings.MaxSchedulingAttempts;
            if (attempts >= max)
            {
                var message = $"{ScheduleResult.NoValidHost} The retries ran out: {attempts} of {max} scheduling attempts used; the build failed on {string.Join(", ", s.TriedNodes ?? [])}.";
                Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "RetriesExhausted", message, generation, now);
                ServerMetrics.SchedulingAttempts.WithLabels("retries_exhausted").Inc();
                return Task.FromResult<ReconcileResult?>(Fail(pass, 500, message, null, "RetriesExhausted"));
            }

            ScheduleRequest request;
            try
            {
                request = ScheduleRequestFactory.Create(server, flavor, refs.Image, GroupWithMembers(server, refs.Group), _placement.Ledger.NodeResolver(server.Metadata.NamespaceProperty))
                    with
                { TriedNodes = new HashSet<string>(s.TriedNodes ?? [], StringComparer.Ordinal) };
            }
            catch (Exception ex) when (ex is FlavorTooSmallException or JsonQueryException or ArgumentException)
            {
                Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "InvalidRequest", ex.Message, generation, now);
                return Task.FromResult<ReconcileResult?>(Fail(pass, 400, ex.Message, null, "InvalidRequest"));
            }

            var started = Stopwatch.GetTimestamp();
            var hypervisors = _informers.For<Hypervisor>().Store.List();
            var result = _placement.Schedule(request, hypervisors);
            if (!result.Succeeded && result.EmptiedBy == RetryFilter.FilterName)
            {
                // Every host the other filters kept was tried before, and attempts are left: a tried host went down
                // before the spawn (HostDown) and is fit again, since the other filters passed it (ComputeFilter
                // checks Ready). Going back to it beats an Error that would never clear on a one-node cloud.
                result = _placement.Schedule(request with { TriedNodes = new HashSet<string>(StringComparer.Ordinal) }, hypervisors);
            }

            if (!result.Succeeded)
            {
                ServerMetrics.SchedulingDuration.WithLabels("no_valid_host").Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                ServerMetrics.SchedulingAttempts.WithLabels("no_valid_host").Inc();
                var message = $"{result.FaultMessage} The filters left no host (attempt {attempts + 1} of {max}; retried when hosts change).";
                Conditions.Set(s, ScheduledCondition, ConditionStatus.False, "NoValidHost", message, generation, now);
                return Task.FromResult<ReconcileResult?>(Fail(pass, 500, message, result.FaultDetails, "NoValidHost"));
            }

            ServerMetrics.SchedulingDuration.WithLabels("scheduled").Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            ServerMetrics.SchedulingAttempts.WithLabels("scheduled").Inc();
            node = result.HostName!;
            attempts++;
            _logger.LogDebug("{Explanation}", result.Explain());
        }

        s.Node = node;
        s.Flavor = Snapshot(flavor, refs.Image, server.Spec.ImageRef is null);
        s.SchedulingAttempts = Math.Max(attempts, 1);
        s.Fault = null;
        Conditions.Set(s, ScheduledCondition, ConditionStatus.True, "Scheduled",
            $"placed on node {node} (attempt {s.SchedulingAttempts} of {_settings.MaxSchedulingAttempts})", generation, now);
        return Task.FromResult<ReconcileResult?>(null);
    }

    /// <summary>
    /// The quota re-check before scheduling (nova's conductor recheck), deterministic under concurrency: the servers of
    /// the namespace in creation order, and this one must fit after those before it. A server that does not fit waits
    /// in Error and is placed once a limit is raised or an older server goes.
    /// </summary>
    private List<QuotaExcess> QuotaExceeded(Server server, Flavor flavor)
    {
        var ns = server.Metadata.NamespaceProperty;
        var quotas = _informers.For<ProjectQuota>().Store.ListByNamespace(ns);
        if (quotas.Count == 0)
        {
            return [];
        }

        var flavors = _informers.For<Flavor>().Store;
        var before = Servers.ListByNamespace(ns).Where(other => IsOlder(other, server)).ToList();
        var used = ProjectUsageCounter.Count(new ProjectObjects(before, [], [], [], []), name => flavors.Get(null, name));
        var requested = ProjectUsageCounter.Of(server, _ => flavor);
        return [.. quotas.SelectMany(q => QuotaCheck.Exceeded(q.Spec.Hard, used, requested))];
    }

    private static bool IsOlder(Server other, Server server)
    {
        if (other.Metadata.Uid == server.Metadata.Uid)
        {
            return false;
        }

        var a = other.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        var b = server.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        return a != b ? a < b : string.CompareOrdinal(other.Metadata.Name, server.Metadata.Name) < 0;
    }

    /// <summary>The group with its members from the Servers that name it (its status may lag behind its controller).</summary>
    private ServerGroup? GroupWithMembers(Server server, ServerGroup? group)
    {
        if (group is null)
        {
            return null;
        }

        var members = Servers.ByIndex(ServerIndexes.ByGroup, ServerIndexes.Key(server.Metadata.NamespaceProperty, group.Metadata.Name))
            .Select(m => m.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        return new ServerGroup { Metadata = group.Metadata, Spec = group.Spec, Status = new ServerGroupStatus { Members = members } };
    }

    private static FlavorSnapshot Snapshot(Flavor flavor, Image? image, bool bootFromVolume)
    {
        var spec = flavor.Spec;
        // A root disk of 0 takes the image's minDisk (nova), so the snapshot accounts what was claimed.
        var root = !bootFromVolume && spec.RootDisk.IsZero && image?.Spec.MinDisk is { } minDisk ? minDisk : spec.RootDisk;
        return new FlavorSnapshot
        {
            Name = flavor.Metadata.Name ?? string.Empty,
            Vcpus = spec.Vcpus,
            Memory = spec.Memory,
            RootDisk = root,
            EphemeralDisk = spec.EphemeralDisk,
            Swap = spec.Swap,
        };
    }

    // ---- resize -----------------------------------------------------------------------------------------------

    /// <summary>
    /// A new flavorRef on a placed server resizes it: on its node when it fits there, else on another node through the
    /// scheduler; both claims are held (status.resize) until the resize is confirmed (annotation
    /// <c>kubecloud.io/resize: confirm</c>, or the confirm window) or reverted (flavorRef set back to the old flavor).
    /// Returns a result when the pass ends here.
    /// </summary>
    private ReconcileResult? ResizeStep(Pass pass, ServerReferences refs, NodeReport report)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var generation = server.Metadata.Generation;
        var uid = server.Metadata.Uid;
        var wanted = server.Spec.FlavorRef.Name;
        if (s.Resize is { } open)
        {
            if (wanted == open.OldFlavor.Name && s.Flavor?.Name != wanted)
            {
                _placement.Ledger.RevertResize(uid);
                _resizeReadySince.TryRemove(uid, out _);
                _events.Record(server, EventTypes.Normal, "ResizeReverted", "Resize", $"Resize reverted: back to flavor {open.OldFlavor.Name} on node {open.SourceNode}");
                s.Node = open.SourceNode;
                s.Flavor = open.OldFlavor;
                s.Resize = null;
                return null;
            }

            if (report.SpawnedForGeneration && s.Flavor?.Name == wanted)
            {
                var since = _resizeReadySince.GetOrAdd(uid, now);
                var confirmed = NodeReport.ValueOf(server.Metadata.Annotations, ResizeAnnotation) == "confirm";
                var windowPassed = _settings.ResizeConfirmWindow is { } window && now - since >= window;
                if (confirmed || windowPassed)
                {
                    _placement.Ledger.ConfirmResize(uid);
                    _resizeReadySince.TryRemove(uid, out _);
                    _events.Record(server, EventTypes.Normal, "ResizeConfirmed", "Resize",
                        $"Resize to flavor {s.Flavor.Name} confirmed{(confirmed ? string.Empty : " after the confirm window")}; flavor {open.OldFlavor.Name} released on node {open.SourceNode}");
                    s.Resize = null;
                }
                else if (_settings.ResizeConfirmWindow is { } w)
                {
                    pass.RequeueAfter = w - (now - since);
                }
            }

            return null;
        }

        if (s.Flavor is not { } current || wanted == current.Name || !report.Launched)
        {
            return null;
        }

        if (refs.Flavor is not { } flavor)
        {
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "ResizeWaiting", refs.Describe(), generation, now);
            return ReconcileResult.After(_settings.RetryInterval);
        }

        var view = new Server { Metadata = server.Metadata, Spec = server.Spec, Status = s };
        ScheduleRequest request;
        try
        {
            request = ScheduleRequestFactory.ForResize(view, flavor, refs.Image, GroupWithMembers(server, refs.Group), _placement.Ledger.NodeResolver(server.Metadata.NamespaceProperty));
        }
        catch (Exception ex) when (ex is FlavorTooSmallException or JsonQueryException or ArgumentException or InvalidOperationException)
        {
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "ResizeRefused", ex.Message, generation, now);
            _events.Record(server, EventTypes.Warning, "ResizeRefused", "Resize", ex.Message);
            return ReconcileResult.After(_settings.RetryInterval);
        }

        var hypervisors = _informers.For<Hypervisor>().Store.List();
        string target;
        if (_placement.TryResizeInPlace(request, hypervisors) is { } inPlace)
        {
            target = inPlace.Host;
        }
        else
        {
            var result = _placement.Schedule(request, hypervisors);
            if (!result.Succeeded)
            {
                var message = $"Resize to flavor {flavor.Metadata.Name} not possible: node {s.Node} has no room for it and {result.FaultMessage} The server keeps flavor {current.Name}.";
                Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "ResizeNoValidHost", message, generation, now);
                _events.Record(server, EventTypes.Warning, "ResizeNoValidHost", "Resize", message);
                return ReconcileResult.After(_settings.RetryInterval);
            }

            target = result.HostName!;
        }

        _events.Record(server, EventTypes.Normal, "Resizing", "Resize", $"Resizing from flavor {current.Name} on node {s.Node} to flavor {flavor.Metadata.Name} on node {target}");
        s.Resize = new ServerResize { SourceNode = s.Node!, OldFlavor = current };
        s.Node = target;
        s.Flavor = Snapshot(flavor, refs.Image, server.Spec.ImageRef is null);
        return null;
    }

    // ---- networking -------------------------------------------------------------------------------------------

    /// <summary>
    /// One Port per <c>networks[]</c> entry: <c>&lt;server&gt;-&lt;index&gt;</c> made and owned for a networkRef, the given one
    /// for a portRef; ready when every port has its MAC and addresses (written by the Port controller).
    /// </summary>
    private async Task<(bool Ready, string Waiting)> EnsurePortsAsync(Pass pass, CancellationToken cancellationToken)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var ns = server.Metadata.NamespaceProperty;
        var entries = server.Spec.Networks ?? [];
        var waiting = new List<string>();
        var addresses = new List<ServerAddress>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            Port? port;
            if (entry.NetworkRef is { } networkRef)
            {
                var name = PortName(server, i);
                wanted.Add(name);
                port = Ports.Get(ns, name);
                if (port is null)
                {
                    await CreatePortAsync(server, name, networkRef, entry.FixedIP, cancellationToken).ConfigureAwait(false);
                    waiting.Add($"port {name} to be created");
                    continue;
                }

                if (ControllerUid(port) != server.Metadata.Uid)
                {
                    waiting.Add($"port {name} to be free (it belongs to {(ControllerUid(port) is null ? "no server" : "another server of that name, being deleted")})");
                    continue;
                }
            }
            else if (entry.PortRef is { } portRef)
            {
                port = Ports.Get(ns, portRef.Name);
                if (port is null)
                {
                    waiting.Add($"port {portRef.Name} (spec.networks[{i}].portRef)");
                    continue;
                }
            }
            else
            {
                continue;
            }

            if (port.Status is not { MacAddress: { Length: > 0 } mac, FixedIPs: { Count: > 0 } ips })
            {
                waiting.Add($"port {port.Metadata.Name} to get its MAC and addresses");
                continue;
            }

            addresses.AddRange(ips.Select(ip => new ServerAddress { Network = port.Spec.NetworkRef.Name, IPAddress = ip.IPAddress, MacAddress = mac, Port = port.Metadata.Name }));
        }

        // Ports made for entries that left the spec go.
        foreach (var stale in Ports.ByIndex(ServerIndexes.PortsByOwnerUid, server.Metadata.Uid).Where(p => !wanted.Contains(p.Metadata.Name)))
        {
            await DeletePortAsync(stale, cancellationToken).ConfigureAwait(false);
        }

        s.Addresses = addresses.Count > 0 ? addresses : null;
        return StepCondition(pass, NetworkReadyCondition, waiting, "WaitingForPorts", "PortsReady",
            entries.Count == 0 ? "no networks requested" : $"{entries.Count} port(s) with addresses");
    }

    /// <summary>A step's condition: False with what it waits for, or True; returns whether it is done and the wait.</summary>
    private static (bool Ready, string Waiting) StepCondition(Pass pass, string type, List<string> waiting, string waitingReason, string readyReason, string readyMessage)
    {
        var generation = pass.Server.Metadata.Generation;
        if (waiting.Count > 0)
        {
            var message = "waiting for " + string.Join(", ", waiting);
            Conditions.Set(pass.Status, type, ConditionStatus.False, waitingReason, message, generation, pass.Now);
            return (false, message);
        }

        Conditions.Set(pass.Status, type, ConditionStatus.True, readyReason, readyMessage, generation, pass.Now);
        return (true, string.Empty);
    }

    public static string PortName(Server server, int index)
    {
        ArgumentNullException.ThrowIfNull(server);
        return $"{server.Metadata.Name}-{index}";
    }

    private static string? ControllerUid(Port port) => port.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;

    private async Task CreatePortAsync(Server server, string name, NamespacedObjectReference networkRef, string? fixedIP, CancellationToken cancellationToken)
    {
        var port = new Port
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = server.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string> { [ServerLabel] = server.Metadata.Name },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = ApiGroup.GroupVersion, Kind = Server.KubeKind, Name = server.Metadata.Name, Uid = server.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new PortSpec
            {
                NetworkRef = new NamespacedObjectReference { Name = networkRef.Name, Namespace = networkRef.Namespace },
                FixedIPs = fixedIP is null ? null : [new FixedIP { IPAddress = fixedIP }],
            },
        };
        try
        {
            await _client.CreateAsync(port, new WriteOptions { FieldManager = StatusApply.FieldManager }, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
            // Made by an earlier pass the cache has not shown yet.
        }
    }

    private async Task DeletePortAsync(Port port, CancellationToken cancellationToken)
    {
        if (port.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        try
        {
            await _client.DeleteAsync<Port>(port.Metadata.Name, port.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
    }

    // ---- block-device mapping ---------------------------------------------------------------------------------

    /// <summary>Volumes are reserved by the Volume controller from the spec; ready when each has an attachment for this server on its node.</summary>
    private (bool Ready, string Waiting) CheckVolumes(Pass pass)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var ns = server.Metadata.NamespaceProperty;
        var names = ServerIndexes.VolumeNames(server).ToList();
        var volumes = _informers.For<Volume>().Store;
        var waiting = names
            .Where(name => volumes.Get(ns, name)?.Status?.Attachments?.Any(a => a.Server == server.Metadata.Name && a.Node == s.Node) != true)
            .Select(name => $"volume {name} to be attached on node {s.Node}")
            .ToList();
        return StepCondition(pass, VolumesReadyCondition, waiting, "WaitingForAttachment", "Attached",
            names.Count == 0 ? "no volumes requested" : $"{names.Count} volume(s) attached on node {s.Node}");
    }

    // ---- spawning and after -----------------------------------------------------------------------------------

    private ReconcileResult FollowNode(Pass pass, NodeReport report, bool hostDown)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var generation = server.Metadata.Generation;
        if (report.Failed)
        {
            return Fail(pass, 500, $"{report.FailureReason}: {report.FailureMessage}", $"reported by node {s.Node}", report.FailureReason!);
        }

        if (!report.Launched)
        {
            var started = Latest(TransitionOf(s, ScheduledCondition), TransitionOf(s, NetworkReadyCondition), TransitionOf(s, VolumesReadyCondition));
            var image = Conditions.Find(server.Status, NodeReport.ImageReadyCondition);
            var waitingFor = $"waiting for node {s.Node} to report the server spawned (image: {(image is null ? "not reported yet" : $"{image.Reason}")})";
            return WaitStep(pass, "spawning", ServerTaskState.Spawning, started, _settings.SpawningDeadline, waitingFor);
        }

        var desired = server.Spec.PowerState;
        var phase = report.ObservedPhase;
        var task = report.SpawnedForGeneration ? NodeReport.PowerTask(phase, desired) : NodeReport.PowerTask(phase, desired) ?? (s.Resize is not null ? ServerTaskState.Resizing : null);
        if (report.RebootPending)
        {
            task = ServerTaskState.Rebooting;
        }

        if (report.Refusal is { } refusal && task is not null)
        {
            // The node refused to change the guest's state and left it as it was: not an Error.
            task = null;
            _events.Record(server, EventTypes.Warning, "PowerStateRefused", "PowerState", refusal);
        }

        s.Phase = phase;
        s.TaskState = task;
        s.Fault = null;
        var converged = report.SpawnedForGeneration && task is null && phase == NodeReport.PhaseFor(desired);
        if (hostDown)
        {
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, HostDownCondition, Conditions.Find(s, HostDownCondition)?.Message, generation, now);
        }
        else if (converged)
        {
            var message = s.Resize is { } open ? $"resized to flavor {s.Flavor?.Name}; confirm with the annotation {ResizeAnnotation}=confirm or set flavorRef back to {open.OldFlavor.Name} to revert" : null;
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.True, s.Resize is null ? phase.ToString() : "ResizeAwaitingConfirmation", message, generation, now);
        }
        else if (report.Refusal is { } refused)
        {
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "PowerStateRefused", refused, generation, now);
        }
        else
        {
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, task?.ToString() ?? "Converging", $"node {s.Node} is bringing the server to {desired}", generation, now);
        }

        if (phase == ServerPhase.Active)
        {
            _placement.Ledger.MarkBuilt(server.Metadata.Uid);
        }

        return pass.RequeueAfter is { } after && after > TimeSpan.Zero ? ReconcileResult.After(after) : ReconcileResult.Done;
    }

    // ---- shared steps ------------------------------------------------------------------------------------------

    /// <summary>Waiting in a provisioning step: Building (or Scheduling) until its deadline, Error past it naming the step and what it waits for.</summary>
    private ReconcileResult WaitStep(Pass pass, string step, ServerTaskState task, DateTimeOffset started, TimeSpan deadline, string waitingFor)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        var generation = server.Metadata.Generation;
        s.TaskState = task;
        var elapsed = now - started;
        if (elapsed >= deadline)
        {
            var message = $"The {step} step did not finish within {Format(deadline)}: {waitingFor}.";
            SetFault(s, 500, message, $"step {step} started {started:O}", now);
            s.Phase = ServerPhase.Error;
            Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "DeadlineExceeded", message, generation, now);
            return ReconcileResult.After(_settings.RetryInterval);
        }

        s.Phase = task == ServerTaskState.Scheduling ? ServerPhase.Scheduling : ServerPhase.Building;
        s.Fault = null;
        Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, StepReason(task), waitingFor, generation, now);
        var untilDeadline = deadline - elapsed + TimeSpan.FromMilliseconds(50);
        return ReconcileResult.After(untilDeadline < _settings.RetryInterval ? untilDeadline : _settings.RetryInterval);
    }

    private ReconcileResult Fail(Pass pass, int code, string message, string? details, string reason)
    {
        var (server, s, now) = (pass.Server, pass.Status, pass.Now);
        s.Phase = ServerPhase.Error;
        s.TaskState = null;
        SetFault(s, code, message, details, now);
        Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, reason, message, server.Metadata.Generation, now);
        return ReconcileResult.After(_settings.RetryInterval);
    }

    private static void SetFault(ServerStatus s, int code, string message, string? details, DateTimeOffset now)
    {
        var time = s.Fault is { } old && old.Message == message && old.Code == code ? old.Time : TruncateToSeconds(now);
        s.Fault = new ServerFault { Code = code, Message = message, Details = string.IsNullOrEmpty(details) ? null : details, Time = time };
    }

    private static string StepReason(ServerTaskState task) => task switch
    {
        ServerTaskState.Scheduling => "Scheduling",
        ServerTaskState.Networking => "Networking",
        ServerTaskState.BlockDeviceMapping => "BlockDeviceMapping",
        _ => "Spawning",
    };

    private bool UpdateHostDown(ServerStatus s, long? generation, DateTimeOffset now)
    {
        if (s.Node is not { } node)
        {
            Conditions.Remove(s, HostDownCondition);
            return false;
        }

        var hypervisor = _informers.For<Hypervisor>().Store.Get(null, node);
        var ready = Conditions.Find(hypervisor?.Status, ConditionTypes.Ready);
        if (hypervisor is null || ready is not { Status: ConditionStatus.True })
        {
            var why = hypervisor is null ? $"Hypervisor {node} does not exist" : $"Hypervisor {node} is not Ready ({ready?.Reason ?? "no Ready condition"}{(ready?.Message is { } m ? ": " + m : string.Empty)})";
            Conditions.Set(s, HostDownCondition, ConditionStatus.True, hypervisor is null ? "HypervisorGone" : "HypervisorNotReady", why, generation, now);
            return true;
        }

        Conditions.Set(s, HostDownCondition, ConditionStatus.False, "HypervisorReady", $"Hypervisor {node} is Ready", generation, now);
        return false;
    }

    private static DateTimeOffset TransitionOf(ServerStatus s, string type) =>
        Conditions.Find(s, type)?.LastTransitionTime ?? DateTimeOffset.MinValue;

    private static DateTimeOffset Latest(params DateTimeOffset[] times) => times.Max();

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);

    private static string Format(TimeSpan t) => t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMinutes:0.#} min";

    // ---- deletion ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Behind <see cref="Finalizer"/>: waits until the node has cleaned the host (its <see cref="NodeCleanupFinalizer"/>
    /// is gone; the operator takes it off itself when the server is bound to no node), then deletes the ports made for
    /// the server, releases the claim and removes the finalizer.
    /// </summary>
    private async Task<ReconcileResult> DeleteAsync(Server server, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(server, Finalizer))
        {
            return ReconcileResult.Done;
        }

        var now = _time.GetUtcNow();
        var s = OwnedStatus(server);
        var before = KubernetesJson.Serialize(s);
        s.Phase = ServerPhase.Deleting;
        s.TaskState = ServerTaskState.Deleting;
        var waitingForNode = Finalizers.Has(server, NodeCleanupFinalizer);
        if (waitingForNode && NodeCleanupReleasable(server, s) is { } why)
        {
            // No daemon will take the finalizer off (see NodeCleanupReleasable); the node it was on removes what it
            // built by its orphan sweep when it runs again.
            server = await Finalizers.RemoveAsync(_client, server, NodeCleanupFinalizer, cancellationToken).ConfigureAwait(false);
            _events.Record(server, EventTypes.Normal, "NodeCleanupReleased", "Delete",
                $"Finalizer {NodeCleanupFinalizer} removed by the operator: {why}, and the node removes what it built as an orphan");
            waitingForNode = false;
        }

        Conditions.Set(s, ConditionTypes.Ready, ConditionStatus.False, "Deleting",
            waitingForNode ? $"waiting for node {s.Node} to clean up the server (finalizer {NodeCleanupFinalizer})" : "releasing ports and the claim", server.Metadata.Generation, now);
        try
        {
            await WriteStatusAsync(server, before, s, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            _writes.Forget(server.Metadata.Uid);
            return ReconcileResult.Done;
        }

        if (waitingForNode)
        {
            return ReconcileResult.After(_settings.RetryInterval);
        }

        foreach (var port in Ports.ByIndex(ServerIndexes.PortsByOwnerUid, server.Metadata.Uid))
        {
            await DeletePortAsync(port, cancellationToken).ConfigureAwait(false);
        }

        _placement.Ledger.Release(server.Metadata.Uid);
        _resizeReadySince.TryRemove(server.Metadata.Uid, out _);
        _metrics.Forget(server.Metadata.Uid);
        _writes.Forget(server.Metadata.Uid);
        await Finalizers.RemoveAsync(_client, server, Finalizer, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// Why the operator may take the node's cleanup finalizer off a deleted server itself, or null: the server is bound
    /// to no node any more (rescheduled off a node that went down, then no host), or its node is down (not Ready, or its
    /// Hypervisor gone) and never reported anything for it (the operator adds the finalizer with the binding, so a node
    /// that went down before it saw the server would otherwise hold the deletion until it came back).
    /// </summary>
    private string? NodeCleanupReleasable(Server server, ServerStatus s)
    {
        var node = s.Node ?? NodeReport.ValueOf(server.Metadata.Labels, ApiGroup.NodeLabel);
        if (node is null)
        {
            return "the server is bound to no node";
        }

        var status = server.Status;
        var nodeReported = status?.LaunchedAt is not null || status?.PowerState is not null
            || Conditions.Find(status, NodeReport.ImageReadyCondition) is not null || Conditions.Find(status, NodeReport.SpawnedCondition) is not null;
        var hypervisor = _informers.For<Hypervisor>().Store.Get(null, node);
        var down = hypervisor is null || !Conditions.IsTrue(hypervisor.Status, ConditionTypes.Ready);
        return !nodeReported && down ? $"node {node} is down and never reported on the server" : null;
    }

    // ---- writes -----------------------------------------------------------------------------------------------

    /// <summary>A copy of the fields of the status the operator owns (conditions: only its own types).</summary>
    internal static ServerStatus OwnedStatus(Server server)
    {
        var copy = server.Status is null ? new ServerStatus() : KubernetesJson.Deserialize<ServerStatus>(KubernetesJson.Serialize(server.Status));
        copy.PowerState = null;
        copy.HypervisorType = null;
        copy.LaunchedAt = null;
        copy.ObservedRebootRequest = null;
        copy.Conditions = copy.Conditions?.Where(c => OwnedConditions.Contains(c.Type)).ToList();
        return copy;
    }

    /// <summary>
    /// Applies <paramref name="status"/> unless it serializes as <paramref name="before"/> (the owned status the pass
    /// started from): one write per change of step, none for a pass that changed nothing.
    /// </summary>
    private async Task WriteStatusAsync(Server server, string before, ServerStatus status, CancellationToken cancellationToken)
    {
        if (status.Phase is { } phase)
        {
            _metrics.Observe(server.Metadata.Uid, phase);
        }

        if (KubernetesJson.Serialize(status) == before)
        {
            return;
        }

        _writes.Written(await _client.ApplyStatusAsync(server, status, cancellationToken).ConfigureAwait(false));
        Interlocked.Increment(ref _statusWrites);
    }

    /// <summary>
    /// The finalizer and the <c>kubecloud.io/node</c> label in one write (a merge patch under the cached
    /// resourceVersion, re-read on conflict). Returns the server as stored, or null when it is gone or being deleted
    /// without this controller's finalizer (its claim is then released).
    /// </summary>
    private async Task<Server?> EnsureMetadataAsync(Server server, string? node, CancellationToken cancellationToken)
    {
        var first = true;
        try
        {
            return await ConflictRetry.RunAsync(async ct =>
            {
                var current = first ? server : await _client.GetAsync<Server>(server.Metadata.Name, server.Metadata.NamespaceProperty, ct).ConfigureAwait(false);
                first = false;
                var hasFinalizer = Finalizers.Has(current, Finalizer);
                var labelled = NodeReport.ValueOf(current.Metadata.Labels, ApiGroup.NodeLabel) == node;
                if (current.Metadata.Uid != server.Metadata.Uid || (current.Metadata.DeletionTimestamp is not null && !hasFinalizer))
                {
                    ReleaseGone(server);
                    return null;
                }

                // The node's cleanup finalizer goes on with the binding (the label), in the same write: the node daemon
                // would add it before building anything anyway, and one write fewer per server is ~15 % of the API
                // server's work in a burst. Never on an object being deleted (finalizers may then only be removed).
                var nodeFinalizerMissing = node is not null && current.Metadata.DeletionTimestamp is null && !Finalizers.Has(current, NodeCleanupFinalizer);
                if (hasFinalizer && labelled && !nodeFinalizerMissing)
                {
                    return current;
                }

                var metadata = new Dictionary<string, object?> { ["resourceVersion"] = current.Metadata.ResourceVersion };
                if (!hasFinalizer || nodeFinalizerMissing)
                {
                    IEnumerable<string> finalizers = current.Metadata.Finalizers ?? [];
                    finalizers = hasFinalizer ? finalizers : finalizers.Append(Finalizer);
                    finalizers = nodeFinalizerMissing ? finalizers.Append(NodeCleanupFinalizer) : finalizers;
                    metadata["finalizers"] = finalizers.ToList();
                }

                if (!labelled)
                {
                    metadata["labels"] = new Dictionary<string, string?> { [ApiGroup.NodeLabel] = node };
                }

                var stored = await _client.PatchAsync<Server>(server.Metadata.Name, server.Metadata.NamespaceProperty,
                    KubePatch.Merge(new Dictionary<string, object?> { ["metadata"] = metadata }), new PatchOptions { FieldManager = StatusApply.FieldManager }, ct).ConfigureAwait(false);
                _writes.Written(stored);
                return stored;
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            ReleaseGone(server);
            return null;
        }
    }

    /// <summary>A server gone (or going without this controller's finalizer): nothing will release its claim later.</summary>
    private void ReleaseGone(Server server)
    {
        _placement.Ledger.Release(server.Metadata.Uid);
        _writes.Forget(server.Metadata.Uid);
    }

    /// <summary>Events for the transitions a person wants to see (the written status against the cached one).</summary>
    private void Announce(Server server, ServerStatus status)
    {
        var before = server.Status;
        var scheduled = Conditions.Find(status, ScheduledCondition);
        var wasScheduled = Conditions.Find(before, ScheduledCondition);
        if (scheduled is not null && (wasScheduled?.Status != scheduled.Status || wasScheduled.Reason != scheduled.Reason))
        {
            _events.Record(server, scheduled.Status == ConditionStatus.True ? EventTypes.Normal : EventTypes.Warning, scheduled.Reason, "Schedule", scheduled.Message ?? scheduled.Reason);
        }

        if (status.Phase != before?.Phase)
        {
            if (status.Phase == ServerPhase.Error && status.Fault is { } fault)
            {
                _events.Record(server, EventTypes.Warning, "Error", "Build", fault.Message);
            }
            else if (status.Phase == ServerPhase.Active)
            {
                _events.Record(server, EventTypes.Normal, "Active", "Build", $"Server is Active on node {status.Node}");
                if (before?.Phase is null or ServerPhase.Pending or ServerPhase.Scheduling or ServerPhase.Building && server.Metadata.CreationTimestamp is { } created)
                {
                    ServerMetrics.CreationToActive.Observe(Math.Max(0, (_time.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))).TotalSeconds));
                }
            }
        }
    }

    /// <summary>One reconcile's inputs and the status it builds.</summary>
    private sealed class Pass(Server server, ServerStatus status, DateTimeOffset now)
    {
        public Server Server { get; } = server;

        public ServerStatus Status { get; } = status;

        public DateTimeOffset Now { get; } = now;

        public TimeSpan? RequeueAfter { get; set; }

        public void Deconstruct(out Server server, out ServerStatus status, out DateTimeOffset now)
        {
            server = Server;
            status = Status;
            now = Now;
        }
    }
}
