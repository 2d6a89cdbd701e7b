namespace KubeCloud.Node.Images;

/// <summary>
/// What a node's image cache has served since the daemon started, for its metrics: one lookup per server build
/// (<see cref="Hits"/> found the image cached, <see cref="Misses"/> fetched and verified it, <see cref="Failures"/>
/// could not) and the bytes downloaded for the misses. Thread-safe.
/// </summary>
public sealed class ImageCacheStatistics
{
    private long _hits;
    private long _misses;
    private long _failures;
    private long _downloadedBytes;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long Failures => Interlocked.Read(ref _failures);

    public long DownloadedBytes => Interlocked.Read(ref _downloadedBytes);

    public void RecordHit() => Interlocked.Increment(ref _hits);

    public void RecordMiss(long downloadedBytes)
    {
        Interlocked.Increment(ref _misses);
        Interlocked.Add(ref _downloadedBytes, downloadedBytes);
    }

    public void RecordFailure() => Interlocked.Increment(ref _failures);
}

/// <summary>The verified base images a node's cache holds, and their size on disk.</summary>
public readonly record struct ImageCacheUsage(int Images, long Bytes);
