using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.Operator.Controllers.Ports;

/// <summary>
/// The cache indexes the Network and Port controllers read instead of scanning: Ports by network, Ports by the
/// Server that owns them, Servers by the ports they name in <c>networks[].portRef</c>. Values are <c>namespace/name</c>.
/// Safe to ask for from several controllers: each index is added to the shared informer once.
/// </summary>
public static class PortIndexes
{
    /// <summary>Ports by <c>namespace/name</c> of <c>spec.networkRef</c> (the port's namespace when unset).</summary>
    public const string ByNetwork = "kubecloud.io/network";

    /// <summary>Ports by <c>namespace/name</c> of their controlling Server (ownerReference) or the label <c>kubecloud.io/server</c>.</summary>
    public const string ByServer = "kubecloud.io/server";

    /// <summary>Servers by <c>namespace/name</c> of each port in <c>spec.networks[].portRef</c>.</summary>
    public const string ServersByPortRef = "kubecloud.io/port-refs";

    /// <summary>The label the Server controller puts on the ports it makes.</summary>
    public const string ServerLabel = "kubecloud.io/server";

    private static readonly ConditionalWeakTable<object, HashSet<string>> Added = [];

    /// <summary>The Port cache with <see cref="ByNetwork"/> and <see cref="ByServer"/>.</summary>
    public static IIndexer<Port> Ports(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var informer = informers.For<Port>();
        Ensure(informer, ByNetwork, port => [NetworkKey(port)]);
        Ensure(informer, ByServer, port => [ServerKey(port)]);
        return informer.Store;
    }

    /// <summary>The Server cache with <see cref="ServersByPortRef"/>.</summary>
    public static IIndexer<Server> Servers(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var informer = informers.For<Server>();
        Ensure(informer, ServersByPortRef, server => (server.Spec.Networks ?? [])
            .Where(n => n.PortRef is { Name.Length: > 0 })
            .Select(n => Key(server.Metadata.NamespaceProperty, n.PortRef!.Name)));
        return informer.Store;
    }

    public static string Key(string? @namespace, string name) => $"{@namespace}/{name}";

    /// <summary><c>namespace/name</c> of the port's network.</summary>
    public static string NetworkKey(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return Key(port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty, port.Spec.NetworkRef.Name);
    }

    /// <summary>The name of the Server that owns the port (controller ownerReference, else the label), or null.</summary>
    public static string? OwningServer(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var owner = port.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true && r.Kind == Server.KubeKind && r.ApiVersion == ApiGroup.GroupVersion);
        return owner?.Name ?? (port.Metadata.Labels?.TryGetValue(ServerLabel, out var label) == true && label.Length > 0 ? label : null);
    }

    private static string? ServerKey(Port port) => OwningServer(port) is { } server ? Key(port.Metadata.NamespaceProperty, server) : null;

    private static void Ensure<T>(SharedInformer<T> informer, string name, Func<T, IEnumerable<string?>> index)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var names = Added.GetValue(informer, _ => []);
        lock (names)
        {
            if (names.Add(name))
            {
                informer.AddIndex(name, index);
            }
        }
    }
}
