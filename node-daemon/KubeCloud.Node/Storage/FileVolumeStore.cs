using KubeCloud.Node.HostFacts;

namespace KubeCloud.Node.Storage;

/// <summary>A sparse file per volume under <c>root</c> (<c>ID.img</c>): the backend when no volume group is configured.</summary>
public sealed class FileVolumeStore(string root) : IVolumeBackingStore
{
    public string Backend => "file";

    public string Root { get; } = root;

    public string PathOf(string volumeId)
    {
        VolumeIds.Validate(volumeId);
        return Path.Combine(Root, volumeId + ".img");
    }

    public async Task<VolumeCreation> CreateAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default)
    {
        VolumeIds.ValidateSize(sizeBytes);
        var path = PathOf(volumeId);
        Directory.CreateDirectory(Root);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.SetLength(sizeBytes); // sparse
            return new VolumeCreation(new VolumeBacking(volumeId, path, sizeBytes), Created: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            var existing = new FileInfo(path).Length;
            return existing == sizeBytes
                ? new VolumeCreation(new VolumeBacking(volumeId, path, existing), Created: false)
                : throw new VolumeBackingException(
                    $"volume {volumeId} already exists as {path} with {existing} bytes; requested {sizeBytes} bytes (create is idempotent only for the same size; extend to grow)");
        }
    }

    public Task<VolumeBacking?> FindAsync(string volumeId, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(PathOf(volumeId));
        return Task.FromResult(info.Exists ? new VolumeBacking(volumeId, info.FullName, info.Length) : null);
    }

    public async Task<VolumeBacking> ExtendAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default)
    {
        VolumeIds.ValidateSize(sizeBytes);
        var path = PathOf(volumeId);
        if (!File.Exists(path))
        {
            throw new VolumeBackingException($"volume {volumeId} does not exist ({path})");
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        if (sizeBytes < file.Length)
        {
            throw new VolumeBackingException($"volume {volumeId} has {file.Length} bytes; extending to {sizeBytes} bytes would shrink it");
        }

        file.SetLength(sizeBytes);
        return new VolumeBacking(volumeId, path, sizeBytes);
    }

    public Task DeleteAsync(string volumeId, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(volumeId));
        return Task.CompletedTask;
    }

    public Task<StorageCapacity> CapacityAsync(CancellationToken cancellationToken = default)
    {
        var (total, free) = HostFactsReader.Disk(Root);
        return Task.FromResult(new StorageCapacity(Backend, Root, total, free));
    }
}
