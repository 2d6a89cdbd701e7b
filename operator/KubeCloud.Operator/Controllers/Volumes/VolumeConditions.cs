namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>The Volume controller's finalizer, condition types and reasons, and the storage node's names it reads (README "Who writes what").</summary>
public static class VolumeConditions
{
    /// <summary>The operator's finalizer: held while any server holds the volume.</summary>
    public const string Finalizer = "kubecloud.io/volume";

    /// <summary>The storage node daemon's finalizer: held until the volume's storage is removed (the daemon's, never touched here).</summary>
    public const string StorageCleanupFinalizer = "kubecloud.io/storage-cleanup";

    /// <summary>The compute node daemon's finalizer on a Server: held while anything of the server is on the host.</summary>
    public const string NodeCleanupFinalizer = "kubecloud.io/node-cleanup";

    /// <summary>Placed on a storage node (True, <see cref="Placed"/>) or not (False, <see cref="NoValidBackend"/>).</summary>
    public const string Scheduled = "Scheduled";

    /// <summary>The storage node daemon's condition: True once the volume exists and is exported over iSCSI.</summary>
    public const string Exported = "Exported";

    /// <summary>The reason of <see cref="Exported"/> False while the storage node is still making the volume; any other False reason is a failure.</summary>
    public const string ExportInProgress = "Creating";

    /// <summary>The Server daemon's condition that says the domain matches a generation of the spec.</summary>
    public const string Spawned = "Spawned";

    /// <summary>True while a server lists the volume and is refused (not multiattach, held by another server).</summary>
    public const string AttachConflict = "AttachConflict";

    /// <summary>True while the volume is being deleted but cannot go yet (attached, or still being created).</summary>
    public const string DeletionBlocked = "DeletionBlocked";

    public const string Placed = "Placed";
    public const string NoValidBackend = "NoValidBackend";
    public const string Creating = "Creating";
    public const string CreateFailed = "CreateFailed";
    public const string Available = "Available";
    public const string Deleting = "Deleting";
    public const string NotMultiattach = "NotMultiattach";
    public const string NoConflict = "NoConflict";
    public const string InUse = "InUse";
    public const string StillCreating = "StillCreating";
    public const string Unblocked = "Unblocked";
}
