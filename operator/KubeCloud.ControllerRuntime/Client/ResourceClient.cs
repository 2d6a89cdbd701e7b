using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The client narrowed to one kind and one namespace, for code that works on a single resource:
/// <c>var servers = client.Resource&lt;Server&gt;("demo"); await servers.GetAsync("web");</c>.
/// </summary>
public sealed class ResourceClient<T>(IKubeClient client, string? @namespace)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The namespace (null: all namespaces for list and watch, or a cluster-scoped kind).</summary>
    public string? Namespace { get; } = @namespace;

    public Task<T> GetAsync(string name, CancellationToken cancellationToken = default) =>
        client.GetAsync<T>(name, Namespace, cancellationToken);

    public Task<KubeList<T>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default) =>
        client.ListAsync<T>(Namespace, options, cancellationToken);

    public Task<T> CreateAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CreateAsync(InNamespace(obj), options, cancellationToken);

    public Task<T> UpdateAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        client.UpdateAsync(InNamespace(obj), options, cancellationToken);

    public Task<T> UpdateStatusAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        client.UpdateStatusAsync(InNamespace(obj), options, cancellationToken);

    public Task<T> PatchAsync(string name, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default) =>
        client.PatchAsync<T>(name, Namespace, patch, options, cancellationToken);

    public Task<T> PatchStatusAsync(string name, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default) =>
        client.PatchStatusAsync<T>(name, Namespace, patch, options, cancellationToken);

    public Task<DeleteResult<T>> DeleteAsync(string name, DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        client.DeleteAsync<T>(name, Namespace, options, cancellationToken);

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync(WatchOptions? options = null, CancellationToken cancellationToken = default) =>
        client.WatchAsync<T>(Namespace, options, cancellationToken);

    private T InNamespace(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (Namespace is not null && ResourceInfo.Of<T>().Namespaced)
        {
            var metadata = obj.Metadata ??= new V1ObjectMeta();
            metadata.NamespaceProperty ??= Namespace;
        }

        return obj;
    }
}

/// <summary>Narrows an <see cref="IKubeClient"/> to one kind.</summary>
public static class ResourceClientExtensions
{
    public static ResourceClient<T> Resource<T>(this IKubeClient client, string? @namespace = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ResourceClient<T>(client, @namespace);
    }
}
