namespace KubeCloud.Api.V1Alpha1;

/// <summary>
/// The Secret that holds a Volume's iSCSI CHAP credentials (operator/KubeCloud.Operator/README.md, "Who writes what"):
/// the operator makes it in the Volume's namespace, owned by the Volume, once the Volume is placed; the storage node
/// binds it to the volume's target and names it in <c>status.target.chapSecretRef</c>; the compute node reads it by that
/// name to attach. Node daemons only ever <c>get</c> it; it goes with its Volume (garbage collection).
/// </summary>
public static class VolumeChapSecret
{
    /// <summary>The Secret's type.</summary>
    public const string Type = "kubecloud.io/iscsi-chap";

    public const string UsernameKey = "username";

    public const string PasswordKey = "password";

    /// <summary>The label naming the Volume on its Secret.</summary>
    public const string VolumeLabel = "kubecloud.io/volume";

    /// <summary>The Secret's name: <c>&lt;volume&gt;-chap</c>.</summary>
    public static string NameOf(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Metadata.Name + "-chap";
    }
}
