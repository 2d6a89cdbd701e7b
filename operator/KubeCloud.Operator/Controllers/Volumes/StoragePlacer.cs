using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.Operator.Volumes;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>
/// cinder-scheduler inside the operator: builds a <see cref="StorageBackend"/> per storage node from the Hypervisors'
/// <c>status.storage</c> and the Volumes placed there, and places a volume with the <see cref="VolumeScheduler"/>, one
/// placement at a time. A placement is remembered until the cache shows it in the volume's <c>status.backendNode</c>,
/// so the next placement counts it even before the status write comes back through the watch, and a reconcile that
/// failed after placing writes the same node again.
/// </summary>
public sealed class StoragePlacer(SharedInformerFactory informers, OperatorSettings settings)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Uid, string Node)> _placed = new(StringComparer.Ordinal);
    private readonly VolumeScheduler _scheduler = new(settings.VolumeScheduling);

    /// <summary>The node this operator placed the volume on and whose status write the cache does not show yet, if any.</summary>
    public string? PlacedNode(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        lock (_gate)
        {
            return _placed.TryGetValue(Key(volume), out var placed) && placed.Uid == volume.Metadata.Uid ? placed.Node : null;
        }
    }

    /// <summary>Forgets a placement the cache now shows (or of a volume that is gone).</summary>
    public void Settled(string @namespace, string name)
    {
        lock (_gate)
        {
            _placed.Remove($"{@namespace}/{name}");
        }
    }

    /// <summary>Places the volume on the best storage node, or says why none fits.</summary>
    public VolumePlacement Place(Volume volume, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(volume);
        lock (_gate)
        {
            var placement = _scheduler.Place(Backends(now), VolumePlacementRequest.For(volume));
            if (placement.Backend is { } backend)
            {
                _placed[Key(volume)] = (volume.Metadata.Uid, backend.Name);
            }

            return placement;
        }
    }

    /// <summary>
    /// Every storage node as cinder's HostState: capacity as its daemon reports it; provisioned capacity counted from
    /// the Volumes placed on it; volumes placed but not yet exported also taken from its free capacity (cinder's
    /// consume_from_volume until the next capability report).
    /// </summary>
    private List<StorageBackend> Backends(DateTimeOffset now)
    {
        var volumes = informers.For<Volume>().Store;
        var pending = _placed
            .Select(p => volumes.Get(p.Key) is { } v && v.Metadata.Uid == p.Value.Uid && string.IsNullOrEmpty(v.Status?.BackendNode) ? (Volume: v, p.Value.Node) : default)
            .Where(p => p.Volume is not null)
            .ToList();
        var backends = new List<StorageBackend>();
        foreach (var node in informers.For<Hypervisor>().Store.ByIndex(VolumeIndexes.StorageNodes, VolumeIndexes.StorageRole).OrderBy(h => h.Metadata.Name, StringComparer.Ordinal))
        {
            var storage = node.Status!.Storage!;
            var name = node.Metadata.Name;
            var onNode = volumes.ByIndex(VolumeIndexes.VolumesByBackend, name).Concat(pending.Where(p => p.Node == name).Select(p => p.Volume)).ToList();
            var exported = onNode.Where(v => Conditions.IsTrue(v.Status, VolumeConditions.Exported)).Sum(ProvisionedCapacity.SizeGb);
            var unexported = onNode.Where(v => !Conditions.IsTrue(v.Status, VolumeConditions.Exported)).Sum(ProvisionedCapacity.SizeGb);
            backends.Add(new StorageBackend
            {
                Name = name,
                TotalCapacityGb = storage.TotalCapacity?.ToGibibytes(),
                FreeCapacityGb = storage.FreeCapacity?.ToGibibytes(),
                ProvisionedCapacityGb = exported,
                ReservedPercentage = storage.ReservedPercentage ?? 0,
                ThinProvisioningSupport = storage.ThinProvisioning,
                MaxOverSubscriptionRatio = storage.MaxOverSubscriptionRatio ?? 20.0,
                VolumeTypes = new HashSet<string>(storage.VolumeTypes ?? [], StringComparer.Ordinal),
                Ready = HostStateFactory.IsReady(node.Status, now, (int)Math.Ceiling(settings.HeartbeatGrace.TotalSeconds)),
                Disabled = node.Spec.StorageDisabled,
            }.Consume(unexported));
        }

        return backends;
    }

    private static string Key(Volume volume) => $"{volume.Metadata.NamespaceProperty}/{volume.Metadata.Name}";
}
