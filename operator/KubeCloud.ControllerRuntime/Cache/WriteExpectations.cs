using System.Collections.Concurrent;
using System.Globalization;
using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// The resourceVersions a controller's own writes produced, per object uid (controller-runtime's and client-go's
/// "expectations"): a reconcile that finds the cache behind the controller's last write of that object would decide on
/// a state it has already changed (and write again), so it stops instead; the watch event of that write is still on
/// its way and queues the object again. An entry goes once the cache has caught up, or with <see cref="Forget"/>.
/// resourceVersions are compared as integers (etcd's revisions, and the local API server's); one that is not an
/// integer is never "behind".
/// </summary>
public sealed class WriteExpectations
{
    private readonly ConcurrentDictionary<string, ulong> _written = new(StringComparer.Ordinal);

    /// <summary>Objects written and not yet seen caught up in the cache.</summary>
    public int Count => _written.Count;

    /// <summary>Records <paramref name="stored"/>, the object as a write of this controller returned it.</summary>
    public void Written(IKubernetesObject<V1ObjectMeta> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Metadata?.Uid is not { Length: > 0 } uid || Version(stored) is not { } version)
        {
            return;
        }

        _written.AddOrUpdate(uid, version, (_, old) => Math.Max(old, version));
    }

    /// <summary>True when <paramref name="cached"/> is older than this controller's last write of it.</summary>
    public bool CacheIsBehind(IKubernetesObject<V1ObjectMeta> cached)
    {
        ArgumentNullException.ThrowIfNull(cached);
        if (cached.Metadata?.Uid is not { Length: > 0 } uid || !_written.TryGetValue(uid, out var written))
        {
            return false;
        }

        if (Version(cached) is { } version && version < written)
        {
            return true;
        }

        _written.TryRemove(new KeyValuePair<string, ulong>(uid, written));
        return false;
    }

    /// <summary>Drops what is known about <paramref name="uid"/> (the object is gone).</summary>
    public void Forget(string? uid)
    {
        if (uid is not null)
        {
            _written.TryRemove(uid, out _);
        }
    }

    private static ulong? Version(IKubernetesObject<V1ObjectMeta> obj) =>
        ulong.TryParse(obj.Metadata?.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
