using System.Runtime.CompilerServices;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// The informer indexes the Server controller reads instead of scanning: servers by node, servers not placed yet, by
/// volume, by port, by server group; ports by their controlling Server's uid.
/// </summary>
public static class ServerIndexes
{
    public const string ByNode = "server-by-node";
    public const string Unplaced = "server-unplaced";
    public const string ByVolume = "server-by-volume";
    public const string ByPort = "server-by-port";
    public const string ByGroup = "server-by-group";
    public const string PortsByOwnerUid = "port-by-server-uid";

    /// <summary>The one value of <see cref="Unplaced"/>.</summary>
    public const string UnplacedValue = "unplaced";

    private static readonly ConditionalWeakTable<SharedInformerFactory, object> Indexed = [];

    /// <summary>Adds the indexes to the informers (before they run); once per factory, whichever controller asks first (the Volume, Hypervisor and ServerGroup controllers read them too).</summary>
    public static void AddTo(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        if (!Indexed.TryAdd(informers, new object()))
        {
            return;
        }

        var servers = informers.For<Server>();
        servers.AddIndex(ByNode, s => [s.Status?.Node, s.Status?.Resize?.SourceNode]);
        servers.AddIndex(Unplaced, s => [string.IsNullOrEmpty(s.Status?.Node) ? UnplacedValue : null]);
        servers.AddIndex(ByVolume, s => VolumeNames(s).Select(v => Key(s.Metadata.NamespaceProperty, v)));
        servers.AddIndex(ByPort, s => (s.Spec.Networks ?? []).Select(n => n.PortRef is { } p ? Key(s.Metadata.NamespaceProperty, p.Name) : null));
        servers.AddIndex(ByGroup, s => [s.Spec.SchedulerHints?.ServerGroup is { } g ? Key(s.Metadata.NamespaceProperty, g) : null]);
        informers.For<Port>().AddIndex(PortsByOwnerUid, p => (p.Metadata.OwnerReferences ?? [])
            .Where(o => o.Controller == true && o.Kind == Server.KubeKind)
            .Select(o => o.Uid));
    }

    /// <summary>The volumes a server uses: its boot volume and its attached volumes.</summary>
    public static IEnumerable<string> VolumeNames(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Spec.BootVolumeRef is { } boot)
        {
            yield return boot.Name;
        }

        foreach (var volume in server.Spec.Volumes ?? [])
        {
            yield return volume.VolumeRef.Name;
        }
    }

    public static string Key(string? ns, string name) => $"{ns}/{name}";

    /// <summary>The servers placed on a node (or resizing away from it).</summary>
    public static IEnumerable<ReconcileRequest> PlacedOn(IIndexer<Server> servers, Hypervisor hypervisor)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(hypervisor);
        return servers.ByIndex(ByNode, hypervisor.Metadata.Name ?? string.Empty).Select(ReconcileRequest.For);
    }

    /// <summary>
    /// The servers not placed yet (they may be waiting for a flavor, an image, quota or a host) that have been
    /// reconciled once: one never reconciled is still in the queue from its own creation.
    /// </summary>
    public static IEnumerable<ReconcileRequest> Waiting(IIndexer<Server> servers, string? ns = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        return servers.ByIndex(Unplaced, UnplacedValue)
            .Where(s => s.Status is not null && (ns is null || s.Metadata.NamespaceProperty == ns))
            .Select(ReconcileRequest.For);
    }
}
