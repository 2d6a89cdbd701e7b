using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Other objects the rules read, as the operator's informer caches hold them. Cluster-scoped kinds
/// (Flavor, Hypervisor) are asked for with a null namespace.
/// </summary>
public interface IObjectLookup
{
    /// <summary>The object, or null when there is none.</summary>
    T? Get<T>(string? @namespace, string name)
        where T : class;

    /// <summary>The objects of the kind in the namespace (every namespace when null).</summary>
    IReadOnlyList<T> List<T>(string? @namespace)
        where T : class;

    /// <summary>
    /// The ports on the network <paramref name="namespace"/>/<paramref name="name"/> (of any namespace). The operator's
    /// lookup answers from an informer index; this default scans every port.
    /// </summary>
    IReadOnlyList<Port> PortsOnNetwork(string? @namespace, string name) =>
        [.. List<Port>(null).Where(p => p.Spec.NetworkRef.Name == name && (p.Spec.NetworkRef.Namespace ?? p.Metadata.NamespaceProperty) == @namespace)];
}
