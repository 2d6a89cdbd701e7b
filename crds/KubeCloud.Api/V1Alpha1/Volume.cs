using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Api.Serialization;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A block volume exported over iSCSI (Cinder volume).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("vol")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Phase", "string", ".status.phase")]
[PrinterColumn(2, "Size", "string", ".spec.size")]
[PrinterColumn(3, "Type", "string", ".spec.volumeType", Priority = 1)]
[PrinterColumn(4, "Attached To", "string", ".status.attachments[*].server")]
[PrinterColumn(5, "Backend", "string", ".status.backendNode", Priority = 1)]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp")]
[Description("Volume is a persistent block device, like a Cinder volume: a storage node keeps its data and exports it over iSCSI with CHAP; servers attach it with QEMU's iSCSI initiator. Detaching or deleting a server never deletes a volume.")]
public sealed class Volume() : KubeCloudObject<VolumeSpec, VolumeStatus>(KubeKind)
{
    public const string KubeKind = "Volume";
    public const string KubePluralName = "volumes";
}

/// <summary>Desired state of a Volume.</summary>
public sealed class VolumeSpec
{
    [Required]
    [JsonPropertyName("size")]
    [Description("Size of the volume, as a quantity (for example 10Gi). It can grow but never shrink.")]
    public Quantity Size { get; set; }

    [Immutable(Message = "source is immutable")]
    [JsonPropertyName("source")]
    [Description("What the volume starts with; unset means blank.")]
    public VolumeSource? Source { get; set; }

    [Pattern(Patterns.Dns1123Label)]
    [Immutable(Message = "volumeType is immutable")]
    [JsonPropertyName("volumeType")]
    [Description("Volume type: only storage nodes that report serving it (Hypervisor status.storage.volumeTypes) hold the volume; unset means any storage node.")]
    public string? VolumeType { get; set; }

    [Default(false)]
    [JsonPropertyName("multiattach")]
    [Description("Whether more than one server may attach the volume at once.")]
    public bool Multiattach { get; set; }
}

/// <summary>Where a volume's initial content comes from; at most one field is set.</summary>
[ValidationRule("!(has(self.imageRef) && has(self.volumeRef))", Message = "set at most one of imageRef and volumeRef")]
public sealed class VolumeSource
{
    [JsonPropertyName("imageRef")]
    [Description("An image whose content is copied into the volume (a bootable volume).")]
    public NamespacedObjectReference? ImageRef { get; set; }

    [JsonPropertyName("volumeRef")]
    [Description("A volume in the same namespace to clone.")]
    public LocalObjectReference? VolumeRef { get; set; }
}

/// <summary>Lifecycle of a Volume, as Cinder's volume status.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VolumePhase>))]
public enum VolumePhase
{
    Creating,
    Available,
    /// <summary>A server being built has claimed the volume; attaching has not started (cinder's reserved).</summary>
    Reserved,
    Attaching,
    InUse,
    Detaching,
    Deleting,
    Error,
}

/// <summary>Observed state of a Volume.</summary>
public sealed class VolumeStatus : KubeCloudStatus
{
    [JsonPropertyName("phase")]
    [Description("Creating, Available, Reserved (a server claimed it, attaching has not started), Attaching, InUse, Detaching, Deleting or Error.")]
    public VolumePhase? Phase { get; set; }

    [JsonPropertyName("capacity")]
    [Description("Size of the volume as provisioned.")]
    public Quantity? Capacity { get; set; }

    [JsonPropertyName("backendNode")]
    [Description("The storage node that holds the volume's data.")]
    public string? BackendNode { get; set; }

    [JsonPropertyName("target")]
    [Description("How to reach the volume over iSCSI.")]
    public IscsiTarget? Target { get; set; }

    [ListType(ListTypeAttribute.Map, "server")]
    [JsonPropertyName("attachments")]
    [Description("Servers the volume is attached to.")]
    public List<VolumeAttachment>? Attachments { get; set; }
}

/// <summary>An iSCSI target exporting a volume.</summary>
public sealed class IscsiTarget
{
    [Required]
    [JsonPropertyName("portal")]
    [Description("Address and port of the target, host:port.")]
    public string Portal { get; set; } = string.Empty;

    [Required]
    [Pattern("^iqn\\.[0-9]{4}-[0-9]{2}\\.[^\\s]+$")]
    [JsonPropertyName("iqn")]
    [Description("iSCSI qualified name of the target.")]
    public string Iqn { get; set; } = string.Empty;

    [Minimum(0)]
    [JsonPropertyName("lun")]
    [Description("Logical unit number of the volume in the target.")]
    public int Lun { get; set; } = 1;

    [JsonPropertyName("chapSecretRef")]
    [Description("Secret with the CHAP user name and password (keys username and password).")]
    public LocalObjectReference? ChapSecretRef { get; set; }
}

/// <summary>One attachment of a volume to a server.</summary>
public sealed class VolumeAttachment
{
    [Required]
    [JsonPropertyName("server")]
    [Description("Name of the server, in the volume's namespace.")]
    public string Server { get; set; } = string.Empty;

    [JsonPropertyName("node")]
    [Description("Node the server runs on; unset while the attachment is only a reservation.")]
    public string? Node { get; set; }

    [Pattern("^vd[a-z]$")]
    [JsonPropertyName("device")]
    [Description("Device name in the guest, for example vdb.")]
    public string? Device { get; set; }

    [Format("date-time")]
    [JsonPropertyName("attachedAt")]
    [Description("When the attachment completed.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset? AttachedAt { get; set; }
}
