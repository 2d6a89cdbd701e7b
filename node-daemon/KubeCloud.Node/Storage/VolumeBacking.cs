using System.Text.RegularExpressions;

namespace KubeCloud.Node.Storage;

/// <summary>A volume's data on this node: the file or block device tgt exports, and its size.</summary>
public sealed record VolumeBacking(string VolumeId, string Path, long SizeBytes);

/// <summary>The result of an idempotent create: the volume, and whether this call made it.</summary>
public sealed record VolumeCreation(VolumeBacking Volume, bool Created);

/// <summary>How much space the storage backend has (host facts report it).</summary>
public sealed record StorageCapacity(string Backend, string Location, long TotalBytes, long FreeBytes);

/// <summary>
/// Where volume data lives on a storage node (Cinder's volume driver without the export):
/// sparse files (<see cref="FileVolumeStore"/>) or LVs in a volume group (<see cref="LvmVolumeStore"/>).
/// Every operation is idempotent except that a create with another size is a conflict.
/// </summary>
public interface IVolumeBackingStore
{
    /// <summary>Short backend name: <c>file</c> or <c>lvm</c>.</summary>
    string Backend { get; }

    /// <summary>Creates the volume, or returns it when it exists with the same size; another size is a <see cref="VolumeBackingException"/>.</summary>
    Task<VolumeCreation> CreateAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default);

    /// <summary>The volume if it exists, ready to be opened by its path.</summary>
    Task<VolumeBacking?> FindAsync(string volumeId, CancellationToken cancellationToken = default);

    /// <summary>Grows the volume to <paramref name="sizeBytes"/> (never shrinks). The volume must not be exported while it grows.</summary>
    Task<VolumeBacking> ExtendAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default);

    /// <summary>Deletes the volume's data; nothing to delete is fine.</summary>
    Task DeleteAsync(string volumeId, CancellationToken cancellationToken = default);

    /// <summary>Total and free bytes of the backend.</summary>
    Task<StorageCapacity> CapacityAsync(CancellationToken cancellationToken = default);
}

/// <summary>A volume store refused an operation (conflict, missing volume group, failed command); the message says which and why.</summary>
public sealed class VolumeBackingException : Exception
{
    public VolumeBackingException(string message, Exception? inner) : base(message, inner) { }

    public VolumeBackingException() { }

    public VolumeBackingException(string message) : base(message) { }
}

/// <summary>The rules volume ids follow before they become file names, LV names and IQNs.</summary>
public static partial class VolumeIds
{
    /// <summary>Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters.</summary>
    public static void Validate(string volumeId)
    {
        ArgumentNullException.ThrowIfNull(volumeId);
        if (!Valid().IsMatch(volumeId))
        {
            throw new ArgumentException(
                $"volume id '{volumeId}' is invalid: it must be 1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
                nameof(volumeId));
        }
    }

    internal static void ValidateSize(long sizeBytes)
    {
        if (sizeBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), sizeBytes, "sizeBytes must be positive");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex Valid();
}
