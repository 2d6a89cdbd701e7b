using System.Collections.Concurrent;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;

namespace KubeCloud.Node.Compute;

/// <summary>
/// <see cref="IInstanceFiles"/> that only records what it was asked for: with <see cref="FakeHypervisorDriver"/>, a node
/// daemon that needs no disk, image download or qemu-img, so a scale test runs a hundred of them in one process.
/// An image can be made to fail, to test how its error travels.
/// </summary>
public sealed class InMemoryInstanceFiles : IInstanceFiles
{
    private readonly ConcurrentDictionary<string, byte> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rootDisks = new(StringComparer.Ordinal);

    /// <summary>Images (by sha256) whose fetch fails with this message.</summary>
    public ConcurrentDictionary<string, string> FailingImages { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> CachedImages => [.. _images.Keys];

    /// <summary>Instance directories that exist, with the image each uses.</summary>
    public IReadOnlyDictionary<string, string?> Instances => _instances;

    public ImageCacheStatistics ImageStatistics { get; } = new();

    public Task EnsureImageAsync(ImageSource image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (FailingImages.TryGetValue(image.Sha256, out var message))
        {
            ImageStatistics.RecordFailure();
            throw new ImageCacheException(message);
        }

        if (_images.TryAdd(image.Sha256.ToLowerInvariant(), 0))
        {
            ImageStatistics.RecordMiss(0);
        }
        else
        {
            ImageStatistics.RecordHit();
        }

        return Task.CompletedTask;
    }

    /// <summary>The images "fetched" so far; they take no space.</summary>
    public ImageCacheUsage ImageUsage() => new(_images.Count, 0);

    public async Task EnsureDisksAsync(DomainSpec domain, ImageSource? image, long rootDiskBytes, long ephemeralDiskBytes, NoCloudSeed seed, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (image is not null && !_images.ContainsKey(image.Sha256.ToLowerInvariant()))
        {
            await EnsureImageAsync(image, cancellationToken);
        }

        _instances.TryAdd(Path.GetDirectoryName(domain.SerialLogPath)!, image?.Sha256.ToLowerInvariant());
        if (domain.RootDiskPath is { } root)
        {
            _rootDisks.TryAdd(root, rootDiskBytes);
        }
    }

    /// <summary>Root disks made (by path) with their size.</summary>
    public IReadOnlyDictionary<string, long> RootDisks => _rootDisks;

    public Task<long?> RootDiskBytesAsync(DomainSpec domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Task.FromResult(domain.RootDiskPath is { } root && _rootDisks.TryGetValue(root, out var size) ? size : (long?)null);
    }

    public Task GrowRootDiskAsync(DomainSpec domain, long sizeBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.RootDiskPath is { } root)
        {
            _rootDisks.AddOrUpdate(root, sizeBytes, (_, current) => Math.Max(current, sizeBytes));
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string instanceDirectory, string? imageSha256, string owner, CancellationToken cancellationToken)
    {
        _instances.TryRemove(instanceDirectory, out _);
        foreach (var root in _rootDisks.Keys.Where(k => k.StartsWith(instanceDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            _rootDisks.TryRemove(root, out _);
        }

        if (Directory.Exists(instanceDirectory))
        {
            Directory.Delete(instanceDirectory, recursive: true); // the converger's own markers
        }

        return Task.CompletedTask;
    }
}
