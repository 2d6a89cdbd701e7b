using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;

namespace KubeCloud.Node.Compute;

/// <summary>
/// The host files of one server (nova's instance directory): the root disk as a copy-on-write overlay on the cached
/// image, the flavor's ephemeral disk, and the cloud-init seed. Each step is idempotent: a file that exists is kept,
/// so a restarted node daemon adopts a running guest's disks instead of recreating them under it.
/// </summary>
public interface IInstanceFiles
{
    /// <summary>Fetches and verifies the image into the cache (a no-op once cached).</summary>
    Task EnsureImageAsync(ImageSource image, CancellationToken cancellationToken);

    /// <summary>The image cache's hits, misses, failures and bytes downloaded since start (one lookup per <see cref="EnsureImageAsync"/>).</summary>
    ImageCacheStatistics ImageStatistics { get; }

    /// <summary>The images cached on this node now, and their size on disk.</summary>
    ImageCacheUsage ImageUsage();

    /// <summary>
    /// Creates the root overlay (from <paramref name="image"/>; none for a server that boots from a volume), the ephemeral
    /// disk and the seed that <paramref name="domain"/> names, where missing.
    /// </summary>
    Task EnsureDisksAsync(DomainSpec domain, ImageSource? image, long rootDiskBytes, long ephemeralDiskBytes, NoCloudSeed seed, string owner, CancellationToken cancellationToken);

    /// <summary>The root disk's virtual size, or null when the server has none (it boots from a volume) or it is not made yet.</summary>
    Task<long?> RootDiskBytesAsync(DomainSpec domain, CancellationToken cancellationToken);

    /// <summary>Grows the root disk to <paramref name="sizeBytes"/> (a resize to a flavor with a bigger root disk; the guest is off). Never shrinks it.</summary>
    Task GrowRootDiskAsync(DomainSpec domain, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>Deletes the instance directory and drops the server's reference on its image.</summary>
    Task RemoveAsync(string instanceDirectory, string? imageSha256, string owner, CancellationToken cancellationToken);
}

/// <summary><see cref="IInstanceFiles"/> on the node's disk, with the image cache, qemu-img and the seed builder.</summary>
public sealed class LocalInstanceFiles(ImageCache images, QemuImg qemuImg, NoCloudSeedBuilder seeds) : IInstanceFiles
{
    public ImageCacheStatistics ImageStatistics => images.Statistics;

    public async Task EnsureImageAsync(ImageSource image, CancellationToken cancellationToken)
        => await images.EnsureAsync(image, cancellationToken);

    public ImageCacheUsage ImageUsage() => images.Usage();

    public async Task EnsureDisksAsync(DomainSpec domain, ImageSource? image, long rootDiskBytes, long ephemeralDiskBytes, NoCloudSeed seed, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.RootDiskPath is { } root && image is not null && !File.Exists(root))
        {
            // Found, not ensured: the pass's image step has fetched it and counted the lookup.
            var cached = await images.FindAsync(image.Sha256.ToLowerInvariant(), cancellationToken) ?? await images.EnsureAsync(image, cancellationToken);
            await images.CreateOverlayAsync(cached, root, rootDiskBytes > 0 ? Math.Max(rootDiskBytes, cached.VirtualSize) : null, owner, cancellationToken);
        }

        if (domain.EphemeralDiskPath is { } ephemeral && !File.Exists(ephemeral))
        {
            await CreateAtomicallyAsync(ephemeral, partial => qemuImg.CreateAsync(partial, "qcow2", ephemeralDiskBytes, cancellationToken));
        }

        if (domain.SeedIsoPath is { } iso && !File.Exists(iso))
        {
            await CreateAtomicallyAsync(iso, partial => seeds.BuildAsync(seed, partial, cancellationToken));
        }
    }

    public Task<long?> RootDiskBytesAsync(DomainSpec domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Task.FromResult(domain.RootDiskPath is { } root ? QemuImg.Qcow2VirtualSize(root) : null);
    }

    public async Task GrowRootDiskAsync(DomainSpec domain, long sizeBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.RootDiskPath is { } root && QemuImg.Qcow2VirtualSize(root) is { } current && current < sizeBytes)
        {
            await qemuImg.ResizeAsync(root, "qcow2", sizeBytes, cancellationToken);
        }
    }

    public Task RemoveAsync(string instanceDirectory, string? imageSha256, string owner, CancellationToken cancellationToken)
    {
        if (Directory.Exists(instanceDirectory))
        {
            Directory.Delete(instanceDirectory, recursive: true);
        }

        if (imageSha256 is not null)
        {
            images.RemoveReference(imageSha256, owner);
        }

        return Task.CompletedTask;
    }

    /// <summary>Writes to a temporary name and renames, so a crash never leaves a half-written file that looks done.</summary>
    private static async Task CreateAtomicallyAsync(string path, Func<string, Task> create)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        File.Delete(partial);
        try
        {
            await create(partial);
            File.Move(partial, path);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
