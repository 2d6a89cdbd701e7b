using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>Limits of one project (namespace), as nova and cinder quotas.</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("pquota")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Servers", "integer", ".status.used.servers")]
[PrinterColumn(2, "Max Servers", "integer", ".spec.hard.servers")]
[PrinterColumn(3, "VCPUs", "integer", ".status.used.vcpus")]
[PrinterColumn(4, "Max VCPUs", "integer", ".spec.hard.vcpus")]
[PrinterColumn(5, "Memory", "string", ".status.used.memory")]
[PrinterColumn(6, "Max Memory", "string", ".spec.hard.memory")]
[PrinterColumn(7, "Volumes", "integer", ".status.used.volumes", Priority = 1)]
[PrinterColumn(8, "Storage", "string", ".status.used.volumeStorage", Priority = 1)]
[PrinterColumn(9, "Age", "date", ".metadata.creationTimestamp")]
[Description("ProjectQuota limits what one project (namespace) may use, like nova and cinder quotas: servers, vCPUs, memory, volumes, storage, networks and ports. It is enforced when objects are created and re-checked by the controllers; status shows usage. Admins own the spec. A namespace without a ProjectQuota is unlimited; unset fields are unlimited.")]
public sealed class ProjectQuota() : KubeCloudObject<ProjectQuotaSpec, ProjectQuotaStatus>(KubeKind)
{
    public const string KubeKind = "ProjectQuota";
    public const string KubePluralName = "projectquotas";
}

/// <summary>Desired state of a ProjectQuota.</summary>
public sealed class ProjectQuotaSpec
{
    [Required]
    [JsonPropertyName("hard")]
    [Description("The limits; an unset field is unlimited.")]
    public QuotaAmounts Hard { get; set; } = new();
}

/// <summary>Amounts a quota counts.</summary>
public sealed class QuotaAmounts
{
    [Minimum(0)]
    [JsonPropertyName("servers")]
    [Description("Servers (nova instances).")]
    public int? Servers { get; set; }

    [Minimum(0)]
    [JsonPropertyName("vcpus")]
    [Description("Virtual CPUs of all servers (nova cores).")]
    public int? Vcpus { get; set; }

    [JsonPropertyName("memory")]
    [Description("Memory of all servers (nova ram).")]
    public Quantity? Memory { get; set; }

    [Minimum(0)]
    [JsonPropertyName("volumes")]
    [Description("Number of volumes (cinder volumes); unset is unlimited.")]
    public int? Volumes { get; set; }

    [JsonPropertyName("volumeStorage")]
    [Description("Total size of all volumes (cinder gigabytes).")]
    public Quantity? VolumeStorage { get; set; }

    [Minimum(0)]
    [JsonPropertyName("networks")]
    [Description("Number of networks (neutron network); unset is unlimited.")]
    public int? Networks { get; set; }

    [Minimum(0)]
    [JsonPropertyName("ports")]
    [Description("Number of ports, those the operator makes for servers included (neutron port); unset is unlimited.")]
    public int? Ports { get; set; }

    [Minimum(0)]
    [JsonPropertyName("serverGroups")]
    [Description("Number of server groups (nova server_groups); unset is unlimited.")]
    public int? ServerGroups { get; set; }

    [Minimum(0)]
    [JsonPropertyName("serverGroupMembers")]
    [Description("Servers per server group.")]
    public int? ServerGroupMembers { get; set; }
}

/// <summary>Observed state of a ProjectQuota.</summary>
public sealed class ProjectQuotaStatus : KubeCloudStatus
{
    [JsonPropertyName("used")]
    [Description("What the project uses now, counted by the operator.")]
    public QuotaAmounts? Used { get; set; }
}
