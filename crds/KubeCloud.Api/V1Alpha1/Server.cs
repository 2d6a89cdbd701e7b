using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Api.Serialization;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A virtual machine (Nova instance).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("srv", "vm")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Phase", "string", ".status.phase")]
[PrinterColumn(2, "Power", "string", ".status.powerState")]
[PrinterColumn(3, "Node", "string", ".status.node")]
[PrinterColumn(4, "Flavor", "string", ".spec.flavorRef.name")]
[PrinterColumn(5, "Addresses", "string", ".status.addresses[*].ipAddress")]
[PrinterColumn(6, "Task", "string", ".status.taskState", Priority = 1)]
[PrinterColumn(7, "Image", "string", ".spec.imageRef.name", Priority = 1)]
[PrinterColumn(8, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Priority = 1)]
[PrinterColumn(9, "Age", "date", ".metadata.creationTimestamp")]
[Description("Server is a virtual machine, like a Nova instance: a flavor, an image or boot volume, networks and volumes. The operator schedules it onto a node the way nova-scheduler does, wires its ports and volumes, and the node daemon runs it under KVM (or QEMU) through libvirt. Power actions are desired state: set spec.powerState; a reboot is a new value of the annotation kubecloud.io/reboot-requested-at; a resize is a new flavorRef.")]
public sealed class Server() : KubeCloudObject<ServerSpec, ServerStatus>(KubeKind)
{
    public const string KubeKind = "Server";
    public const string KubePluralName = "servers";
}

/// <summary>Desired power state of a server.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DesiredPowerState>))]
public enum DesiredPowerState
{
    Running,
    Stopped,
    Paused,
    Suspended,
}

/// <summary>Desired state of a Server.</summary>
[ValidationRule("has(self.imageRef) != has(self.bootVolumeRef)", Message = "set exactly one of imageRef and bootVolumeRef")]
[ValidationRule("!(has(self.userData) && has(self.userDataSecretRef))", Message = "set at most one of userData and userDataSecretRef")]
[ValidationRule("has(self.imageRef) == has(oldSelf.imageRef) && (!has(self.imageRef) || self.imageRef == oldSelf.imageRef)",
    Message = "imageRef is immutable (rebuild is not supported yet)", FieldPath = ".imageRef")]
[ValidationRule("has(self.bootVolumeRef) == has(oldSelf.bootVolumeRef) && (!has(self.bootVolumeRef) || self.bootVolumeRef == oldSelf.bootVolumeRef)",
    Message = "bootVolumeRef is immutable", FieldPath = ".bootVolumeRef")]
[ValidationRule("has(self.availabilityZone) == has(oldSelf.availabilityZone) && (!has(self.availabilityZone) || self.availabilityZone == oldSelf.availabilityZone)",
    Message = "availabilityZone is immutable (use a migration to move a server)", FieldPath = ".availabilityZone")]
[ValidationRule("has(self.forceNode) == has(oldSelf.forceNode) && (!has(self.forceNode) || self.forceNode == oldSelf.forceNode)",
    Message = "forceNode is immutable", FieldPath = ".forceNode")]
[ValidationRule("has(self.schedulerHints) == has(oldSelf.schedulerHints) && (!has(self.schedulerHints) || self.schedulerHints == oldSelf.schedulerHints)",
    Message = "schedulerHints are immutable: they only matter when the server is scheduled", FieldPath = ".schedulerHints")]
public sealed class ServerSpec
{
    [Required]
    [JsonPropertyName("flavorRef")]
    [Description("The flavor (cluster-scoped) that sizes the server. Changing it resizes the server.")]
    public LocalObjectReference FlavorRef { get; set; } = new();

    [JsonPropertyName("imageRef")]
    [Description("The image to boot from (a copy-on-write overlay of it becomes the root disk). Exactly one of imageRef and bootVolumeRef is set.")]
    public NamespacedObjectReference? ImageRef { get; set; }

    [JsonPropertyName("bootVolumeRef")]
    [Description("A volume in this namespace to boot from instead of an image.")]
    public LocalObjectReference? BootVolumeRef { get; set; }

