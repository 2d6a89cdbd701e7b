using KubeCloud.Node.Storage;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>
/// The storage role of a node daemon (cinder-volume with the LVM/iSCSI driver): where volume data lives, and the iSCSI
/// portal the node's targets are reached at (tgtd listens there).
/// </summary>
public sealed record StorageRoleOptions
{
    /// <summary>Sparse files under a directory, or LVs in a volume group.</summary>
    public required VolumeStoreOptions Store { get; init; }

    /// <summary>host:port put into each Volume's <c>status.target.portal</c>; null means the node's tunnel IP, port 3260.</summary>
    public string? Portal { get; init; }

    /// <summary>Over-subscription a thin (file) backend allows, reported as <c>maxOverSubscriptionRatio</c>; null leaves the operator's default.</summary>
    public double? MaxOverSubscriptionRatio { get; init; }

    /// <summary>The backend's name in the Hypervisor's <c>status.storage.backendName</c>: file or lvm.</summary>
    public string BackendName => string.IsNullOrEmpty(Store.VolumeGroup) ? "file" : "lvm";

    /// <summary>Whether volumes are thin (sparse files) or thick (LVs as Cinder's lvm_type=default makes them).</summary>
    public bool ThinProvisioning => string.IsNullOrEmpty(Store.VolumeGroup);

    /// <summary>
    /// Parses the <c>--storage-backend</c> value: <c>file:&lt;directory&gt;</c> (an absolute path) or <c>lvm:&lt;volume group&gt;</c>.
    /// </summary>
    /// <exception cref="FormatException">The value names neither, with the rule it broke.</exception>
    public static StorageRoleOptions Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var (kind, where) = colon < 0 ? (value, "") : (value[..colon], value[(colon + 1)..]);
        return kind switch
        {
            "file" when Path.IsPathFullyQualified(where) => new StorageRoleOptions { Store = new VolumeStoreOptions { Root = where } },
            "file" => throw new FormatException($"file: takes an absolute directory, e.g. file:/var/lib/kubecloud/volumes"),
            "lvm" when where.Length > 0 && !where.Contains('/', StringComparison.Ordinal) => new StorageRoleOptions { Store = new VolumeStoreOptions { VolumeGroup = where } },
            "lvm" => throw new FormatException($"lvm: takes a volume group name, e.g. lvm:cinder-volumes"),
            _ => throw new FormatException($"must be file:<directory> or lvm:<volume group>"),
        };
    }
}
