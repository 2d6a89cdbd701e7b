using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>A server that lists a volume and was refused it, with the state machine's reason.</summary>
public sealed record RefusedAttachment(Server Server, string Reason);

/// <summary>
/// One level-triggered pass of the attachment side of <see cref="VolumeStateMachine"/>: the volume's attachments
/// brought in line with the Servers (README "Who writes what", Volumes). A server that lists the volume reserves it
/// (Reserved); once it has <c>status.node</c> it is Attaching; once its <c>Spawned</c> condition is True for a
/// generation that lists the volume, it is attached (InUse, <c>attachedAt</c>). A server that stops listing it, or is
/// deleted, drops a reservation at once and is Detaching otherwise, until its <c>Spawned</c> is True for a generation
/// without the volume, or the node has cleaned up (the server is gone, or being deleted without the node's finalizer).
/// Every event is replayed on every pass; the state machine ignores what already happened.
/// </summary>
public sealed record AttachmentPass(VolumeState State, IReadOnlyList<VolumeAttachment> Attachments, IReadOnlyList<RefusedAttachment> Refused)
{
    /// <param name="volume">The volume as cached.</param>
    /// <param name="state">Its state so far (storage stage already brought up to date).</param>
    /// <param name="serverOf">A server of the volume's namespace by name, from the cache (null when gone).</param>
    /// <param name="listing">The servers that list the volume (an index lookup).</param>
    /// <param name="reserveNew">False while the volume is being deleted: no new server may claim it.</param>
    /// <param name="now">Time for new <c>attachedAt</c>s.</param>
    public static AttachmentPass Run(Volume volume, VolumeState state, Func<string, Server?> serverOf, IEnumerable<Server> listing, bool reserveNew, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(serverOf);
        ArgumentNullException.ThrowIfNull(listing);
        var name = volume.Metadata.Name;
        foreach (var held in state.Attachments.ToList())
        {
            var server = serverOf(held.Server);
            state = Wants(server, name) ? Advance(state, server!) : Release(state, held, server);
        }

        var refused = new List<RefusedAttachment>();
        if (reserveNew)
        {
            var newcomers = listing
                .Where(s => state.AttachmentOf(s.Metadata.Name) is null && Wants(s, name))
                .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue)
                .ThenBy(s => s.Metadata.Name, StringComparer.Ordinal);
            foreach (var server in newcomers)
            {
                var reserve = VolumeStateMachine.Apply(state, new VolumeEvent.Reserve(server.Metadata.Name));
                if (reserve.Allowed)
                {
                    state = Advance(reserve.State, server);
                }
                else if (state.Stage == VolumeStage.Ready)
                {
                    // Refused because another server holds it; a volume still being created is simply waited for.
                    refused.Add(new RefusedAttachment(server, reserve.Reason!));
                }
            }
        }

        var previous = (volume.Status?.Attachments ?? []).ToDictionary(a => a.Server, StringComparer.Ordinal);
        var attachments = state.Attachments
            .OrderBy(a => a.Server, StringComparer.Ordinal)
            .Select(a => Entry(a, previous.GetValueOrDefault(a.Server), serverOf(a.Server), name, now))
            .ToList();
        return new AttachmentPass(state, attachments, refused);
    }

    private static bool Wants(Server? server, string volume) =>
        server is not null && server.Metadata.DeletionTimestamp is null && ServerVolumes.Lists(server, volume);

    /// <summary>A server that wants the volume: attaching once it has a node, attached once its node converged on a generation listing it.</summary>
    private static VolumeState Advance(VolumeState state, Server server)
    {
        var name = server.Metadata.Name;
        if (server.Status?.Node is { Length: > 0 })
        {
            state = Step(state, new VolumeEvent.BeginAttach(name));
        }

        return SpawnedForCurrentGeneration(server) ? Step(state, new VolumeEvent.Attached(name)) : state;
    }

    /// <summary>A server that no longer wants the volume: a reservation goes at once, anything else once the node let go.</summary>
    private static VolumeState Release(VolumeState state, AttachmentState held, Server? server)
    {
        var letGo = server is null || (server.Metadata.DeletionTimestamp is null
            ? SpawnedForCurrentGeneration(server)
            : server.Metadata.Finalizers?.Contains(VolumeConditions.NodeCleanupFinalizer) != true);
        return held.Progress switch
        {
            AttachmentProgress.Reserved => Step(state, new VolumeEvent.Unreserve(held.Server)),
            AttachmentProgress.Attaching => letGo ? Step(state, new VolumeEvent.AttachFailed(held.Server)) : state,
            _ => letGo
                ? Step(Step(state, new VolumeEvent.BeginDetach(held.Server)), new VolumeEvent.Detached(held.Server))
                : Step(state, new VolumeEvent.BeginDetach(held.Server)),
        };
    }

    private static bool SpawnedForCurrentGeneration(Server server) =>
        Conditions.IsTrueFor(server.Status, VolumeConditions.Spawned, server.Metadata.Generation);

    private static VolumeState Step(VolumeState state, VolumeEvent change) =>
        VolumeStateMachine.Apply(state, change) is { Allowed: true } next ? next.State : state;

    private static VolumeAttachment Entry(AttachmentState attachment, VolumeAttachment? previous, Server? server, string volume, DateTimeOffset now) => new()
    {
        Server = attachment.Server,
        Node = attachment.Progress == AttachmentProgress.Reserved ? null : server?.Status?.Node ?? previous?.Node,
        Device = (server is null ? null : ServerVolumes.DeviceOf(server, volume)) ?? previous?.Device,
        AttachedAt = attachment.Progress is AttachmentProgress.Attached or AttachmentProgress.Detaching ? previous?.AttachedAt ?? now : null,
    };
}
