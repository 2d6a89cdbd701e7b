using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// The thread-safe in-memory store behind an informer: objects by key plus secondary indexes
/// (always <see cref="NamespaceIndex"/>; add others such as servers by node before the informer starts).
/// Objects handed out are the cached instances: treat them as read-only and copy before changing.
/// </summary>
public sealed class Indexer<T> : IIndexer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public const string NamespaceIndex = "namespace";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexFunctions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indexes = new(StringComparer.Ordinal);

    public Indexer()
    {
        AddIndex(NamespaceIndex, obj => obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? [ns] : []);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> indexFunction)
    {
        ArgumentNullException.ThrowIfNull(indexFunction);
        lock (_gate)
        {
            if (!_indexFunctions.TryAdd(name, indexFunction))
            {
                throw new InvalidOperationException($"The index '{name}' already exists.");
            }

            _indexes[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, obj) in _items)
            {
                Index(name, indexFunction, key, obj);
            }
        }
    }

    public T? Get(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? @namespace, string name) => Get(ObjectKey.Of(@namespace, name));

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<T> ListByNamespace(string @namespace) => ByIndex(NamespaceIndex, @namespace);

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            if (!_indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"There is no index '{indexName}'.", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
        }
    }

    public IReadOnlyList<string> IndexValues(string indexName)
    {
        lock (_gate)
        {
            return _indexes.TryGetValue(indexName, out var index) ? [.. index.Keys] : [];
        }
    }

    /// <summary>Adds or replaces the object; returns the previous one.</summary>
    public T? Upsert(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_gate)
        {
            var old = _items.GetValueOrDefault(key);
            if (old is not null)
            {
                Unindex(key, old);
            }

            _items[key] = obj;
            foreach (var (name, function) in _indexFunctions)
            {
                Index(name, function, key, obj);
            }

            return old;
        }
    }

    /// <summary>Removes the object with this key; returns it, or null when it was not cached.</summary>
    public T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
    }

    /// <summary>Replaces the whole content (a relist) and reports what changed.</summary>
    public ReplaceResult<T> Replace(IEnumerable<T> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var added = new List<T>();
        var updated = new List<(T Old, T New)>();
        var deleted = new List<T>();
        lock (_gate)
        {
            var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var obj in objects)
            {
                fresh[ObjectKey.Of(obj)] = obj;
            }

            foreach (var (key, old) in _items.ToList())
            {
                if (!fresh.ContainsKey(key))
                {
                    Remove(key);
                    deleted.Add(old);
                }
            }

            foreach (var (key, obj) in fresh)
            {
                var old = Upsert(obj);
                if (old is null)
                {
                    added.Add(obj);
                }
                else if (old.Metadata?.ResourceVersion != obj.Metadata?.ResourceVersion)
                {
                    updated.Add((old, obj));
                }
            }
        }

        return new ReplaceResult<T>(added, updated, deleted);
    }

    private void Index(string name, Func<T, IEnumerable<string>> function, string key, T obj)
    {
        var index = _indexes[name];
        foreach (var value in function(obj))
        {
            if (!index.TryGetValue(value, out var keys))
            {
                index[value] = keys = new HashSet<string>(StringComparer.Ordinal);
            }

            keys.Add(key);
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, function) in _indexFunctions)
        {
            var index = _indexes[name];
            foreach (var value in function(obj))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }
    }
}

/// <summary>What a relist changed in the cache.</summary>
public sealed record ReplaceResult<T>(IReadOnlyList<T> Added, IReadOnlyList<(T Old, T New)> Updated, IReadOnlyList<T> Deleted);
