using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace KubeCloud.Node.Images;

/// <summary>Where an image comes from and how to check it (node-local view of an Image resource).</summary>
public sealed record ImageSource(Uri Url, string Sha256, string? DiskFormat = null)
{
    /// <summary>The largest file the cache accepts.</summary>
    public long MaxBytes { get; init; } = 20L << 30;
}

/// <summary>A verified base image in the cache, one per checksum, shared by all servers using it.</summary>
public sealed record CachedImage(string Sha256, string Path, string Format, long VirtualSize, ImageFetchStats? Fetch);

/// <summary>Figures from fetching an image that was not in the cache yet.</summary>
public sealed record ImageFetchStats(long DownloadedBytes, TimeSpan DownloadTime, bool Resumed, string SourceFormat, TimeSpan ConvertTime, long ConvertedBytes);

/// <summary>Fetching or verifying an image failed; nothing half-made is left in the cache.</summary>
public sealed class ImageCacheException : Exception
{
    public ImageCacheException(string message, Exception? inner = null) : base(message, inner) { }

    public ImageCacheException() { }

    public ImageCacheException(string message) : base(message) { }
}

/// <summary>
/// The node's image cache: downloads over http(s) with resume and a size limit, verifies sha256,
/// detects the format with qemu-img and stores one qcow2 (or raw ISO) base per checksum under
/// <c>root/bases</c>. Servers get qcow2 overlays; each overlay registers a reference
/// (<c>root/bases/SHA.refs/OWNER</c>) so unused bases can be pruned.
/// </summary>
public sealed class ImageCache(string root, HttpClient http, QemuImg qemuImg)
{
    private readonly Dictionary<string, SemaphoreSlim> _locks = [];

    public string BasesDirectory => Path.Combine(root, "bases");

    public string DownloadsDirectory => Path.Combine(root, "downloads");

    /// <summary>Hits, misses, failures and bytes downloaded by <see cref="EnsureAsync"/> (lookups by <see cref="FindAsync"/> are not counted).</summary>
    public ImageCacheStatistics Statistics { get; } = new();

    /// <summary>Returns the cached base for the image, fetching, verifying and converting it first if needed.</summary>
    public async Task<CachedImage> EnsureAsync(ImageSource source, CancellationToken cancellationToken = default)
    {
        try
        {
            var image = await EnsureUncountedAsync(source, cancellationToken);
            if (image.Fetch is { } fetch)
            {
                Statistics.RecordMiss(fetch.DownloadedBytes);
            }
            else
            {
                Statistics.RecordHit();
            }

            return image;
        }
        catch (ImageCacheException)
        {
            Statistics.RecordFailure();
            throw;
        }
    }

    /// <summary>The verified base images in the cache (partial downloads and conversions not counted) and their size on disk.</summary>
    public ImageCacheUsage Usage()
    {
        if (!Directory.Exists(BasesDirectory))
        {
            return default;
        }

        var bases = new DirectoryInfo(BasesDirectory).EnumerateFiles()
            .Where(f => f.Extension is ".qcow2" or ".raw")
            .ToList();
        return new ImageCacheUsage(bases.Count, bases.Sum(f => f.Length));
    }

    private async Task<CachedImage> EnsureUncountedAsync(ImageSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var sha = source.Sha256.ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(Uri.IsHexDigit))
        {
            throw new ImageCacheException($"image {source.Url}: checksum '{source.Sha256}' is not a sha256 hex digest");
        }

        if (source.Url.Scheme is not ("http" or "https"))
        {
            throw new ImageCacheException($"image {source.Url}: only http and https sources are supported");
        }