    [Items(Max = 16)]
    [ValidationRule("self.all(n, has(n.networkRef) != has(n.portRef))", Message = "each network entry sets exactly one of networkRef and portRef")]
    [ValidationRule("self.all(n, !has(n.fixedIP) || has(n.networkRef))", Message = "fixedIP may only be set together with networkRef")]
    [JsonPropertyName("networks")]
    [Description("Network interfaces, in order: each is a network (the operator creates a port on it) or an existing port.")]
    public List<ServerNetwork>? Networks { get; set; }

    [Items(Max = 26)]
    [ValidationRule("self.all(v, self.exists_one(w, w.volumeRef.name == v.volumeRef.name))", Message = "a volume may be listed only once")]
    [JsonPropertyName("volumes")]
    [Description("Volumes attached to the server, in this namespace. Removing an entry detaches the volume.")]
    public List<ServerVolume>? Volumes { get; set; }

    [Items(Max = 32, MaxLength = 16384)]
    [JsonPropertyName("sshKeys")]
    [Description("SSH public keys installed for the default user through cloud-init.")]
    public List<string>? SshKeys { get; set; }

    [Length(Max = 65536)]
    [JsonPropertyName("userData")]
    [Description("cloud-init user data, as plain text (at most 64 KiB).")]
    public string? UserData { get; set; }

    [JsonPropertyName("userDataSecretRef")]
    [Description("A Secret key holding the cloud-init user data, for data that must not be stored in the Server.")]
    public SecretKeyReference? UserDataSecretRef { get; set; }

    [MaxProperties(128)]
    [JsonPropertyName("metadata")]
    [Description("Instance metadata: key/value strings passed to the guest in the cloud-init meta-data.")]
    public Dictionary<string, string>? Metadata { get; set; }

    [Default("Running")]
    [JsonPropertyName("powerState")]
    [Description("Desired power state: Running, Stopped (a clean ACPI shutdown, then power off), Paused (vCPUs halted, memory kept in the host's RAM) or Suspended (nova's suspend: the guest's memory is saved to the node's disk and its RAM freed; Running restores it where it left off, processes and uptime kept). A node without room for the guest's memory in its state directory refuses Suspended with the condition PowerStateReached=False, reason InsufficientDiskForSuspend, and leaves the guest running.")]
    public DesiredPowerState PowerState { get; set; } = DesiredPowerState.Running;

    [Pattern("^[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?$")]
    [Length(Max = 63)]
    [JsonPropertyName("availabilityZone")]
    [Description("Availability zone to run in: matched against the node label topology.kubernetes.io/zone.")]
    public string? AvailabilityZone { get; set; }

    [JsonPropertyName("schedulerHints")]
    [Description("Hints for the scheduler's filters, as nova's scheduler hints.")]
    public SchedulerHints? SchedulerHints { get; set; }

    [Pattern(Patterns.Dns1123Subdomain)]
    [JsonPropertyName("forceNode")]
    [Description("Admin only (RBAC: the virtual subresource servers/forcenode): run on this node, skipping the scheduler's filters, as nova's forced host.")]
    public string? ForceNode { get; set; }

    [Pattern(Patterns.Dns1123Label)]
    [Length(Max = 63)]
    [JsonPropertyName("hostname")]
    [Description("Host name of the guest; defaults to the Server's name.")]
    public string? Hostname { get; set; }
}

/// <summary>One network interface of a server.</summary>
public sealed class ServerNetwork
{
    [JsonPropertyName("networkRef")]
    [Description("A network to attach to; the operator creates a port on it for the server and deletes it with the server.")]
    public NamespacedObjectReference? NetworkRef { get; set; }

    [JsonPropertyName("portRef")]
    [Description("An existing port in this namespace to use; it is unbound (not deleted) when the server goes.")]
    public LocalObjectReference? PortRef { get; set; }

    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("fixedIP")]
    [Description("An address wanted on the network (only with networkRef).")]
    public string? FixedIP { get; set; }
}

/// <summary>A volume attached to a server.</summary>
public sealed class ServerVolume
{
    [Required]
    [JsonPropertyName("volumeRef")]
    [Description("The volume, in the server's namespace.")]
    public LocalObjectReference VolumeRef { get; set; } = new();

    [Pattern("^vd[b-z]$")]
    [JsonPropertyName("device")]
    [Description("Device name wanted in the guest, vdb to vdz; unset means the next free one.")]
    public string? Device { get; set; }
}

