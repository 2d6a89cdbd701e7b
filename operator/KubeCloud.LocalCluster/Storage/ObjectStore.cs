using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Resources;

namespace KubeCloud.LocalCluster.Storage;

/// <summary>
/// The in-memory etcd of the local cluster: objects by resource and namespace/name, one global
/// revision, compare-and-swap writes, and a bounded history of changes that watches start from.
/// Every commit stamps metadata.resourceVersion with the new revision.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<GroupResource, SortedList<string, StoredObject>> _objects = [];
    private readonly WatchHistory _history;
    private readonly List<Watcher> _watchers = [];
    private long _revision;

    public ObjectStore(int historySize, long initialRevision = 0)
    {
        _history = new WatchHistory(historySize, initialRevision);
        _revision = initialRevision;
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
        lock (_gate)
        {
            var (ns, name) = Identity(obj);
            var items = Items(resource);
            var key = KeyOf(ns, name);
            if (items.ContainsKey(key))
            {
                throw ApiException.AlreadyExists(resource, name);
            }

            var stored = Stamp(obj);
            items[key] = stored;
            change = Publish(new StoreEvent(StoreEvent.Added, resource, stored, null));
        }

        Committed?.Invoke(change);
        return change.Object;
    }

    /// <summary>Replaces an object if it is still at <paramref name="expectedRevision"/>; 409 Conflict otherwise.</summary>
    public StoredObject Update(GroupResource resource, JsonObject obj, long expectedRevision)
    {
        StoreEvent change;
        lock (_gate)
        {
            var (ns, name) = Identity(obj);
            var items = Items(resource);
            var key = KeyOf(ns, name);
            if (!items.TryGetValue(key, out var current))
            {
                throw ApiException.NotFound(resource, name);
            }

            if (current.Revision != expectedRevision)
            {
                throw ApiException.StaleObject(resource, name);
            }

            var stored = Stamp(obj);
            items[key] = stored;
            change = Publish(new StoreEvent(StoreEvent.Modified, resource, stored, current));
        }

        Committed?.Invoke(change);
        return change.Object;
    }

    /// <summary>Removes an object if it is still at <paramref name="expectedRevision"/> (null: any).</summary>
    public StoredObject Delete(GroupResource resource, string ns, string name, long? expectedRevision)
    {
        StoreEvent change;
        lock (_gate)
        {
            var items = Items(resource);
            var key = KeyOf(ns, name);
            if (!items.TryGetValue(key, out var current))
            {
                throw ApiException.NotFound(resource, name);
            }

            if (expectedRevision is { } expected && current.Revision != expected)
            {
                throw ApiException.StaleObject(resource, name);
            }

            items.Remove(key);
            var tombstone = Stamp(current.Copy());
            change = Publish(new StoreEvent(StoreEvent.Deleted, resource, tombstone, current));
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

    /// <summary>Forgets the retained history: watches from any earlier revision get 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.Compact(_revision);
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

    /// <summary>Loads a snapshot into an empty store, keeping the objects' revisions.</summary>
    public void Restore(IEnumerable<(GroupResource Resource, JsonObject Object)> objects, long revision)
    {
        lock (_gate)
        {
            foreach (var (resource, obj) in objects)
            {
                var rv = long.TryParse((string?)obj["metadata"]?["resourceVersion"], out var parsed) ? parsed : revision;
                var stored = new StoredObject(obj, rv);
                Items(resource)[KeyOf(stored.Namespace, stored.Name)] = stored;
            }

            _revision = Math.Max(_revision, revision);
            _history.Compact(_revision);
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

    private StoredObject Stamp(JsonObject obj)
    {
        _revision++;
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        metadata["resourceVersion"] = _revision.ToString();
        return new StoredObject(obj, _revision);
    }

    private StoreEvent Publish(StoreEvent change)
    {
        _history.Add(change);
        foreach (var watcher in _watchers)
        {
            if (watcher.Matches(change))
            {
                watcher.Post(change);
            }
        }

        return change;
    }
}
