using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.Operator.Controllers.Ports;

/// <summary>
/// The cache indexes the Network and Port controllers read instead of scanning: Ports by network, Ports by the
/// Server that owns them. Values are <c>namespace/name</c>. Safe to ask for from several controllers: each index is
/// added to the shared informer once. Servers by the ports they name in <c>networks[].portRef</c> is the Server
/// controller's index, <see cref="Servers.ServerIndexes.ByPort"/>.
/// </summary>
public static class PortIndexes
{
    /// <summary>Ports by <c>namespace/name</c> of <c>spec.networkRef</c> (the port's namespace when unset).</summary>
    public const string ByNetwork = "kubecloud.io/network";

    /// <summary>Ports by <c>namespace/name</c> of their controlling Server (ownerReference) or the label <c>kubecloud.io/server</c>.</summary>
    public const string ByServer = "kubecloud.io/server";

    /// <summary>Ports by <c>status.node</c>, the node they are bound to.</summary>
    public const string ByNode = "kubecloud.io/node";

    private static readonly ConditionalWeakTable<object, HashSet<string>> Added = [];

    /// <summary>The Port cache with <see cref="ByNetwork"/>, <see cref="ByServer"/> and <see cref="ByNode"/>.</summary>
    public static IIndexer<Port> Ports(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var informer = informers.For<Port>();
        Ensure(informer, ByNetwork, port => [NetworkKey(port)]);
        Ensure(informer, ByServer, port => [ServerKey(port)]);
        Ensure(informer, ByNode, port => [port.Status?.Node]);
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
        return owner?.Name ?? (port.Metadata.Labels?.TryGetValue(Servers.ServerReconciler.ServerLabel, out var label) == true && label.Length > 0 ? label : null);
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
