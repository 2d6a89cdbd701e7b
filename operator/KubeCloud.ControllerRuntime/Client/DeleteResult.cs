using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// What a delete returned: the object (still present with a deletionTimestamp while finalizers run,
/// or its last state) or a Status (deleted at once).
/// </summary>
public sealed class DeleteResult<T>
    where T : class
{
    internal DeleteResult(T? obj, V1Status? status)
    {
        Object = obj;
        Status = status;
    }

    /// <summary>The object, when the server returned it.</summary>
    public T? Object { get; }

    /// <summary>The Status, when the server returned one.</summary>
    public V1Status? Status { get; }
}
