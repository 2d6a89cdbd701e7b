namespace KubeCloud.Operator.Volumes;

/// <summary>
/// Cinder's volume and attachment state machine as one pure function: a single attachment unless
/// the volume is multiattach, deletion refused while any server holds it, each refusal a reason a
/// user can read. Repeating an event that already happened is allowed and changes nothing, so a
/// level-triggered controller can replay it after a restart.
/// </summary>
public static class VolumeStateMachine
{
    public static VolumeTransition Apply(VolumeState state, VolumeEvent change)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(change);
        if (state.Stage == VolumeStage.Deleting && change is not (VolumeEvent.Delete or VolumeEvent.DeleteFailed))
        {
            return VolumeTransition.Refuse(state, "the volume is being deleted");
        }

        return change switch
        {
            VolumeEvent.Created => state.Stage switch
            {
                VolumeStage.Creating or VolumeStage.Error when state.Attachments.Count == 0 => VolumeTransition.To(state with { Stage = VolumeStage.Ready }),
                VolumeStage.Ready => VolumeTransition.To(state),
                _ => VolumeTransition.Refuse(state, $"the volume is {state.Phase}; only a volume being created can finish creation"),
            },
            VolumeEvent.CreateFailed => state.Stage == VolumeStage.Creating
                ? VolumeTransition.To(state with { Stage = VolumeStage.Error })
                : VolumeTransition.Refuse(state, $"the volume is {state.Phase}, not being created"),
            VolumeEvent.Reserve reserve => Reserve(state, reserve.Server),
            VolumeEvent.Unreserve unreserve => state.AttachmentOf(unreserve.Server)?.Progress switch
            {
                null => VolumeTransition.To(state),
                AttachmentProgress.Reserved => VolumeTransition.To(state.With(unreserve.Server, null)),
                var progress => VolumeTransition.Refuse(state, $"server {unreserve.Server} is {Describe(progress.Value)} the volume; detach it instead"),
            },
            VolumeEvent.BeginAttach attach => state.AttachmentOf(attach.Server)?.Progress switch
            {
                AttachmentProgress.Reserved when state.Stage == VolumeStage.Ready => VolumeTransition.To(state.With(attach.Server, AttachmentProgress.Attaching)),
                AttachmentProgress.Attaching or AttachmentProgress.Attached => VolumeTransition.To(state),
                AttachmentProgress.Detaching => VolumeTransition.Refuse(state, $"server {attach.Server} is detaching the volume; attach again once it is detached"),
                null => VolumeTransition.Refuse(state, $"server {attach.Server} has not reserved the volume"),
                _ => VolumeTransition.Refuse(state, $"the volume is {state.Phase}"),
            },
            VolumeEvent.Attached attached => state.AttachmentOf(attached.Server)?.Progress switch
            {
                AttachmentProgress.Attaching => VolumeTransition.To(state.With(attached.Server, AttachmentProgress.Attached)),
                AttachmentProgress.Attached => VolumeTransition.To(state),
                _ => VolumeTransition.Refuse(state, $"server {attached.Server} is not attaching the volume"),
            },
            VolumeEvent.AttachFailed failed => state.AttachmentOf(failed.Server)?.Progress switch
            {
                AttachmentProgress.Attaching or AttachmentProgress.Reserved => VolumeTransition.To(state.With(failed.Server, null)),
                null => VolumeTransition.To(state),
                _ => VolumeTransition.Refuse(state, $"server {failed.Server} is not attaching the volume"),
            },
            VolumeEvent.BeginDetach detach => state.AttachmentOf(detach.Server)?.Progress switch
            {
                null or AttachmentProgress.Detaching => VolumeTransition.To(state),
                AttachmentProgress.Reserved => VolumeTransition.To(state.With(detach.Server, null)),
                AttachmentProgress.Attached => VolumeTransition.To(state.With(detach.Server, AttachmentProgress.Detaching)),
                _ => VolumeTransition.Refuse(state, $"server {detach.Server} is still attaching the volume; detach once it is attached"),
            },
            VolumeEvent.Detached detached => state.AttachmentOf(detached.Server)?.Progress switch
            {
                null => VolumeTransition.To(state),
                AttachmentProgress.Detaching => VolumeTransition.To(state.With(detached.Server, null)),
                var progress => VolumeTransition.Refuse(state, $"server {detached.Server} is {Describe(progress.Value)} the volume, not detaching it"),
            },
            VolumeEvent.Delete => Delete(state),
            VolumeEvent.DeleteFailed => state.Stage == VolumeStage.Deleting
                ? VolumeTransition.To(state with { Stage = VolumeStage.Error })
                : VolumeTransition.Refuse(state, $"the volume is {state.Phase}, not being deleted"),
            _ => VolumeTransition.Refuse(state, $"unknown event {change.GetType().Name}"),
        };
    }

    private static VolumeTransition Reserve(VolumeState state, string server)
    {
        if (state.Stage != VolumeStage.Ready)
        {
            return VolumeTransition.Refuse(state, state.Stage == VolumeStage.Creating
                ? "the volume is still being created; it can be attached once Available"
                : $"the volume is {state.Phase}; it cannot be attached");
        }

        if (state.AttachmentOf(server) is not null)
        {
            return VolumeTransition.To(state);
        }

        if (state.Attachments.Count > 0 && !state.Multiattach)
        {
            return VolumeTransition.Refuse(state, $"the volume is in use by server {state.Attachments[0].Server} and is not multiattach");
        }

        return VolumeTransition.To(state.With(server, AttachmentProgress.Reserved));
    }

    private static VolumeTransition Delete(VolumeState state)
    {
        if (state.Stage == VolumeStage.Deleting)
        {
            return VolumeTransition.To(state);
        }

        if (state.Attachments.Count > 0)
        {
            return VolumeTransition.Refuse(state, $"the volume is attached to server(s) {string.Join(", ", state.Attachments.Select(a => a.Server))}; detach it first");
        }

        return state.Stage == VolumeStage.Creating
            ? VolumeTransition.Refuse(state, "the volume is still being created; it can be deleted once Available or in Error")
            : VolumeTransition.To(state with { Stage = VolumeStage.Deleting });
    }

    private static string Describe(AttachmentProgress progress) => progress switch
    {
        AttachmentProgress.Reserved => "holding a reservation on",
        AttachmentProgress.Attaching => "attaching",
        AttachmentProgress.Attached => "attached to",
        _ => "detaching",
    };
}
