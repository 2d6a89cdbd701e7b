using k8s;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers.Servers;
using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>
/// The Volume controller (cinder-scheduler and cinder-volume's manager): places a volume on a storage node
/// (<see cref="StoragePlacer"/>), follows the storage node's <c>Exported</c> report to Available, drives the
/// attachments from the Servers that list the volume (<see cref="AttachmentPass"/>) and holds deletion while any
/// server holds it (finalizer <c>kubecloud.io/volume</c>). A placed volume gets its CHAP Secret (<see cref="ChapSecretWriter"/>). Writes only the operator's status fields, once per pass and
/// only when they changed.
/// </summary>
public sealed class VolumeReconciler(IKubeClient client, SharedInformerFactory informers, StoragePlacer placer, ChapSecretWriter chapSecrets, IEventRecorder events, TimeProvider time)
    : IReconciler<Volume>
{
    public const string ControllerName = "volume";

    /// <summary>How often a volume with no valid backend is placed again when no Hypervisor changes first.</summary>
    public static readonly TimeSpan NoValidBackendRetry = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> OwnedConditions = new(StringComparer.Ordinal)
    {
        VolumeConditions.Scheduled, ConditionTypes.Ready, VolumeConditions.AttachConflict, VolumeConditions.DeletionBlocked,
    };

    /// <summary>For a Server's change: the volumes it lists and those that record it in their attachments (it may have let one go).</summary>
    public IEnumerable<ReconcileRequest> VolumesOf(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var ns = server.Metadata.NamespaceProperty;
        return ServerIndexes.VolumeNames(server).Select(v => new ReconcileRequest(ns, v))
            .Concat(informers.For<Volume>().Store.ByIndex(VolumeIndexes.VolumesByAttachedServer, $"{ns}/{server.Metadata.Name}").Select(ReconcileRequest.For))
            .Distinct();
    }

    /// <summary>For a Hypervisor's change (capacity, health): the volumes still waiting for a storage node.</summary>
    public IEnumerable<ReconcileRequest> UnplacedVolumes(Hypervisor hypervisor) =>
        informers.For<Volume>().Store.ByIndex(VolumeIndexes.VolumesByBackend, VolumeIndexes.Unplaced).Select(ReconcileRequest.For);

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var volume = informers.For<Volume>().Store.Get(request.Namespace, request.Name);
        if (volume is null)
        {
            placer.Settled(request.Namespace!, request.Name);
            return ReconcileResult.Done;
        }

        var deleting = volume.Metadata.DeletionTimestamp is not null;
        if (!deleting)
        {
            volume = await Finalizers.AddAsync(client, volume, VolumeConditions.Finalizer, cancellationToken).ConfigureAwait(false);
        }

        if (!string.IsNullOrEmpty(volume.Status?.BackendNode))
        {
            placer.Settled(request.Namespace!, request.Name);
        }

        var now = time.GetUtcNow();
        var generation = volume.Metadata.Generation;
        var status = new VolumeStatus { Conditions = CopyOwnedConditions(volume.Status) };
        var state = VolumeStates.FromStatus(volume);
        var result = ReconcileResult.Done;
        string? failure = null;

        // 1. Placement, once (cinder-scheduler).
        var backend = volume.Status?.BackendNode is { Length: > 0 } node ? node : placer.PlacedNode(volume);
        if (backend is null && !deleting)
        {
            var placement = placer.Place(volume, now);
            if (placement.Backend is { } chosen)
            {
                backend = chosen.Name;
                state = state with { Stage = VolumeStage.Creating }; // a volume that waited for room starts its creation now
                events.Record(volume, EventTypes.Normal, VolumeConditions.Placed, "Schedule",
                    $"placed on storage node {backend} (best of: {string.Join(", ", placement.TopBackends.Select(b => $"{b.Host} {b.Weight:0.###}"))})");
            }
            else
            {
                failure = $"{placement.FaultMessage} {placement.FaultDetails}".Trim();
                state = Step(state, new VolumeEvent.CreateFailed(failure));
                if (Conditions.Set(status, VolumeConditions.Scheduled, ConditionStatus.False, VolumeConditions.NoValidBackend, failure, generation, now))
                {
                    events.Record(volume, EventTypes.Warning, VolumeConditions.NoValidBackend, "Schedule", failure);
                }

                result = ReconcileResult.After(NoValidBackendRetry);
            }
        }
        else if (backend is null)
        {
            // Deleted before any storage node held it: nothing outside this object to wait for.
            state = Step(state, new VolumeEvent.CreateFailed("deleted before it was placed"));
        }

        status.BackendNode = backend;
        if (backend is not null)
        {
            // Set on every pass, not only when placing: a pass on a cache that does not show the placement yet must not drop it.
            Conditions.Set(status, VolumeConditions.Scheduled, ConditionStatus.True, VolumeConditions.Placed, $"placed on storage node {backend}", generation, now);
        }

        // 2. Storage: the CHAP Secret the storage node binds to the target (made until the volume is exported), then the node's report.
        if (backend is not null)
        {
            var exported = Conditions.Find(volume.Status, VolumeConditions.Exported);
            if (!deleting && exported?.Status != ConditionStatus.True)
            {
                await chapSecrets.EnsureAsync(volume, cancellationToken).ConfigureAwait(false);
            }

            if (exported?.Status == ConditionStatus.True)
            {
                state = Step(state, new VolumeEvent.Created());
            }
            else if (exported is { Status: ConditionStatus.False } failed && failed.Reason != VolumeConditions.ExportInProgress)
            {
                failure = $"storage node {backend}: {failed.Reason}: {failed.Message}";
                state = Step(state, new VolumeEvent.CreateFailed(failure));
            }
        }

        // 3. Attachments, from the Servers.
        var servers = informers.For<Server>().Store;
        var pass = AttachmentPass.Run(
            volume,
            state,
            name => servers.Get(request.Namespace, name),
            servers.ByIndex(ServerIndexes.ByVolume, ServerIndexes.Key(request.Namespace, request.Name)),
            reserveNew: !deleting,
            now);
        state = pass.State;
        status.Attachments = [.. pass.Attachments];
        RecordAttachConflicts(volume, status, pass.Refused, generation, now);

        // 4. Deletion: refused while any server holds the volume.
        var release = false;
        if (deleting)
        {
            var delete = VolumeStateMachine.Apply(state, new VolumeEvent.Delete());
            if (delete.Allowed)
            {
                state = delete.State;
                release = true;
                if (Conditions.Find(status, VolumeConditions.DeletionBlocked) is not null)
                {
                    Conditions.Set(status, VolumeConditions.DeletionBlocked, ConditionStatus.False, VolumeConditions.Unblocked, null, generation, now);
                }
            }
            else
            {
                var reason = state.Attachments.Count > 0 ? VolumeConditions.InUse : VolumeConditions.StillCreating;
                if (Conditions.Set(status, VolumeConditions.DeletionBlocked, ConditionStatus.True, reason, delete.Reason, generation, now))
                {
                    events.Record(volume, EventTypes.Warning, VolumeConditions.DeletionBlocked, "Delete", delete.Reason!);
                }
            }
        }

        // 5. Phase and Ready, written once.
        status.Phase = PhaseOf(state.Phase);
        status.ObservedGeneration = generation;
        var (ready, readyReason, readyMessage) = state.Stage switch
        {
            VolumeStage.Ready => (ConditionStatus.True, VolumeConditions.Available, $"exported by storage node {backend}"),
            VolumeStage.Creating => (ConditionStatus.False, VolumeConditions.Creating, $"waiting for storage node {backend} to create and export the volume"),
            VolumeStage.Deleting => (ConditionStatus.False, VolumeConditions.Deleting, "the volume is being deleted"),
            _ => (ConditionStatus.False, backend is null ? VolumeConditions.NoValidBackend : VolumeConditions.CreateFailed, failure ?? Conditions.Find(volume.Status, ConditionTypes.Ready)?.Message),
        };
        Conditions.Set(status, ConditionTypes.Ready, ready, readyReason, readyMessage, generation, now);
        if (volume.Status?.Phase != status.Phase)
        {
            events.Record(volume, EventTypes.Normal, status.Phase.ToString()!, "Reconcile", $"phase {volume.Status?.Phase?.ToString() ?? "(none)"} -> {status.Phase}");
        }

        try
        {
            if (Changed(volume.Status, status))
            {
                await client.ApplyStatusAsync(volume, status, cancellationToken).ConfigureAwait(false);
            }

            if (release)
            {
                await Finalizers.RemoveAsync(client, volume, VolumeConditions.Finalizer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NotFoundException)
        {
            return ReconcileResult.Done; // gone meanwhile: nothing is left to hold
        }

        return result;
    }

    private void RecordAttachConflicts(Volume volume, VolumeStatus status, IReadOnlyList<RefusedAttachment> refused, long? generation, DateTimeOffset now)
    {
        if (refused.Count == 0)
        {
            if (Conditions.Find(status, VolumeConditions.AttachConflict) is not null)
            {
                Conditions.Set(status, VolumeConditions.AttachConflict, ConditionStatus.False, VolumeConditions.NoConflict, null, generation, now);
            }

            return;
        }

        var message = string.Join("; ", refused.Select(r => $"server {r.Server.Metadata.Name} is refused: {r.Reason}"));
        if (Conditions.Set(status, VolumeConditions.AttachConflict, ConditionStatus.True, VolumeConditions.NotMultiattach, message, generation, now))
        {
            foreach (var r in refused)
            {
                events.Record(volume, EventTypes.Warning, "AttachRefused", "Attach", $"server {r.Server.Metadata.Name} lists the volume: {r.Reason}");
                events.Record(r.Server, EventTypes.Warning, "VolumeAttachRefused", "Attach", $"volume {volume.Metadata.Name}: {r.Reason}");
            }
        }
    }

    private static VolumeState Step(VolumeState state, VolumeEvent change) =>
        VolumeStateMachine.Apply(state, change) is { Allowed: true } next ? next.State : state;

    private static VolumePhase PhaseOf(VolumeLifecyclePhase phase) => phase switch
    {
        VolumeLifecyclePhase.Creating => VolumePhase.Creating,
        VolumeLifecyclePhase.Available => VolumePhase.Available,
        VolumeLifecyclePhase.Reserved => VolumePhase.Reserved,
        VolumeLifecyclePhase.Attaching => VolumePhase.Attaching,
        VolumeLifecyclePhase.InUse => VolumePhase.InUse,
        VolumeLifecyclePhase.Detaching => VolumePhase.Detaching,
        VolumeLifecyclePhase.Deleting => VolumePhase.Deleting,
        _ => VolumePhase.Error,
    };

    /// <summary>Copies of the conditions the operator owns (the storage node's <c>Exported</c> is left out), so lastTransitionTime carries over.</summary>
    private static List<Condition> CopyOwnedConditions(VolumeStatus? status) => Conditions.CopyOf(status, OwnedConditions.Contains);

    /// <summary>Whether the operator's fields differ from what the cache shows (an apply that changes nothing would still bump the object).</summary>
    private static bool Changed(VolumeStatus? current, VolumeStatus desired)
    {
        var mine = new VolumeStatus
        {
            Phase = current?.Phase,
            BackendNode = current?.BackendNode,
            Attachments = current?.Attachments is { Count: > 0 } a ? a : [],
            ObservedGeneration = current?.ObservedGeneration,
            Conditions = CopyOwnedConditions(current),
        };
        return KubernetesJson.Serialize(mine) != KubernetesJson.Serialize(desired);
    }
}
