using System.Net;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>
/// This node's storage role: its tgt target store over the configured backing store, with IQNs under a per-node prefix
/// (<c>iqn.2025-01.io.kubecloud:&lt;node&gt;:volume-&lt;volume uid&gt;</c>), so two daemons sharing one tgtd never take each
/// other's targets for orphans; the portal its targets are reached at; and the capabilities its heartbeat reports.
/// </summary>
public sealed class StorageRole
{
    public const string IqnPrefix = "iqn.2025-01.io.kubecloud";

    public StorageRole(StorageRoleOptions options, TgtTargetStore targets, NodeAgentOptions node)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(node);
        Options = options;
        Targets = targets;
        Portal = options.Portal ?? $"{Bracketed(node.TunnelIp ?? IPAddress.Loopback)}:3260";
    }

    public StorageRoleOptions Options { get; }

    public TgtTargetStore Targets { get; }

    /// <summary>host:port of this node's targets.</summary>
    public string Portal { get; }

    /// <summary>The IQN prefix of this node's targets (<see cref="TgtTargetStore.Iqn"/> with an empty id).</summary>
    public string TargetPrefix => Targets.Iqn("");

    /// <summary>The backing id of a volume: its uid (unique across namespaces, never reused).</summary>
    public static string VolumeId(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Metadata.Uid ?? throw new InvalidOperationException($"volume {volume.Metadata.NamespaceProperty}/{volume.Metadata.Name} has no uid");
    }

    /// <summary>The Hypervisor's <c>status.storage</c>: cinder-volume's capabilities of this backend.</summary>
    public async Task<HypervisorStorage> CapabilitiesAsync(CancellationToken cancellationToken)
    {
        var capacity = await Targets.Volumes.CapacityAsync(cancellationToken);
        return new HypervisorStorage
        {
            BackendName = Options.BackendName,
            TotalCapacity = Quantity.FromBytes(capacity.TotalBytes),
            FreeCapacity = Quantity.FromBytes(capacity.FreeBytes),
            ThinProvisioning = Options.ThinProvisioning,
            MaxOverSubscriptionRatio = Options.ThinProvisioning ? Options.MaxOverSubscriptionRatio : null,
        };
    }

    private static string Bracketed(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
