namespace KubeCloud.Operator.Volumes;

/// <summary>The outcome of one event: the next state, or the unchanged state and why the event was refused.</summary>
public sealed record VolumeTransition(bool Allowed, VolumeState State, string? Reason)
{
    public static VolumeTransition To(VolumeState state) => new(true, state, null);

    public static VolumeTransition Refuse(VolumeState state, string reason) => new(false, state, reason);
}