        var gate = Lock(sha);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await FindAsync(sha, cancellationToken) is { } cached)
            {
                return cached;
            }

            Directory.CreateDirectory(BasesDirectory);
            Directory.CreateDirectory(DownloadsDirectory);
            var part = Path.Combine(DownloadsDirectory, sha + ".part");
            var (bytes, downloadTime, resumed) = await DownloadAsync(source, part, cancellationToken);

            var actual = await HashAsync(part, cancellationToken);
            if (actual != sha)
            {
                File.Delete(part);
                throw new ImageCacheException($"image {source.Url}: sha256 mismatch: expected {sha}, got {actual}; the download was discarded");
            }

            try
            {
                return await InstallAsync(source, sha, part, new ImageFetchStats(bytes, downloadTime, resumed, "", TimeSpan.Zero, 0), cancellationToken);
            }
            finally
            {
                File.Delete(part);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The cached base for a checksum, or null.</summary>
    public async Task<CachedImage?> FindAsync(string sha256, CancellationToken cancellationToken = default)
    {
        foreach (var format in new[] { "qcow2", "raw" })
        {
            var path = BasePath(sha256, format);
            if (File.Exists(path))
            {
                var info = await qemuImg.InfoAsync(path, cancellationToken);
                return new CachedImage(sha256, path, format, info.VirtualSize, null);
            }
        }

        return null;
    }

    /// <summary>Creates the per-server qcow2 overlay (<paramref name="overlayPath"/>) on the base and records <paramref name="owner"/> as a user of it.</summary>
    public async Task CreateOverlayAsync(CachedImage image, string overlayPath, long? sizeBytes, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (sizeBytes is { } size && size < image.VirtualSize)
        {
            throw new ImageCacheException($"overlay {overlayPath}: root disk of {size} bytes is smaller than image {image.Sha256[..12]} ({image.VirtualSize} bytes)");
        }

        AddReference(image.Sha256, owner);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(overlayPath)!);
            await qemuImg.CreateOverlayAsync(image.Path, image.Format, overlayPath, sizeBytes, cancellationToken);
        }
        catch
        {
            File.Delete(overlayPath);
            RemoveReference(image.Sha256, owner);
            throw;
        }
    }

    public void AddReference(string sha256, string owner)
    {
        var dir = RefsDirectory(sha256);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, SafeOwner(owner)), owner);
    }

    public void RemoveReference(string sha256, string owner)
    {
        var file = Path.Combine(RefsDirectory(sha256), SafeOwner(owner));
        File.Delete(file);
    }

    public IReadOnlyList<string> References(string sha256)
    {
        var dir = RefsDirectory(sha256);
        return Directory.Exists(dir) ? [.. Directory.GetFiles(dir).Select(File.ReadAllText).Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>Deletes bases nobody references, and stale partial downloads; returns the checksums removed.</summary>
    public IReadOnlyList<string> Prune()
    {
        var removed = new List<string>();
        if (!Directory.Exists(BasesDirectory))
        {
            return removed;
        }

        foreach (var file in Directory.GetFiles(BasesDirectory))
        {
            var sha = Path.GetFileNameWithoutExtension(file);
            if (References(sha).Count == 0)
            {
                File.Delete(file);
                var refs = RefsDirectory(sha);
                if (Directory.Exists(refs))
                {
                    Directory.Delete(refs, true);
                }

                removed.Add(sha);
            }
        }

        return removed;
    }

    private async Task<CachedImage> InstallAsync(ImageSource source, string sha, string part, ImageFetchStats stats, CancellationToken cancellationToken)
    {
        var info = await qemuImg.InfoAsync(part, cancellationToken);
        if (info.BackingFile is not null)
        {
            throw new ImageCacheException($"image {source.Url}: qcow2 images with a backing file ({info.BackingFile}) are refused");
        }

        var declared = source.DiskFormat?.ToLowerInvariant();
        if (declared is "qcow2" or "raw" && declared != info.Format)
        {
            throw new ImageCacheException($"image {source.Url}: declared disk format {declared} but the file is {info.Format}");
        }

        if (info.Format is not ("qcow2" or "raw"))
        {
            throw new ImageCacheException($"image {source.Url}: unsupported disk format {info.Format}");
        }

        // ISOs stay raw (they are attached as CD-ROMs); disks become qcow2 so overlays share them.
        var targetFormat = declared == "iso" ? "raw" : "qcow2";
        var target = BasePath(sha, targetFormat);
        var temp = target + ".tmp";
        var watch = Stopwatch.StartNew();
        try
        {
            if (info.Format == targetFormat)
            {
                File.Copy(part, temp, overwrite: true);
            }
            else
            {
                await qemuImg.ConvertAsync(part, info.Format, temp, targetFormat, cancellationToken);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return new CachedImage(sha, target, targetFormat, info.VirtualSize,
            stats with { SourceFormat = info.Format, ConvertTime = watch.Elapsed, ConvertedBytes = info.VirtualSize });
    }

    private async Task<(long Bytes, TimeSpan Time, bool Resumed)> DownloadAsync(ImageSource source, string part, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        long existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, source.Url);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ImageCacheException($"image {source.Url}: download failed: {e.Message}", e);
        }

        using (response)
        {
            var resumed = response.StatusCode == HttpStatusCode.PartialContent && existing > 0;
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
            {
                // The partial file is already complete (or the server changed): verify what we have.
                return (existing, watch.Elapsed, true);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ImageCacheException($"image {source.Url}: download failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (!resumed)
            {
                existing = 0;
            }

            var total = existing + (response.Content.Headers.ContentLength ?? 0);
            if (total > source.MaxBytes)
            {
                File.Delete(part);
                throw new ImageCacheException($"image {source.Url}: {total} bytes exceeds the limit of {source.MaxBytes} bytes");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using (var file = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
            {
                var buffer = new byte[1 << 20];
                long written = existing;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    if (written > source.MaxBytes)
                    {
                        file.Close();
                        File.Delete(part);
                        throw new ImageCacheException($"image {source.Url}: larger than the limit of {source.MaxBytes} bytes");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            return (new FileInfo(part).Length - (resumed ? existing : 0), watch.Elapsed, resumed);
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private string BasePath(string sha, string format) => Path.Combine(BasesDirectory, $"{sha}.{format}");

    private string RefsDirectory(string sha) => Path.Combine(BasesDirectory, sha + ".refs");

    private static string SafeOwner(string owner) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(owner)))[..24];

    private SemaphoreSlim Lock(string sha)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(sha, out var gate))
            {
                gate = new SemaphoreSlim(1, 1);
                _locks[sha] = gate;
            }

            return gate;
        }
    }
}
