using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Volumes;

/// <summary>What placing one volume needs: its size in GiB, its type and whether it must be thick.</summary>
public sealed record VolumePlacementRequest(string VolumeKey, double SizeGb, string? VolumeType = null, bool Thick = false)
{
    /// <summary>
    /// The request for a Volume: its size rounded up to whole GiB, as cinder counts it. A volume
    /// that grows asks for the difference only (cinder's extend: new_size - size) on its backend.
    /// </summary>
    public static VolumePlacementRequest For(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return new VolumePlacementRequest($"{volume.Metadata.NamespaceProperty}/{volume.Metadata.Name}", volume.Spec.Size.ToGibibytes(), string.IsNullOrEmpty(volume.Spec.VolumeType) ? null : volume.Spec.VolumeType);
    }
}
