using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Volumes;

/// <summary>The state machine's view of a Volume as its status records it.</summary>
public static class VolumeStates
{
    /// <summary>
    /// The state of <paramref name="volume"/>: the stage from its phase, and an attachment per listed server: attached
    /// when it has attachedAt (detaching when the phase is Detaching), attaching when it names a node, else a
    /// reservation (the server has no node yet).
    /// </summary>
    public static VolumeState FromStatus(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var phase = volume.Status?.Phase ?? VolumePhase.Creating;
        var stage = phase switch
        {
            VolumePhase.Creating => VolumeStage.Creating,
            VolumePhase.Deleting => VolumeStage.Deleting,
            VolumePhase.Error => VolumeStage.Error,
            _ => VolumeStage.Ready,
        };
        var attachments = (volume.Status?.Attachments ?? [])
            .Select(a => new AttachmentState(a.Server, a switch
            {
                { AttachedAt: not null } => phase == VolumePhase.Detaching ? AttachmentProgress.Detaching : AttachmentProgress.Attached,
                { Node.Length: > 0 } => AttachmentProgress.Attaching,
                _ => AttachmentProgress.Reserved,
            }))
            .ToList();
        return new VolumeState(stage, volume.Spec.Multiattach, attachments);
    }
}
