namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// Receives an informer's changes. Calls come from the informer's loop, one at a time and in order: handlers must be
/// quick (a controller's handler only enqueues a key).
/// </summary>
public interface IResourceEventHandler<in T>
{
    void OnAdd(T obj);

    void OnUpdate(T oldObj, T newObj);

    /// <summary>
    /// The object is gone. <paramref name="finalStateUnknown"/> is true when the deletion was noticed on a relist
    /// (the watch missed it): <paramref name="obj"/> is then the last state the cache knew.
    /// </summary>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; omitted ones do nothing.</summary>
public sealed class ResourceEventHandler<T>(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T, bool>? onDelete = null) : IResourceEventHandler<T>
{
    public void OnAdd(T obj) => onAdd?.Invoke(obj);

    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

    public void OnDelete(T obj, bool finalStateUnknown) => onDelete?.Invoke(obj, finalStateUnknown);
}

/// <summary>Factory methods for <see cref="ResourceEventHandler{T}"/>.</summary>
public static class ResourceEventHandler
{
    /// <summary>One action for every kind of change (what a controller wants: "something about this object changed").</summary>
    public static ResourceEventHandler<T> ForAny<T>(Action<T> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        return new(onChange, (_, n) => onChange(n), (o, _) => onChange(o));
    }
}
