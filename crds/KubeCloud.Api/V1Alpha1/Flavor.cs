using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A hardware template for servers (nova flavor). Cluster-scoped; admins own it.</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ClusterScoped]
[ShortNames("flv")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "VCPUs", "integer", ".spec.vcpus")]
[PrinterColumn(2, "Memory", "string", ".spec.memory")]
[PrinterColumn(3, "Root Disk", "string", ".spec.rootDisk")]
[PrinterColumn(4, "Ephemeral", "string", ".spec.ephemeralDisk", Priority = 1)]
[PrinterColumn(5, "Public", "boolean", ".spec.public")]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp")]
[Description("Flavor is a hardware template for servers: virtual CPUs, memory and disks, and extra specs that scheduler filters match against host aggregates. Flavors are cluster-scoped and immutable in size, as in nova.")]
public sealed class Flavor() : KubeCloudObject<FlavorSpec, FlavorStatus>(KubeKind)
{
    public const string KubeKind = "Flavor";
    public const string KubePluralName = "flavors";
}

/// <summary>Desired state of a Flavor.</summary>
[ValidationRule("self.vcpus == oldSelf.vcpus && self.memory == oldSelf.memory && self.rootDisk == oldSelf.rootDisk && self.ephemeralDisk == oldSelf.ephemeralDisk && self.swap == oldSelf.swap",
    Message = "vcpus, memory, rootDisk, ephemeralDisk and swap are immutable: create a new flavor and resize servers to it")]
[ValidationRule("!has(self.projects) || size(self.projects) == 0 || !self.public",
    Message = "projects may only be set on a private flavor (public: false)", FieldPath = ".projects")]
public sealed class FlavorSpec
{
    [Required]
    [Minimum(1)]
    [Maximum(1024)]
    [JsonPropertyName("vcpus")]
    [Description("Number of virtual CPUs.")]
    public int Vcpus { get; set; } = 1;

    [Required]
    [JsonPropertyName("memory")]
    [Description("Memory of the server, as a Kubernetes quantity (for example 512Mi or 4Gi).")]
    public Quantity Memory { get; set; }

    [Default("0")]
    [JsonPropertyName("rootDisk")]
    [Description("Size of the root disk, as a quantity. 0 means the size of the image (nova's root_gb 0).")]
    public Quantity RootDisk { get; set; }

    [Default("0")]
    [JsonPropertyName("ephemeralDisk")]
    [Description("Size of a second, ephemeral disk that lives and dies with the server; 0 for none.")]
    public Quantity EphemeralDisk { get; set; }

    [Default("0")]
    [JsonPropertyName("swap")]
    [Description("Size of a swap disk; 0 for none.")]
    public Quantity Swap { get; set; }

    [JsonPropertyName("extraSpecs")]
    [MaxProperties(128)]
    [Description("Extra specifications as key/value strings. The AggregateInstanceExtraSpecsFilter matches keys (optionally scoped 'aggregate_instance_extra_specs:') against node labels; ComputeCapabilitiesFilter matches 'capabilities:' keys against hypervisor facts. Values may use nova's operators (=, s==, <in>, <or>, >=, <=).")]
    public Dictionary<string, string>? ExtraSpecs { get; set; }

    [Default(true)]
    [JsonPropertyName("public")]
    [Description("Whether every project may use the flavor. A private flavor is usable only by the namespaces listed in projects (and by admins).")]
    public bool Public { get; set; } = true;

    [ListType(ListTypeAttribute.Set)]
    [Items(Max = 256)]
    [JsonPropertyName("projects")]
    [Description("Namespaces (projects) allowed to use a private flavor.")]
    public List<string>? Projects { get; set; }

    [Length(Max = 1024)]
    [JsonPropertyName("description")]
    [Description("Free-form description shown to users.")]
    public string? Description { get; set; }
}

/// <summary>Observed state of a Flavor.</summary>
public sealed class FlavorStatus : KubeCloudStatus;
