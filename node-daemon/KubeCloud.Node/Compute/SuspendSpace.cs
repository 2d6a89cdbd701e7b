using KubeCloud.Node.HostFacts;

namespace KubeCloud.Node.Compute;

/// <summary>
/// Whether the node has room to save a guest's memory (libvirt's managed save writes about the guest's RAM plus device
/// state into its save directory). Answers before the save starts, so a node short of disk refuses Suspended and leaves
/// the guest running, instead of failing half-way; saves in flight hold their room until they end, so two suspends
/// cannot both count the same free bytes (the answer to VEP 64's reviewers: the owner learns before, not after).
/// </summary>
public sealed class SuspendSpace(string saveDirectory, Func<string, long>? availableBytes = null)
{
    /// <summary>Device state and the save header beside the guest's RAM; QEMU's own is a few MiB.</summary>
    public const long OverheadBytes = 64L << 20;

    private readonly Func<string, long> _available = availableBytes ?? (path => HostFactsReader.Disk(path).Available);
    private readonly Lock _lock = new();
    private long _reserved;

    public string SaveDirectory { get; } = saveDirectory;

    /// <summary>Reserves room for a guest of <paramref name="memoryBytes"/>; null with the reason when there is none.</summary>
    public Reservation? TryReserve(long memoryBytes, out string? refusal)
    {
        var needed = memoryBytes + OverheadBytes;
        lock (_lock)
        {
            var free = _available(SaveDirectory) - _reserved;
            if (free < needed)
            {
                refusal = $"suspending needs {Mebibytes(needed)} MiB free in {SaveDirectory} for the guest's memory, and {Mebibytes(Math.Max(0, free))} MiB are free" +
                          (_reserved > 0 ? $" ({Mebibytes(_reserved)} MiB held by saves in progress)" : "");
                return null;
            }

            _reserved += needed;
            refusal = null;
            return new Reservation(this, needed);
        }
    }

    private static long Mebibytes(long bytes) => bytes >> 20;

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _reserved -= bytes;
        }
    }

    /// <summary>Room held for one save; dispose it when the save has ended (either way).</summary>
    public sealed class Reservation : IDisposable
    {
        private readonly SuspendSpace _owner;
        private long _bytes;

        internal Reservation(SuspendSpace owner, long bytes)
        {
            _owner = owner;
            _bytes = bytes;
        }

        public void Dispose() => _owner.Release(Interlocked.Exchange(ref _bytes, 0));
    }
}
