using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>The cache key of an object: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
public static class ObjectKey
{
    public static string Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Of(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? throw new ArgumentException("The object has no name.", nameof(obj)));
    }

    public static string Of(string? @namespace, string name) =>
        string.IsNullOrEmpty(@namespace) ? name : string.Concat(@namespace, "/", name);
}