/// <summary>Scheduler hints, with nova's meaning.</summary>
public sealed class SchedulerHints
{
    [Pattern(Patterns.Dns1123Subdomain)]
    [JsonPropertyName("serverGroup")]
    [Description("A ServerGroup in this namespace; its policy (affinity, anti-affinity and the soft forms) applies.")]
    public string? ServerGroup { get; set; }

    [ListType(ListTypeAttribute.Set)]
    [Items(Max = 64, MaxLength = 253)]
    [JsonPropertyName("sameHost")]
    [Description("Servers in this namespace to share a node with (SameHostFilter).")]
    public List<string>? SameHost { get; set; }

    [ListType(ListTypeAttribute.Set)]
    [Items(Max = 64, MaxLength = 253)]
    [JsonPropertyName("differentHost")]
    [Description("Servers in this namespace not to share a node with (DifferentHostFilter).")]
    public List<string>? DifferentHost { get; set; }

    [Length(Max = 4096)]
    [JsonPropertyName("query")]
    [Description("A JsonFilter query, for example [\">=\",\"$free_ram_mb\",1024].")]
    public string? Query { get; set; }

    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("buildNearHostIP")]
    [Description("Place the server on a node whose tunnel IP is in the same subnet as this address (SimpleCIDRAffinityFilter).")]
    public string? BuildNearHostIP { get; set; }

    [Minimum(0)]
    [Maximum(128)]
    [JsonPropertyName("cidr")]
    [Description("Prefix length that goes with buildNearHostIP, for example 24.")]
    public int? Cidr { get; set; }
}

/// <summary>Lifecycle phase of a server (nova's vm_state).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServerPhase>))]
public enum ServerPhase
{
    Pending,
    Scheduling,
    Building,
    Active,
    Stopped,
    Paused,
    Suspended,
    Error,
    Deleting,
}

/// <summary>The operation in progress on a server (nova's task_state).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServerTaskState>))]
public enum ServerTaskState
{
    [JsonStringEnumMemberName("scheduling")] Scheduling,
    [JsonStringEnumMemberName("networking")] Networking,
    [JsonStringEnumMemberName("block-device-mapping")] BlockDeviceMapping,
    [JsonStringEnumMemberName("spawning")] Spawning,
    [JsonStringEnumMemberName("powering-off")] PoweringOff,
    [JsonStringEnumMemberName("powering-on")] PoweringOn,
    [JsonStringEnumMemberName("pausing")] Pausing,
    [JsonStringEnumMemberName("unpausing")] Unpausing,
    [JsonStringEnumMemberName("suspending")] Suspending,
    [JsonStringEnumMemberName("resuming")] Resuming,
    [JsonStringEnumMemberName("rebooting")] Rebooting,
    [JsonStringEnumMemberName("resizing")] Resizing,
    [JsonStringEnumMemberName("deleting")] Deleting,
}

/// <summary>Power state of a domain as libvirt reports it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ObservedPowerState>))]
public enum ObservedPowerState
{
    NoState,
    Running,
    Blocked,
    Paused,
    Shutdown,
    Shutoff,
    Crashed,
    Suspended,
}

/// <summary>Observed state of a Server.</summary>
public sealed class ServerStatus : KubeCloudStatus
{
    [JsonPropertyName("phase")]
    [Description("Lifecycle phase: Pending, Scheduling, Building, Active, Stopped, Paused, Suspended, Error or Deleting.")]
    public ServerPhase? Phase { get; set; }

    [JsonPropertyName("taskState")]
    [Description("The operation in progress, if any: scheduling, networking, block-device-mapping, spawning, powering-off, powering-on, pausing, unpausing, suspending, resuming, rebooting, resizing or deleting.")]
    public ServerTaskState? TaskState { get; set; }

    [JsonPropertyName("powerState")]
    [Description("Power state of the domain as libvirt reports it.")]
    public ObservedPowerState? PowerState { get; set; }

    [JsonPropertyName("node")]
    [Description("The node the scheduler placed the server on.")]
    public string? Node { get; set; }

    [JsonPropertyName("hypervisorType")]
    [Description("kvm, or qemu where the node cannot run KVM guests.")]
    public HypervisorType? HypervisorType { get; set; }

    [JsonPropertyName("flavor")]
    [Description("The flavor the server was built with, copied at scheduling time so accounting holds if the Flavor changes or goes.")]
    public FlavorSnapshot? Flavor { get; set; }

