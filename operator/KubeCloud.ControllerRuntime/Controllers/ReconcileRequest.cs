using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>What to reconcile: a namespace and a name, nothing else. The reconciler reads the rest from the cache or the API.</summary>
public readonly record struct ReconcileRequest(string? Namespace, string Name)
{
    public static ReconcileRequest For(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new(string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty) ? null : obj.Metadata.NamespaceProperty, obj.Metadata?.Name ?? throw new ArgumentException("The object has no name.", nameof(obj)));
    }

    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
