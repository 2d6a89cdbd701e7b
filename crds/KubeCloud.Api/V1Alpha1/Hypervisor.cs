using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Api.Serialization;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A compute node as the scheduler sees it (nova compute host).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ClusterScoped]
[ShortNames("hv")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Type", "string", ".status.hypervisorType")]
[PrinterColumn(2, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn(3, "Disabled", "boolean", ".spec.disabled")]
[PrinterColumn(4, "VCPUs Used", "integer", ".status.allocated.vcpus")]
[PrinterColumn(5, "VCPUs", "integer", ".status.capacity.vcpus")]
[PrinterColumn(6, "Memory Used", "string", ".status.allocated.memory")]
[PrinterColumn(7, "Memory", "string", ".status.capacity.memory")]
[PrinterColumn(8, "Instances", "integer", ".status.instances")]
[PrinterColumn(9, "Tunnel IP", "string", ".status.tunnelIP", Priority = 1)]
[PrinterColumn(10, "CPU", "string", ".status.cpu.model", Priority = 1)]
[PrinterColumn(11, "Storage Free", "string", ".status.storage.freeCapacity", Priority = 1)]
[PrinterColumn(12, "Age", "date", ".metadata.creationTimestamp")]
[Description("Hypervisor is one compute node as the scheduler sees it, like nova's compute host: its name is the node's name. The node daemon reports capacity, CPU and health in status; the operator reports allocations; admins disable it or tune allocation ratios in spec. Labels of the node (zone, aggregates) are mirrored onto the Hypervisor. A node whose daemon runs the storage role (cinder-volume) also reports its volume backend in status.storage; the operator places Volumes on such nodes.")]
public sealed class Hypervisor() : KubeCloudObject<HypervisorSpec, HypervisorStatus>(KubeKind)
{
    public const string KubeKind = "Hypervisor";
    public const string KubePluralName = "hypervisors";
}

/// <summary>Desired state of a Hypervisor, set by admins.</summary>
[ValidationRule("self.disabled || !has(self.disabledReason)", Message = "disabledReason may only be set when disabled is true", FieldPath = ".disabledReason")]
public sealed class HypervisorSpec
{
    [Default(false)]
    [JsonPropertyName("disabled")]
    [Description("Stop scheduling new servers here (nova service-disable); running servers stay.")]
    public bool Disabled { get; set; }

    [Length(Max = 255)]
    [JsonPropertyName("disabledReason")]
    [Description("Why the hypervisor is disabled.")]
    public string? DisabledReason { get; set; }

    [Minimum(0, Exclusive = true)]
    [Maximum(64)]
    [JsonPropertyName("cpuAllocationRatio")]
    [Description("Virtual CPUs per physical CPU the scheduler may allocate; unset means the scheduler's default (nova: 4.0).")]
    public double? CpuAllocationRatio { get; set; }

    [Minimum(0, Exclusive = true)]
    [Maximum(16)]
    [JsonPropertyName("ramAllocationRatio")]
    [Description("Memory overcommit ratio; unset means the scheduler's default (nova: 1.0).")]
    public double? RamAllocationRatio { get; set; }

    [Minimum(0, Exclusive = true)]
    [Maximum(16)]
    [JsonPropertyName("diskAllocationRatio")]
    [Description("Disk overcommit ratio; unset means the scheduler's default (nova: 1.0).")]
    public double? DiskAllocationRatio { get; set; }

    [JsonPropertyName("reservedMemory")]
    [Description("Memory kept for the host, not given to servers (nova: 512Mi).")]
    public Quantity? ReservedMemory { get; set; }

    [JsonPropertyName("reservedDisk")]
    [Description("Disk kept for the host.")]
    public Quantity? ReservedDisk { get; set; }

    [Minimum(0)]
    [JsonPropertyName("reservedVcpus")]
    [Description("Physical CPUs kept for the host.")]
    public int? ReservedVcpus { get; set; }

    [Default(false)]
    [JsonPropertyName("storageDisabled")]
    [Description("Stop placing new volumes on this node's storage backend (cinder service-disable of its cinder-volume); existing volumes stay.")]
    public bool StorageDisabled { get; set; }

    [Minimum(0)]
    [JsonPropertyName("maxInstances")]
    [Description("Most servers the NumInstancesFilter allows here; unset means the scheduler's default.")]
    public int? MaxInstances { get; set; }

    [Minimum(0)]
    [JsonPropertyName("maxIoOps")]
    [Description("Most concurrent builds, resizes and snapshots the IoOpsFilter allows here; unset means the scheduler's default.")]
    public int? MaxIoOps { get; set; }
}

/// <summary>Amounts of the resources a scheduler counts.</summary>
public sealed class HypervisorResources
{
    [Minimum(0)]
    [JsonPropertyName("vcpus")]
    [Description("Virtual CPUs (physical CPUs for capacity).")]
    public int Vcpus { get; set; }

    [JsonPropertyName("memory")]
    [Description("Memory in bytes as a Kubernetes quantity (capacity: the host's RAM; allocated: what the servers placed here claim).")]
    public Quantity Memory { get; set; }

    [JsonPropertyName("disk")]
    [Description("Disk of the instances directory.")]
    public Quantity Disk { get; set; }
}

/// <summary>The volume backend of a storage node, as cinder-volume reports its capabilities to cinder-scheduler.</summary>
public sealed class HypervisorStorage
{
    [Length(Max = 255)]
    [JsonPropertyName("backendName")]
    [Description("Name of the backend (cinder's volume_backend_name), for example lvm-thin.")]
    public string? BackendName { get; set; }

    [JsonPropertyName("totalCapacity")]
    [Description("Size of the backend's pool; unset means unknown.")]
    public Quantity? TotalCapacity { get; set; }

    [JsonPropertyName("freeCapacity")]
    [Description("Space not yet used in the pool; unset means unknown (placement then does not check it).")]
    public Quantity? FreeCapacity { get; set; }

    [JsonPropertyName("thinProvisioning")]
    [Description("Whether volumes are thin-provisioned (an LVM thin pool, sparse files): the pool may then promise more than its size, up to maxOverSubscriptionRatio.")]
    public bool ThinProvisioning { get; set; }

    [Minimum(1)]
    [Maximum(1000)]
    [JsonPropertyName("maxOverSubscriptionRatio")]
    [Description("Provisioned over total capacity a thin pool may reach (cinder's max_over_subscription_ratio); unset means 20.")]
    public double? MaxOverSubscriptionRatio { get; set; }

    [Minimum(0)]
    [Maximum(100)]
    [JsonPropertyName("reservedPercentage")]
    [Description("Share of the total capacity kept free, in percent (cinder's reserved_percentage); unset means 0.")]
    public int? ReservedPercentage { get; set; }

    [ListType(ListTypeAttribute.Set)]
    [Items(Max = 64, MaxLength = 63)]
    [JsonPropertyName("volumeTypes")]
    [Description("Volume types the backend serves; a volume with a type is placed only on backends listing it, a volume without one on any backend.")]
    public List<string>? VolumeTypes { get; set; }
}

/// <summary>CPU facts of a host.</summary>
public sealed class HypervisorCpu
{
    [JsonPropertyName("model")]
    [Description("CPU model name.")]
    public string? Model { get; set; }

    [JsonPropertyName("vendor")]
    [Description("CPU vendor.")]
    public string? Vendor { get; set; }

    [JsonPropertyName("architecture")]
    [Description("CPU architecture.")]
    public CpuArchitecture? Architecture { get; set; }

    [ListType(ListTypeAttribute.Set)]
    [JsonPropertyName("features")]
    [Description("CPU feature flags, as /proc/cpuinfo lists them.")]
    public List<string>? Features { get; set; }

    [Minimum(0)]
    [JsonPropertyName("sockets")]
    [Description("CPU sockets of the host.")]
    public int? Sockets { get; set; }

    [Minimum(0)]
    [JsonPropertyName("cores")]
    [Description("Cores per socket.")]
    public int? Cores { get; set; }

    [Minimum(0)]
    [JsonPropertyName("threads")]
    [Description("Threads per core.")]
    public int? Threads { get; set; }
}

/// <summary>Observed state of a Hypervisor.</summary>
public sealed class HypervisorStatus : KubeCloudStatus
{
    [JsonPropertyName("hypervisorType")]
    [Description("kvm, or qemu where KVM cannot run guests on this node.")]
    public HypervisorType? HypervisorType { get; set; }

    [JsonPropertyName("hypervisorVersion")]
    [Description("Version of QEMU as libvirt reports it.")]
    public string? HypervisorVersion { get; set; }

    [JsonPropertyName("cpu")]
    [Description("The host CPU as libvirt reports it (model, vendor, topology, features), which the scheduler's CPU filters match.")]
    public HypervisorCpu? Cpu { get; set; }

    [JsonPropertyName("capacity")]
    [Description("Physical resources of the node, reported by the node daemon.")]
    public HypervisorResources? Capacity { get; set; }

    [JsonPropertyName("allocated")]
    [Description("Resources claimed by servers placed here, reported by the operator.")]
    public HypervisorResources? Allocated { get; set; }

    [JsonPropertyName("storage")]
    [Description("The node's volume backend, reported by its node daemon when it runs the storage role; unset on compute-only nodes.")]
    public HypervisorStorage? Storage { get; set; }

    [Minimum(0)]
    [JsonPropertyName("instances")]
    [Description("Servers placed on the node.")]
    public int? Instances { get; set; }

    [Minimum(0)]
    [JsonPropertyName("ioOps")]
    [Description("Builds, resizes and snapshots in progress.")]
    public int? IoOps { get; set; }

    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("tunnelIP")]
    [Description("Address VXLAN tunnels to this node use.")]
    public string? TunnelIP { get; set; }

    [Format("date-time")]
    [JsonPropertyName("lastHeartbeatTime")]
    [Description("Last time the node daemon reported; a stale heartbeat makes the hypervisor not Ready.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset? LastHeartbeatTime { get; set; }
}
