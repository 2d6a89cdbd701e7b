using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>
/// The etcd of the local cluster: objects by resource and namespace/name in memory, one global
/// revision, compare-and-swap writes, and a bounded history of changes that watches start from.
/// Every commit stamps metadata.resourceVersion with the new revision. With an <see cref="IChangeLog"/>
/// (--data-dir) the store starts from what the log replays, and each commit is appended to it (durably)
/// before memory, watches or the caller see it; reads and watches are served from memory.
/// <para>
/// Writers are serialised by a gate of their own, so that reads never wait for a write's fsync; the
/// history window (<c>historySize</c> changes) is the one notion of "too old" for watches and the log.
/// </para>
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Lock _writeGate = new();
    private readonly Dictionary<GroupResource, SortedList<string, StoredObject>> _objects = [];
    private readonly WatchHistory _history;
    private readonly List<Watcher> _watchers = [];
    private readonly IChangeLog? _log;
    private readonly int _logCompactionInterval;
    private long _revision;

    public ObjectStore(int historySize, IChangeLog? log = null)
    {
        _log = log;
        _logCompactionInterval = Math.Max(historySize, 1000);
        _history = new WatchHistory(historySize, log?.CompactedRevision ?? 0);
        _revision = log?.CompactedRevision ?? 0;
        if (log is not null)
        {
            Replay(log);
        }
    }

    /// <summary>Raised after each commit, outside the lock (controllers: GC, namespaces, CRDs).</summary>
    public event Action<StoreEvent>? Committed;

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    public static string KeyOf(string ns, string name) => ns.Length == 0 ? name : $"{ns}/{name}";

    public StoredObject? Get(GroupResource resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource, out var items) && items.TryGetValue(KeyOf(ns, name), out var found) ? found : null;
        }
    }

    /// <summary>The objects of a resource (in one namespace when given), in key order, and the revision they were read at.</summary>
    public (List<StoredObject> Items, long Revision) List(GroupResource resource, string? ns)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(resource, out var items))
            {
                return ([], _revision);
            }

            var list = ns is null or "" ? items.Values.ToList() : items.Values.Where(o => o.Namespace == ns).ToList();
            return (list, _revision);
        }
    }

    /// <summary>
    /// One page of a list, in key order: objects of a namespace (all when empty) from
    /// <paramref name="startKey"/> on that pass <paramref name="filter"/>, at most <paramref name="limit"/>
    /// (0: all), and how many more match after the page.
    /// </summary>
    public (List<StoredObject> Items, long Revision, long Remaining) Page(GroupResource resource, string? ns, string? startKey, int limit, Func<StoredObject, bool>? filter)
    {
        lock (_gate)
        {
            var page = new List<StoredObject>();
            if (!_objects.TryGetValue(resource, out var items))
            {
                return (page, _revision, 0);
            }

            var prefix = string.IsNullOrEmpty(ns) ? "" : ns + "/";
            var from = string.CompareOrdinal(startKey ?? "", prefix) > 0 ? startKey! : prefix;
            var keys = items.Keys;
            var values = items.Values;
            long remaining = 0;
            for (var i = LowerBound(keys, from); i < keys.Count; i++)
            {
                if (prefix.Length > 0 && !keys[i].StartsWith(prefix, StringComparison.Ordinal))
                {
                    break;
                }

                var item = values[i];
                if (filter is not null && !filter(item))
                {
                    continue;
                }

                if (limit <= 0 || page.Count < limit)
                {
                    page.Add(item);
                }
                else
                {
                    remaining++;
                }
            }

            return (page, _revision, remaining);
        }
    }

    /// <summary>Every resource that has objects, for GC and namespace cleanup.</summary>
    public IReadOnlyList<GroupResource> Resources()
    {
        lock (_gate)
        {
            return _objects.Where(o => o.Value.Count > 0).Select(o => o.Key).ToList();
        }
    }

    public StoredObject Create(GroupResource resource, JsonObject obj)
    {
        StoreEvent change;
        lock (_writeGate)
        {
            var (ns, name) = Identity(obj);
            if (Get(resource, ns, name) is not null)
            {
                throw ApiException.AlreadyExists(resource, name);
            }

            change = Commit(StoreEvent.Added, resource, obj, null);
        }

        Committed?.Invoke(change);
        return change.Object;
    }

    /// <summary>Replaces an object if it is still at <paramref name="expectedRevision"/>; 409 Conflict otherwise.</summary>
    public StoredObject Update(GroupResource resource, JsonObject obj, long expectedRevision)
    {
        StoreEvent change;
        lock (_writeGate)
        {
            var (ns, name) = Identity(obj);
            var current = Get(resource, ns, name) ?? throw ApiException.NotFound(resource, name);
            if (current.Revision != expectedRevision)
            {
                throw ApiException.StaleObject(resource, name);
            }

            change = Commit(StoreEvent.Modified, resource, obj, current);
        }

        Committed?.Invoke(change);
        return change.Object;
    }

    /// <summary>Removes an object if it is still at <paramref name="expectedRevision"/> (null: any).</summary>
    public StoredObject Delete(GroupResource resource, string ns, string name, long? expectedRevision)
    {
        StoreEvent change;
        lock (_writeGate)
        {
            var current = Get(resource, ns, name) ?? throw ApiException.NotFound(resource, name);
            if (expectedRevision is { } expected && current.Revision != expected)
            {
                throw ApiException.StaleObject(resource, name);
            }

            change = Commit(StoreEvent.Deleted, resource, current.Copy(), current);
        }

        Committed?.Invoke(change);
        return change.Object;
    }

    /// <summary>
    /// Registers a watcher and returns the events it must see first, atomically: history after
    /// <paramref name="sinceRevision"/>, or (when null) the current objects as ADDED.
    /// Throws 410 Gone when the history no longer reaches back to that revision.
    /// </summary>
    public (List<StoreEvent> Initial, long Revision) Subscribe(Watcher watcher, long? sinceRevision)
    {
        lock (_gate)
        {
            List<StoreEvent> initial;
            if (sinceRevision is { } since)
            {
                initial = _history.Since(since, watcher.Matches)
                    ?? throw ApiException.Gone($"too old resource version: {since} ({_history.CompactedRevision + 1})");
            }
            else
            {
                initial = _objects.TryGetValue(watcher.Resource, out var items)
                    ? items.Values.Select(o => new StoreEvent(StoreEvent.Added, watcher.Resource, o, null)).Where(watcher.Matches).ToList()
                    : [];
            }

            _watchers.Add(watcher);
            return (initial, _revision);
        }
    }

    /// <summary>How many watches of <paramref name="resource"/> (plural, in <paramref name="group"/>; "" for the core group) are open.</summary>
    public int OpenWatches(string group, string resource)
    {
        lock (_gate)
        {
            return _watchers.Count(w => w.Resource == new GroupResource(group, resource));
        }
    }

    public void Unsubscribe(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>Forgets the retained history (in memory and in the log): watches from any earlier revision get 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_writeGate)
        {
            lock (_gate)
            {
                _history.Compact(_revision);
            }

            _log?.Compact(_history.CompactedRevision);
        }
    }

    /// <summary>Every object, for snapshots.</summary>
    public IReadOnlyList<(GroupResource Resource, StoredObject Object)> Dump()
    {
        lock (_gate)
        {
            return _objects.SelectMany(r => r.Value.Values.Select(o => (r.Key, o))).ToList();
        }
    }

    /// <summary>Rebuilds objects and watch history from the log: the compacted state, then the changes after it.</summary>
    private void Replay(IChangeLog log)
    {
        foreach (var (type, resource, stored) in log.Read())
        {
            var items = Items(resource);
            var key = KeyOf(stored.Namespace, stored.Name);
            items.TryGetValue(key, out var previous);
            if (type == StoreEvent.Deleted)
            {
                items.Remove(key);
            }
            else
            {
                items[key] = stored;
            }

            if (stored.Revision > log.CompactedRevision)
            {
                _history.Add(new StoreEvent(type, resource, stored, previous));
            }

            _revision = Math.Max(_revision, stored.Revision);
        }
    }

    private SortedList<string, StoredObject> Items(GroupResource resource) =>
        _objects.TryGetValue(resource, out var items) ? items : _objects[resource] = new SortedList<string, StoredObject>(StringComparer.Ordinal);

    /// <summary>The index of the first key not below <paramref name="key"/>.</summary>
    private static int LowerBound(IList<string> keys, string key)
    {
        var (low, high) = (0, keys.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (string.CompareOrdinal(keys[middle], key) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static (string Namespace, string Name) Identity(JsonObject obj) =>
        ((string?)obj["metadata"]?["namespace"] ?? "", (string?)obj["metadata"]?["name"] ?? "");

    /// <summary>
    /// Stamps the next revision, appends the change to the log (durable from here), then applies it in
    /// memory and publishes it. Called by the one writer holding <see cref="_writeGate"/>: a write the log
    /// refuses changes nothing.
    /// </summary>
    private StoreEvent Commit(string type, GroupResource resource, JsonObject obj, StoredObject? previous)
    {
        var revision = _revision + 1;
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        metadata["resourceVersion"] = revision.ToString();
        var change = new StoreEvent(type, resource, new StoredObject(obj, revision), previous);
        _log?.Append(change);
        lock (_gate)
        {
            var items = Items(resource);
            var key = KeyOf(change.Object.Namespace, change.Object.Name);
            if (type == StoreEvent.Deleted)
            {
                items.Remove(key);
            }
            else
            {
                items[key] = change.Object;
            }

            _revision = revision;
            Publish(change);
        }

        if (_log is not null && _history.CompactedRevision - _log.CompactedRevision >= _logCompactionInterval)
        {
            _log.Compact(_history.CompactedRevision);
        }

        return change;
    }

    private void Publish(StoreEvent change)
    {
        _history.Add(change);
        foreach (var watcher in _watchers)
        {
            if (watcher.Matches(change))
            {
                watcher.Post(change);
            }
        }
    }
}
