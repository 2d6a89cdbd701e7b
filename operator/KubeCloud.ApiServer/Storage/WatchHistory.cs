namespace KubeCloud.ApiServer.Storage;

/// <summary>The last N changes; a watch can resume from any revision not older than the oldest kept.</summary>
internal sealed class WatchHistory
{
    private readonly int _capacity;
    private readonly LinkedList<StoreEvent> _events = new();

    public WatchHistory(int capacity, long compactedRevision)
    {
        _capacity = Math.Max(1, capacity);
        CompactedRevision = compactedRevision;
    }

    /// <summary>Changes at or below this revision are no longer kept.</summary>
    public long CompactedRevision { get; private set; }

    public void Add(StoreEvent change)
    {
        _events.AddLast(change);
        while (_events.Count > _capacity)
        {
            CompactedRevision = _events.First!.Value.Revision;
            _events.RemoveFirst();
        }
    }

    public void Compact(long revision)
    {
        _events.Clear();
        CompactedRevision = revision;
    }

    /// <summary>The matching changes after <paramref name="revision"/>, or null when they are no longer all kept.</summary>
    public List<StoreEvent>? Since(long revision, Func<StoreEvent, bool> filter)
    {
        if (revision < CompactedRevision)
        {
            return null;
        }

        var result = new List<StoreEvent>();
        for (var node = _events.Last; node is not null && node.Value.Revision > revision; node = node.Previous)
        {
            if (filter(node.Value))
            {
                result.Add(node.Value);
            }
        }

        result.Reverse();
        return result;
    }
}
