using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>
/// The durable side of an <see cref="ObjectStore"/>: every commit is appended (and durable) before it is
/// applied in memory, published to watches or acknowledged; at start the store replays it. Changes at or
/// below <see cref="CompactedRevision"/> are kept only as the latest state of each live object.
/// </summary>
public interface IChangeLog : IDisposable
{
    /// <summary>Changes at or below this revision are no longer all kept (watches from there get 410 Gone).</summary>
    long CompactedRevision { get; }

    /// <summary>Every retained change in revision order: the compacted state first, then the history after it.</summary>
    IEnumerable<LoggedChange> Read();

    /// <summary>Appends one change; returns once it is durable.</summary>
    void Append(StoreEvent change);

    /// <summary>Forgets the history at or below <paramref name="revision"/>, keeping the latest state of each live object.</summary>
    void Compact(long revision);
}

/// <summary>One change as the log keeps it: ADDED, MODIFIED or DELETED (the object as it was deleted).</summary>
public sealed record LoggedChange(string Type, GroupResource Resource, StoredObject Object);
