using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// A typed client for any kind that carries <see cref="KubernetesEntityAttribute"/>, built-in or custom.
/// The namespace argument is ignored for cluster-scoped kinds; a null namespace on list/watch means all namespaces.
/// </summary>
public interface IKubeClient
{
    /// <summary>The default namespace of the configuration (context or service account).</summary>
    string DefaultNamespace { get; }

    Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<KubeList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<T> CreateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Replaces the object; its <c>metadata.resourceVersion</c> makes this an optimistic-concurrency write (409 when stale).</summary>
    Task<T> UpdateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Replaces the status subresource.</summary>
    Task<T> UpdateStatusAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<T> PatchAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<DeleteResult<T>> DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// Watches until the server ends the stream or <paramref name="cancellationToken"/> fires. ERROR events are thrown
    /// (410 as <see cref="GoneException"/>); a dropped connection ends the enumeration with an exception.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;
}
