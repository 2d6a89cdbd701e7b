using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A set of servers placed together or apart (nova server group).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("sgrp")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Policy", "string", ".spec.policy")]
[PrinterColumn(2, "Members", "string", ".status.members")]
[PrinterColumn(3, "Age", "date", ".metadata.creationTimestamp")]
[Description("ServerGroup is a set of servers with a placement policy, like a nova server group: affinity (same node), anti-affinity (different nodes), or their soft forms that the weighers prefer but do not enforce. Servers join by naming the group in spec.schedulerHints.serverGroup.")]
public sealed class ServerGroup() : KubeCloudObject<ServerGroupSpec, ServerGroupStatus>(KubeKind)
{
    public const string KubeKind = "ServerGroup";
    public const string KubePluralName = "servergroups";
}

/// <summary>Placement policy of a server group.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServerGroupPolicy>))]
public enum ServerGroupPolicy
{
    [JsonStringEnumMemberName("affinity")] Affinity,
    [JsonStringEnumMemberName("anti-affinity")] AntiAffinity,
    [JsonStringEnumMemberName("soft-affinity")] SoftAffinity,
    [JsonStringEnumMemberName("soft-anti-affinity")] SoftAntiAffinity,
}

/// <summary>Desired state of a ServerGroup.</summary>
[ValidationRule("!has(self.rules) || !has(self.rules.maxServerPerHost) || self.policy == 'anti-affinity'",
    Message = "rules.maxServerPerHost is only valid with the anti-affinity policy", FieldPath = ".rules.maxServerPerHost")]
public sealed class ServerGroupSpec
{
    [Required]
    [Immutable(Message = "policy is immutable")]
    [JsonPropertyName("policy")]
    [Description("affinity, anti-affinity, soft-affinity or soft-anti-affinity.")]
    public ServerGroupPolicy Policy { get; set; }

    [Immutable(Message = "rules are immutable")]
    [JsonPropertyName("rules")]
    [Description("Rules of the policy: maxServerPerHost for anti-affinity (nova's max_server_per_host). Immutable.")]
    public ServerGroupRules? Rules { get; set; }
}

/// <summary>Rules of a server group policy.</summary>
public sealed class ServerGroupRules
{
    [Minimum(1)]
    [JsonPropertyName("maxServerPerHost")]
    [Description("With anti-affinity: how many members may share one node (default 1).")]
    public int? MaxServerPerHost { get; set; }
}

/// <summary>Observed state of a ServerGroup.</summary>
public sealed class ServerGroupStatus : KubeCloudStatus
{
    [ListType(ListTypeAttribute.Set)]
    [JsonPropertyName("members")]
    [Description("Names of the servers in the group.")]
    public List<string>? Members { get; set; }
}
