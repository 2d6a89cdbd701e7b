using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Storage;

/// <summary>The node's storage configuration: a volume group makes volumes LVs, otherwise sparse files under <see cref="Root"/>.</summary>
public sealed record VolumeStoreOptions
{
    /// <summary>Directory of the sparse volume files (file backend).</summary>
    public string Root { get; init; } = "/var/lib/kubecloud/volumes";

    /// <summary>When set, volumes are LVs in this volume group (Cinder's <c>volume_group</c>).</summary>
    public string? VolumeGroup { get; init; }

    /// <summary>How LVs are reached; null detects it: device-mapper when the kernel has it, loop devices otherwise.</summary>
    public LvmDeviceAccess? LvmDeviceAccess { get; init; }

    /// <summary>The backing store this configuration selects.</summary>
    public IVolumeBackingStore CreateStore(ICommandRunner run)
        => string.IsNullOrEmpty(VolumeGroup)
            ? new FileVolumeStore(Root)
            : new LvmVolumeStore(run, new LvmOptions
            {
                VolumeGroup = VolumeGroup,
                DeviceAccess = LvmDeviceAccess ?? (LvmOptions.KernelHasDeviceMapper() ? Storage.LvmDeviceAccess.DeviceMapper : Storage.LvmDeviceAccess.Loop),
            });
}
