using k8s;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Controllers.Volumes;

namespace KubeCloud.Operator.IntegrationTests.Volumes;

/// <summary>
/// The tests' stand-in for the node daemon (field manager <c>kubecloud-node</c>) and, where a test needs a placed
/// server without the Server controller, for that controller's <c>status.node</c>: each writes exactly the fields the
/// README's "Who writes what" gives it, by server-side apply of the status.
/// </summary>
public static class NodeReports
{
    public const string NodeManager = "kubecloud-node";

    /// <summary>Applies <paramref name="status"/> to the object's status under <paramref name="manager"/>, forced, as a writer of those fields would.</summary>
    public static Task<T> ApplyStatusAsync<T, TStatus>(IKubeClient client, T obj, TStatus status, string manager = NodeManager)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class =>
        client.ApplyStatusAsync(obj, status, manager, CancellationToken.None);

    public static Condition Condition(string type, ConditionStatus status, string reason, long? generation = null, string? message = null) =>
        new() { Type = type, Status = status, Reason = reason, Message = message, ObservedGeneration = generation, LastTransitionTime = DateTimeOffset.UtcNow };

    /// <summary>A Hypervisor whose daemon reports now (Ready, a fresh heartbeat) and, when <paramref name="storage"/> is given, a storage backend.</summary>
    public static async Task<Hypervisor> HypervisorAsync(IKubeClient client, string name, HypervisorStorage? storage = null, bool storageDisabled = false)
    {
        var hypervisor = await client.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = name }, Spec = new HypervisorSpec { StorageDisabled = storageDisabled } });
        return await HeartbeatAsync(client, hypervisor, storage);
    }

    /// <summary>The daemon's report: heartbeat now, Ready True, capacity, and the storage backend when it has one.</summary>
    public static Task<Hypervisor> HeartbeatAsync(IKubeClient client, Hypervisor hypervisor, HypervisorStorage? storage = null) =>
        ApplyStatusAsync(client, hypervisor, new HypervisorStatus
        {
            LastHeartbeatTime = DateTimeOffset.UtcNow,
            Capacity = new HypervisorResources { Vcpus = 16, Memory = Quantity.Parse("64Gi"), Disk = Quantity.Parse("1Ti") },
            Storage = storage,
            Conditions = [Condition(ConditionTypes.Ready, ConditionStatus.True, "KubeletReady")],
        });

    public static HypervisorStorage Storage(string free, string? total = null, bool thin = false, params string[] volumeTypes) => new()
    {
        BackendName = "lvm",
        FreeCapacity = Quantity.Parse(free),
        TotalCapacity = Quantity.Parse(total ?? free),
        ThinProvisioning = thin,
        VolumeTypes = volumeTypes.Length > 0 ? [.. volumeTypes] : null,
    };

    /// <summary>The storage node has made and exported the volume (and holds its cleanup finalizer, as the daemon adds it before making anything).</summary>
    public static async Task<Volume> ExportAsync(IKubeClient client, Volume volume)
    {
        volume = await KubeCloud.ControllerRuntime.Objects.Finalizers.AddAsync(client, volume, VolumeConditions.StorageCleanupFinalizer);
        return await ApplyStatusAsync(client, volume, new VolumeStatus
        {
            Capacity = volume.Spec.Size,
            Target = new IscsiTarget { Portal = "127.0.0.1:3260", Iqn = $"iqn.2026-12.io.kubecloud:{volume.Metadata.Name}", Lun = 1 },
            Conditions = [Condition(VolumeConditions.Exported, ConditionStatus.True, "Exported")],
        });
    }

    /// <summary>The Server controller's part a volume test needs: the server placed on <paramref name="node"/>.</summary>
    public static Task<Server> PlaceAsync(IKubeClient client, Server server, string node, FlavorSnapshot? flavor = null) =>
        ApplyStatusAsync(client, server, new ServerStatus { Node = node, Flavor = flavor }, StatusApply.FieldManager);

    /// <summary>The compute node's report: the domain matches the server's current generation.</summary>
    public static async Task<Server> SpawnedAsync(IKubeClient client, Server server)
    {
        var current = await client.GetAsync<Server>(server.Metadata.Name, server.Metadata.NamespaceProperty);
        return await ApplyStatusAsync(client, current, new ServerStatus
        {
            PowerState = ObservedPowerState.Running,
            Conditions = [Condition("Spawned", ConditionStatus.True, "Converged", current.Metadata.Generation)],
        });
    }

    public static Server Server(string ns, string name, params string[] volumes) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = "m1.small" },
            ImageRef = new NamespacedObjectReference { Name = "debian" },
            Volumes = volumes.Length > 0 ? [.. volumes.Select(v => new ServerVolume { VolumeRef = new LocalObjectReference { Name = v } })] : null,
        },
    };

    public static Volume Volume(string ns, string name, string size = "10Gi", bool multiattach = false, string? volumeType = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new VolumeSpec { Size = Quantity.Parse(size), Multiattach = multiattach, VolumeType = volumeType },
    };
}
