using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Api.Serialization;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A bootable disk image (Glance image). Node daemons fetch, verify and cache it.</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("img")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Phase", "string", ".status.phase")]
[PrinterColumn(2, "Format", "string", ".spec.diskFormat")]
[PrinterColumn(3, "Visibility", "string", ".spec.visibility")]
[PrinterColumn(4, "Size", "integer", ".status.size", Format = "int64")]
[PrinterColumn(5, "Source", "string", ".spec.source.url", Priority = 1)]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp")]
[Description("Image is a bootable disk image, like a Glance image: where to fetch it, its format and sha256 checksum, who may use it and what it needs. Node daemons download and verify it into their cache; servers boot from copy-on-write overlays of it.")]
public sealed class Image() : KubeCloudObject<ImageSpec, ImageStatus>(KubeKind)
{
    public const string KubeKind = "Image";
    public const string KubePluralName = "images";
}

/// <summary>Disk format of an image file.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiskFormat>))]
public enum DiskFormat
{
    [JsonStringEnumMemberName("qcow2")] Qcow2,
    [JsonStringEnumMemberName("raw")] Raw,
    [JsonStringEnumMemberName("iso")] Iso,
}

/// <summary>Who may use an image.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageVisibility>))]
public enum ImageVisibility
{
    [JsonStringEnumMemberName("private")] Private,
    [JsonStringEnumMemberName("shared")] Shared,
    [JsonStringEnumMemberName("public")] Public,
}

/// <summary>Desired state of an Image.</summary>
[ValidationRule("self.visibility == 'shared' || !has(self.sharedWith) || size(self.sharedWith) == 0",
    Message = "sharedWith may only be set when visibility is shared", FieldPath = ".sharedWith")]
public sealed class ImageSpec
{
    [Required]
    [Immutable(Message = "source is immutable: an image's content never changes, create a new Image")]
    [JsonPropertyName("source")]
    [Description("Where the image's bytes come from.")]
    public ImageSource Source { get; set; } = new();

    [Default("qcow2")]
    [Immutable(Message = "diskFormat is immutable")]
    [JsonPropertyName("diskFormat")]
    [Description("Format of the file at the source: qcow2, raw or iso.")]
    public DiskFormat DiskFormat { get; set; } = DiskFormat.Qcow2;

    [Pattern("^[a-f0-9]{64}$")]
    [Immutable(Message = "checksum is immutable")]
    [JsonPropertyName("checksum")]
    [Description("Expected sha256 digest of the file, 64 lowercase hex digits. A download that does not match is discarded and the image goes to Error.")]
    public string? Checksum { get; set; }

    [Default("private")]
    [JsonPropertyName("visibility")]
    [Description("Who may boot from the image: private (this namespace), shared (also the namespaces in sharedWith) or public (every namespace).")]
    public ImageVisibility Visibility { get; set; } = ImageVisibility.Private;

    [ListType(ListTypeAttribute.Set)]
    [Items(Max = 256)]
    [JsonPropertyName("sharedWith")]
    [Description("Namespaces an image with visibility shared is shared with.")]
    public List<string>? SharedWith { get; set; }

    [JsonPropertyName("minDisk")]
    [Description("Smallest root disk the image needs, as a quantity; flavors with a smaller root disk are refused.")]
    public Quantity? MinDisk { get; set; }

    [JsonPropertyName("minMemory")]
    [Description("Smallest memory the image needs, as a quantity; flavors with less memory are refused.")]
    public Quantity? MinMemory { get; set; }

    [JsonPropertyName("properties")]
    [Description("Properties of the image that the ImagePropertiesFilter matches against hypervisors.")]
    public ImageProperties? Properties { get; set; }
}

/// <summary>The origin of an image's bytes.</summary>
public sealed class ImageSource
{
    [Required]
    [Pattern("^https?://[^\\s]+$")]
    [Length(Max = 2048)]
    [JsonPropertyName("url")]
    [Description("An http or https URL the node daemons download the image from.")]
    public string Url { get; set; } = string.Empty;
}

