using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Objects;

/// <summary>
/// Adds and removes finalizers idempotently: a merge patch of <c>metadata.finalizers</c> under the object's
/// resourceVersion, re-read and retried on conflict, and no write at all when nothing needs to change.
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

            var list = current.Metadata?.Finalizers ?? [];
            List<string> finalizers = add ? [.. list, finalizer] : [.. list.Where(f => f != finalizer)];

            // Only metadata.finalizers, under the resourceVersion it was read at: a cached copy that lacks fields
            // (informers drop managedFields and last-applied-configuration) cannot erase them, as a PUT of it would.
            var patch = new Dictionary<string, object?>
            {
                ["metadata"] = new Dictionary<string, object?> { ["resourceVersion"] = current.Metadata?.ResourceVersion, ["finalizers"] = finalizers },
            };
            try
            {
                return await client.PatchAsync<T>(current.Metadata!.Name!, current.Metadata.NamespaceProperty, KubePatch.Merge(patch), cancellationToken: ct).ConfigureAwait(false);
            }
            catch (NotFoundException) when (!add)
            {
                return current;
            }
        }, cancellationToken: cancellationToken);
    }
}
