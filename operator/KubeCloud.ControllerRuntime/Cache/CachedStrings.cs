using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// Replaces the strings that many objects of a cache repeat with one pooled instance each (<see cref="StringPool"/>):
/// apiVersion and kind, metadata's namespace, label keys and values, annotation keys, finalizers, owner references'
/// apiVersion and kind, and the status conditions' type, reason and message of KubeCloud kinds; a Server's flavor,
/// image, node and flavor name. Names, uids and resourceVersions are each object's own and are left alone. Changes the object in place; run it on an object just
/// deserialized, before anything else holds it.
/// </summary>
public static class CachedStrings
{
    public static void Intern<T>(T obj, StringPool pool)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(pool);
        obj.ApiVersion = pool.Intern(obj.ApiVersion);
        obj.Kind = pool.Intern(obj.Kind);
        if (obj.Metadata is { } metadata)
        {
            Intern(metadata, pool);
        }

        if (obj is Server server)
        {
            Intern(server, pool);
        }

        if (obj is IHasStatusConditions { StatusConditions: { Conditions: { } conditions } })
        {
            foreach (var condition in conditions)
            {
                condition.Type = pool.Intern(condition.Type)!;
                condition.Reason = pool.Intern(condition.Reason)!;
                condition.Message = pool.Intern(condition.Message);
            }
        }
    }

    /// <summary>A Server's references and placement: its flavor, image and boot volume, its node, its flavor's name.</summary>
    private static void Intern(Server server, StringPool pool)
    {
        if (server.Spec is { } spec)
        {
            spec.FlavorRef.Name = pool.Intern(spec.FlavorRef.Name)!;
            if (spec.ImageRef is { } image)
            {
                image.Name = pool.Intern(image.Name)!;
                image.Namespace = pool.Intern(image.Namespace);
            }
        }

        if (server.Status is { } status)
        {
            status.Node = pool.Intern(status.Node);
            if (status.Flavor is { } flavor)
            {
                flavor.Name = pool.Intern(flavor.Name)!;
            }

            if (status.Resize is { } resize)
            {
                resize.SourceNode = pool.Intern(resize.SourceNode)!;
                resize.OldFlavor.Name = pool.Intern(resize.OldFlavor.Name)!;
            }
        }
    }

    private static void Intern(V1ObjectMeta metadata, StringPool pool)
    {
        metadata.NamespaceProperty = pool.Intern(metadata.NamespaceProperty);
        metadata.GenerateName = pool.Intern(metadata.GenerateName);
        if (metadata.Labels is { Count: > 0 } labels)
        {
            var pooled = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
            foreach (var (key, value) in labels)
            {
                pooled[pool.Intern(key)!] = pool.Intern(value)!;
            }

            metadata.Labels = pooled;
        }

        if (metadata.Annotations is { Count: > 0 } annotations)
        {
            var pooled = new Dictionary<string, string>(annotations.Count, StringComparer.Ordinal);
            foreach (var (key, value) in annotations)
            {
                pooled[pool.Intern(key)!] = value;
            }

            metadata.Annotations = pooled;
        }

        if (metadata.Finalizers is { Count: > 0 } finalizers)
        {
            for (var i = 0; i < finalizers.Count; i++)
            {
                finalizers[i] = pool.Intern(finalizers[i])!;
            }
        }

        if (metadata.OwnerReferences is { Count: > 0 } owners)
        {
            foreach (var owner in owners)
            {
                owner.ApiVersion = pool.Intern(owner.ApiVersion);
                owner.Kind = pool.Intern(owner.Kind);
            }
        }
    }
}