/// <summary>CPU architectures an image can be built for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CpuArchitecture>))]
public enum CpuArchitecture
{
    [JsonStringEnumMemberName("x86_64")] X8664,
    [JsonStringEnumMemberName("aarch64")] Aarch64,
}

/// <summary>Hypervisor types.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HypervisorType>))]
public enum HypervisorType
{
    /// <summary>Hardware-accelerated KVM.</summary>
    [JsonStringEnumMemberName("kvm")] Kvm,
    /// <summary>QEMU's software emulation (TCG), used where KVM cannot run guests.</summary>
    [JsonStringEnumMemberName("qemu")] Qemu,
}

/// <summary>Firmware a guest boots with.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Firmware>))]
public enum Firmware
{
    [JsonStringEnumMemberName("bios")] Bios,
    [JsonStringEnumMemberName("uefi")] Uefi,
}

/// <summary>Guest operating system family.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OsType>))]
public enum OsType
{
    [JsonStringEnumMemberName("linux")] Linux,
    [JsonStringEnumMemberName("windows")] Windows,
}

/// <summary>Image metadata used by scheduling and by the domain definition.</summary>
public sealed class ImageProperties
{
    [JsonPropertyName("architecture")]
    [Description("CPU architecture the image needs (x86_64 or aarch64).")]
    public CpuArchitecture? Architecture { get; set; }

    [JsonPropertyName("hypervisorType")]
    [Description("Hypervisor type the image needs (kvm or qemu); unset means any.")]
    public HypervisorType? HypervisorType { get; set; }

    [JsonPropertyName("firmware")]
    [Description("Firmware to boot with: bios or uefi.")]
    public Firmware? Firmware { get; set; }

    [JsonPropertyName("osType")]
    [Description("Guest operating system family: linux or windows.")]
    public OsType? OsType { get; set; }

    [Length(Max = 255)]
    [JsonPropertyName("osDistro")]
    [Description("Guest distribution, informational (for example debian).")]
    public string? OsDistro { get; set; }
}

/// <summary>Lifecycle of an Image.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImagePhase>))]
public enum ImagePhase
{
    Pending,
    Available,
    Error,
}

/// <summary>Cache state of an image on one node.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageCacheState>))]
public enum ImageCacheState
{
    Downloading,
    Cached,
    Error,
}

/// <summary>Observed state of an Image.</summary>
public sealed class ImageStatus : KubeCloudStatus
{
    [JsonPropertyName("phase")]
    [Description("Pending until the operator has read the source and computed its sha256, then Available; Error when the source cannot be fetched, is too large or does not match spec.checksum.")]
    public ImagePhase? Phase { get; set; }

    [Minimum(0)]
    [JsonPropertyName("size")]
    [Description("Size of the downloaded file in bytes.")]
    public long? Size { get; set; }

    [Minimum(0)]
    [JsonPropertyName("virtualSize")]
    [Description("Virtual size of the disk in bytes, as qemu-img reports it.")]
    public long? VirtualSize { get; set; }

    [Pattern("^[a-f0-9]{64}$")]
    [JsonPropertyName("checksum")]
    [Description("The sha256 digest of the source's bytes, computed by the operator; node daemons verify their downloads against it when spec.checksum is unset.")]
    public string? Checksum { get; set; }

    [ListType(ListTypeAttribute.Map, "node")]
    [JsonPropertyName("nodes")]
    [Description("Cache state of the image on each node that fetched it.")]
    public List<ImageNodeStatus>? Nodes { get; set; }
}

/// <summary>Cache state of an image on one node, written by that node's daemon.</summary>
public sealed class ImageNodeStatus
{
    [Required]
    [JsonPropertyName("node")]
    [Description("Name of the node.")]
    public string Node { get; set; } = string.Empty;

    [Required]
    [JsonPropertyName("state")]
    [Description("Downloading, Cached or Error.")]
    public ImageCacheState State { get; set; }

    [JsonPropertyName("message")]
    [Description("Why the image is in Error on this node.")]
    public string? Message { get; set; }

    [Format("date-time")]
    [JsonPropertyName("lastUsedTime")]
    [Description("Last time a server on this node used the cached image.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset? LastUsedTime { get; set; }
}
