namespace KubeCloud.Operator.Volumes;

/// <summary>A volume's phase as the state machine sees it: the API's phases plus cinder's Reserved.</summary>
public enum VolumeLifecyclePhase
{
    Creating,
    Available,
    /// <summary>A server being built has claimed the volume; attaching has not started (cinder's reserved).</summary>
    Reserved,
    Attaching,
    InUse,
    Detaching,
    Deleting,
    Error,
}

/// <summary>Whether the volume's storage exists: being made, there, being removed, or failed.</summary>
public enum VolumeStage
{
    Creating,
    Ready,
    Deleting,
    Error,
}

/// <summary>Where one server's attachment stands (cinder's attachment status).</summary>
public enum AttachmentProgress
{
    Reserved,
    Attaching,
    Attached,
    Detaching,
}

/// <summary>One server's attachment of the volume.</summary>
public sealed record AttachmentState(string Server, AttachmentProgress Progress);

/// <summary>
/// A volume's state: the stage of its storage, whether it may be attached to several servers, and
/// its attachments. The phase is derived (an attachment in progress shows, then InUse, then Reserved).
/// </summary>
public sealed record VolumeState(VolumeStage Stage, bool Multiattach, IReadOnlyList<AttachmentState> Attachments)
{
    public static VolumeState New(bool multiattach = false) => new(VolumeStage.Creating, multiattach, []);

    public VolumeLifecyclePhase Phase => Stage switch
    {
        VolumeStage.Creating => VolumeLifecyclePhase.Creating,
        VolumeStage.Deleting => VolumeLifecyclePhase.Deleting,
        VolumeStage.Error => VolumeLifecyclePhase.Error,
        _ when Attachments.Any(a => a.Progress == AttachmentProgress.Attaching) => VolumeLifecyclePhase.Attaching,
        _ when Attachments.Any(a => a.Progress == AttachmentProgress.Detaching) => VolumeLifecyclePhase.Detaching,
        _ when Attachments.Any(a => a.Progress == AttachmentProgress.Attached) => VolumeLifecyclePhase.InUse,
        _ when Attachments.Count > 0 => VolumeLifecyclePhase.Reserved,
        _ => VolumeLifecyclePhase.Available,
    };

    public AttachmentState? AttachmentOf(string server) => Attachments.FirstOrDefault(a => a.Server == server);

    internal VolumeState With(string server, AttachmentProgress? progress)
    {
        var rest = Attachments.Where(a => a.Server != server);
        return this with { Attachments = progress is { } p ? [.. rest, new AttachmentState(server, p)] : [.. rest] };
    }
}
