using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.Node.Agent;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>
/// The node daemon's view of the cluster: Servers and Ports restricted to the label <c>kubecloud.io/node=&lt;node&gt;</c>
/// (the operator labels both), its own Hypervisor, and the Networks, Images, Flavors and Volumes its Servers need (these
/// carry no node label the API server could filter on; the node reads only the ones its Servers name). Indexes answer "which ports belong to this server" and "which
/// servers use this image" without scans.
/// </summary>
public sealed class NodeInformers
{
    /// <summary>Ports by <c>namespace/server</c> of <c>status.serverRef</c>.</summary>
    public const string PortsByServer = "server";

    /// <summary>Ports by <c>status.node</c>.</summary>
    public const string PortsByNode = "node";

    /// <summary>Ports by <c>namespace/network</c> of <c>spec.networkRef</c>.</summary>
    public const string PortsByNetwork = "network";

    /// <summary>Servers by <c>namespace/image</c> of <c>spec.imageRef</c>.</summary>
    public const string ServersByImage = "image";

    /// <summary>Servers by <c>namespace/volume</c> of each entry of <c>spec.volumes</c> and of <c>spec.bootVolumeRef</c>.</summary>
    public const string ServersByVolume = "volume";

    /// <summary>Volumes by <c>status.backendNode</c> (the storage node holding them).</summary>
    public const string VolumesByBackend = "backend";

    public NodeInformers(SharedInformerFactory informers, NodeAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(informers);
        ArgumentNullException.ThrowIfNull(options);
        Servers = informers.For<Server>();
        Ports = informers.For<Port>();
        Networks = informers.For<Network>();
        Images = informers.For<Image>();
        Flavors = informers.For<Flavor>();
        Hypervisors = informers.For<Hypervisor>();
        Volumes = informers.For<Volume>();
        Ports.AddIndex(PortsByServer, p => [p.Status?.ServerRef is { } s ? Key(p.Metadata.NamespaceProperty, s.Name) : null]);
        Ports.AddIndex(PortsByNode, p => [p.Status?.Node]);
        Ports.AddIndex(PortsByNetwork, p => [Key(p.Spec.NetworkRef.Namespace ?? p.Metadata.NamespaceProperty, p.Spec.NetworkRef.Name)]);
        Servers.AddIndex(ServersByImage, s => [s.Spec.ImageRef is { } i ? Key(i.Namespace ?? s.Metadata.NamespaceProperty, i.Name) : null]);
        Servers.AddIndex(ServersByVolume, s => [.. VolumeNames(s).Select(v => Key(s.Metadata.NamespaceProperty, v))]);
        Volumes.AddIndex(VolumesByBackend, v => [v.Status?.BackendNode]);
    }

    /// <summary>
    /// Restricts the factory's Server and Port informers to this node's (label <c>kubecloud.io/node=&lt;node&gt;</c>, which
    /// the operator sets on both) and its Hypervisor informer to its own Hypervisor, as the kubelet watches its own Node
    /// only: the VXLAN flood lists come from the Networks' <c>status.nodes</c>, not from the other nodes' Ports and
    /// Hypervisors. Call before anything asks for the informers.
    /// </summary>
    public static SharedInformerFactory Restrict(SharedInformerFactory informers, NodeAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(informers);
        ArgumentNullException.ThrowIfNull(options);
        informers.Configure<Server>(o => o with { LabelSelector = options.ServerSelector });
        informers.Configure<Port>(o => o with { LabelSelector = options.ServerSelector });
        return informers.Configure<Hypervisor>(o => o with { FieldSelector = $"metadata.name={options.NodeName}" });
    }

    public SharedInformer<Server> Servers { get; }

    public SharedInformer<Port> Ports { get; }

    public SharedInformer<Network> Networks { get; }

    public SharedInformer<Image> Images { get; }

    public SharedInformer<Flavor> Flavors { get; }

    public SharedInformer<Hypervisor> Hypervisors { get; }

    /// <summary>Volumes, whole: the storage role serves those with its name in <c>status.backendNode</c>, the compute side reads those its Servers list.</summary>
    public SharedInformer<Volume> Volumes { get; }

    /// <summary>The volumes a server names: <c>spec.bootVolumeRef</c> first, then <c>spec.volumes</c> in order.</summary>
    public static IEnumerable<string> VolumeNames(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Spec.BootVolumeRef is { } boot)
        {
            yield return boot.Name;
        }

        foreach (var entry in server.Spec.Volumes ?? [])
        {
            yield return entry.VolumeRef.Name;
        }
    }

    public static string Key(string? @namespace, string name) => $"{@namespace}/{name}";
}
