using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>The informer indexes the Volume controller reads instead of scanning: servers by the volumes they list, volumes by server and by storage node.</summary>
public static class VolumeIndexes
{
    /// <summary>Servers by <c>namespace/volume</c> for each volume they list (<c>spec.volumes[].volumeRef</c> and <c>spec.bootVolumeRef</c>).</summary>
    public const string ServersByVolume = "kubecloud.io/servers-by-volume";

    /// <summary>Volumes by <c>namespace/server</c> for each server in their <c>status.attachments</c>.</summary>
    public const string VolumesByAttachedServer = "kubecloud.io/volumes-by-attached-server";

    /// <summary>Volumes by <c>status.backendNode</c>; volumes not placed yet under <see cref="Unplaced"/>.</summary>
    public const string VolumesByBackend = "kubecloud.io/volumes-by-backend";

    /// <summary>Hypervisors whose node daemon reports a storage backend (<c>status.storage</c>), under <see cref="StorageRole"/>.</summary>
    public const string StorageNodes = "kubecloud.io/storage-nodes";

    /// <summary>The <see cref="VolumesByBackend"/> value of a volume not placed yet (not a valid node name).</summary>
    public const string Unplaced = "<unplaced>";

    public const string StorageRole = "storage";

    public static void AddTo(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        informers.For<Server>().AddIndex(ServersByVolume, server => ServerVolumes.Of(server).Select(v => $"{server.Metadata.NamespaceProperty}/{v}"));
        informers.For<Volume>().AddIndex(VolumesByAttachedServer, volume =>
            (volume.Status?.Attachments ?? []).Select(a => $"{volume.Metadata.NamespaceProperty}/{a.Server}"));
        informers.For<Volume>().AddIndex(VolumesByBackend, volume => [volume.Status?.BackendNode is { Length: > 0 } node ? node : Unplaced]);
        informers.For<Hypervisor>().AddIndex(StorageNodes, hypervisor => [hypervisor.Status?.Storage is null ? null : StorageRole]);
    }
}