    [JsonPropertyName("resize")]
    [Description("Set while a resize waits to be confirmed or reverted (nova's migration): where the server ran and the flavor it had before. node and flavor already describe the new placement. The scheduler holds resources for both until the resize is confirmed (the old are released) or reverted (the new are released, and node and flavor go back to these).")]
    public ServerResize? Resize { get; set; }

    [JsonPropertyName("addresses")]
    [Description("Addresses of the server's interfaces.")]
    public List<ServerAddress>? Addresses { get; set; }

    [JsonPropertyName("fault")]
    [Description("The last error, as nova's instance fault: set when the phase is Error.")]
    public ServerFault? Fault { get; set; }

    [Minimum(0)]
    [JsonPropertyName("schedulingAttempts")]
    [Description("How many times the scheduler has tried to place the server.")]
    public int? SchedulingAttempts { get; set; }

    [ListType(ListTypeAttribute.Set)]
    [JsonPropertyName("triedNodes")]
    [Description("Nodes a build already failed on; the RetryFilter skips them.")]
    public List<string>? TriedNodes { get; set; }

    [Format("date-time")]
    [JsonPropertyName("launchedAt")]
    [Description("When the server first became Active.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset? LaunchedAt { get; set; }

    [JsonPropertyName("observedRebootRequest")]
    [Description("The value of the annotation kubecloud.io/reboot-requested-at that the node daemon last acted on.")]
    public string? ObservedRebootRequest { get; set; }
}

/// <summary>The sizes a server was built with.</summary>
public sealed class FlavorSnapshot
{
    [Required]
    [JsonPropertyName("name")]
    [Description("Name of the flavor.")]
    public string Name { get; set; } = string.Empty;

    [Required]
    [JsonPropertyName("vcpus")]
    [Description("Virtual CPUs.")]
    public int Vcpus { get; set; }

    [Required]
    [JsonPropertyName("memory")]
    [Description("Memory of the flavor, as a Kubernetes quantity (2Gi).")]
    public Quantity Memory { get; set; }

    [JsonPropertyName("rootDisk")]
    [Description("Root disk size.")]
    public Quantity RootDisk { get; set; }

    [JsonPropertyName("ephemeralDisk")]
    [Description("Ephemeral disk size.")]
    public Quantity EphemeralDisk { get; set; }

    [JsonPropertyName("swap")]
    [Description("Swap disk size.")]
    public Quantity Swap { get; set; }
}

/// <summary>The placement a server had before a resize that is not yet confirmed or reverted.</summary>
public sealed class ServerResize
{
    [Required]
    [Length(Max = 253)]
    [JsonPropertyName("sourceNode")]
    [Description("The node the server ran on before the resize; resources for oldFlavor stay claimed there until the resize is confirmed or reverted. Equal to node for a resize on the same node.")]
    public string SourceNode { get; set; } = string.Empty;

    [Required]
    [JsonPropertyName("oldFlavor")]
    [Description("The flavor the server had before the resize (what a revert goes back to).")]
    public FlavorSnapshot OldFlavor { get; set; } = new();
}

/// <summary>An address of a server interface.</summary>
public sealed class ServerAddress
{
    [Required]
    [JsonPropertyName("network")]
    [Description("Name of the network.")]
    public string Network { get; set; } = string.Empty;

    [Required]
    [JsonPropertyName("ipAddress")]
    [Description("The address.")]
    public string IPAddress { get; set; } = string.Empty;

    [JsonPropertyName("macAddress")]
    [Description("MAC address of the interface.")]
    public string? MacAddress { get; set; }

    [JsonPropertyName("port")]
    [Description("Name of the port.")]
    public string? Port { get; set; }
}

/// <summary>Why a server is in Error, as nova's instance fault.</summary>
public sealed class ServerFault
{
    [Required]
    [JsonPropertyName("code")]
    [Description("HTTP-like code: 500 for a build failure, 400 for bad input found late.")]
    public int Code { get; set; }

    [Required]
    [JsonPropertyName("message")]
    [Description("What went wrong, for example 'No valid host was found. There are not enough hosts available. RamFilter removed 3 of 3 hosts.'.")]
    public string Message { get; set; } = string.Empty;

    [Format("date-time")]
    [JsonPropertyName("time")]
    [Description("When the fault happened.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset? Time { get; set; }

    [JsonPropertyName("details")]
    [Description("More detail, such as the per-filter host counts.")]
    public string? Details { get; set; }
}
