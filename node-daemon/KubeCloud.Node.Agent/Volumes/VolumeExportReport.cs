using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Storage;
using ApiIscsiTarget = KubeCloud.Api.V1Alpha1.IscsiTarget;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>
/// The storage node's fields of a Volume's status, and nothing else: <c>capacity</c>, <c>target</c> and the condition
/// <c>Exported</c> (True <see cref="Exported"/>; False <see cref="Creating"/> while it works or waits, any other reason
/// is a failure the operator turns into phase Error). Every report carries all three.
/// </summary>
public static class VolumeExportReport
{
    public const string ExportedCondition = "Exported";

    public const string Exported = "Exported";

    /// <summary>Still working (or waiting for the CHAP Secret): the operator keeps the volume Creating.</summary>
    public const string Creating = "Creating";

    public const string ExportFailed = "ExportFailed";

    /// <summary>The volume exists and is exported.</summary>
    public static VolumeStatus Of(Volume volume, VolumeBacking backing, Storage.IscsiTarget target, string portal, string? note, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(backing);
        ArgumentNullException.ThrowIfNull(target);
        var status = Start(volume);
        status.Capacity = Quantity.FromBytes(backing.SizeBytes);
        status.Target = new ApiIscsiTarget
        {
            Portal = portal,
            Iqn = target.Iqn,
            Lun = target.Lun,
            ChapSecretRef = new LocalObjectReference { Name = VolumeChapSecret.NameOf(volume) },
        };
        var message = $"{backing.VolumeId} exported by tgt as {target.Iqn} LUN {target.Lun} at {portal}";
        Conditions.Set(status, ExportedCondition, ConditionStatus.True, Exported, note is null ? message : $"{message}; {note}", volume.Metadata.Generation, now);
        return Finish(status);
    }

    /// <summary>Not exported (yet): <see cref="Creating"/> while waiting, a failure reason otherwise; what the status held is kept.</summary>
    public static VolumeStatus NotExported(Volume volume, string reason, string message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var status = Start(volume);
        status.Capacity = volume.Status?.Capacity;
        status.Target = volume.Status?.Target;
        Conditions.Set(status, ExportedCondition, ConditionStatus.False, reason, message, volume.Metadata.Generation, now);
        return Finish(status);
    }

    /// <summary>Whether applying <paramref name="next"/> would change any of the node's fields of <paramref name="current"/>.</summary>
    public static bool Differs(VolumeStatus? current, VolumeStatus next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (current is null || current.Capacity?.ToString() != next.Capacity?.ToString()
            || current.Target?.Portal != next.Target?.Portal || current.Target?.Iqn != next.Target?.Iqn || current.Target?.Lun != next.Target?.Lun
            || current.Target?.ChapSecretRef?.Name != next.Target?.ChapSecretRef?.Name)
        {
            return true;
        }

        var a = Conditions.Find(current, ExportedCondition);
        var b = Conditions.Find(next, ExportedCondition);
        return a is null || b is null || a.Status != b.Status || a.Reason != b.Reason || a.Message != b.Message || a.ObservedGeneration != b.ObservedGeneration;
    }

    private static VolumeStatus Start(Volume volume) => new()
    {
        Conditions = Conditions.CopyOf(volume.Status, type => type == ExportedCondition),
    };

    /// <summary><see cref="Conditions.Set"/> records observedGeneration on the status too; that field is the operator's.</summary>
    private static VolumeStatus Finish(VolumeStatus status)
    {
        status.ObservedGeneration = null;
        return status;
    }
}
