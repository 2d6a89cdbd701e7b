using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Objects;

/// <summary>
/// Adds and removes finalizers idempotently: a read-modify-update with the object's resourceVersion, re-read and
/// retried on conflict, and no write at all when nothing needs to change.
/// </summary>
public static class Finalizers
{
    public static bool Has(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata?.Finalizers?.Contains(finalizer) == true;
    }

    /// <summary>Ensures <paramref name="finalizer"/> is present; returns the object as stored.</summary>
    public static Task<T> AddAsync<T>(IKubeClient client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        ChangeAsync(client, obj, finalizer, add: true, cancellationToken);

    /// <summary>Ensures <paramref name="finalizer"/> is absent; returns the object as stored (or the given one when it is already gone).</summary>
    public static Task<T> RemoveAsync<T>(IKubeClient client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        ChangeAsync(client, obj, finalizer, add: false, cancellationToken);

    private static Task<T> ChangeAsync<T>(IKubeClient client, T obj, string finalizer, bool add, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        var first = true;
        return ConflictRetry.RunAsync(async ct =>
        {
            var current = first ? obj : await client.GetAsync<T>(obj.Metadata!.Name!, obj.Metadata.NamespaceProperty, ct).ConfigureAwait(false);
            first = false;
            if (Has(current, finalizer) == add)
            {
                return current;
            }

            var copy = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(current, KubernetesJsonOptions.TypeInfo<T>()), KubernetesJsonOptions.TypeInfo<T>())!;
            var metadata = copy.Metadata ??= new V1ObjectMeta();
            var list = metadata.Finalizers ??= [];
            if (add)
            {
                list.Add(finalizer);
            }
            else
            {
                metadata.Finalizers = [.. list.Where(f => f != finalizer)];
            }

            try
            {
                return await client.UpdateAsync(copy, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (NotFoundException) when (!add)
            {
                return current;
            }
        }, cancellationToken: cancellationToken);
    }
}
