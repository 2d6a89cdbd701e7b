using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A tenant network with its subnets (Neutron network + subnets).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("net")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Type", "string", ".spec.providerType")]
[PrinterColumn(2, "Segment", "integer", ".status.segmentationId")]
[PrinterColumn(3, "Subnets", "string", ".spec.subnets[*].cidr")]
[PrinterColumn(4, "Shared", "boolean", ".spec.shared", Priority = 1)]
[PrinterColumn(5, "External", "boolean", ".spec.external", Priority = 1)]
[PrinterColumn(6, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn(7, "Age", "date", ".metadata.creationTimestamp")]
[Description("Network is a layer-2 tenant network with one or more IP subnets, like a Neutron network. On every node that hosts a server on it, the node daemon makes a Linux bridge joined to the other nodes over VXLAN, and serves DHCP for the network's ports.")]
public sealed class Network() : KubeCloudObject<NetworkSpec, NetworkStatus>(KubeKind)
{
    public const string KubeKind = "Network";
    public const string KubePluralName = "networks";
}

/// <summary>How a network is carried between nodes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProviderType>))]
public enum ProviderType
{
    [JsonStringEnumMemberName("vxlan")] Vxlan,
    [JsonStringEnumMemberName("vlan")] Vlan,
    [JsonStringEnumMemberName("flat")] Flat,
}

/// <summary>Desired state of a Network.</summary>
[ValidationRule("self.providerType == oldSelf.providerType", Message = "providerType is immutable", FieldPath = ".providerType")]
[ValidationRule("has(self.segmentationId) == has(oldSelf.segmentationId) && (!has(self.segmentationId) || self.segmentationId == oldSelf.segmentationId)",
    Message = "segmentationId is immutable", FieldPath = ".segmentationId")]
[ValidationRule("self.providerType != 'flat' || !has(self.segmentationId)",
    Message = "segmentationId must not be set for a flat network", FieldPath = ".segmentationId")]
[ValidationRule("self.providerType != 'vlan' || (has(self.segmentationId) && self.segmentationId <= 4094)",
    Message = "a vlan network needs a segmentationId between 1 and 4094", FieldPath = ".segmentationId")]
[ValidationRule("self.providerType == 'vxlan' || has(self.physicalNetwork)",
    Message = "vlan and flat networks need a physicalNetwork", FieldPath = ".physicalNetwork")]
public sealed class NetworkSpec
{
    [ListType(ListTypeAttribute.Map, "name")]
    [Items(Max = 16)]
    [JsonPropertyName("subnets")]
    [Description("IP subnets of the network. Ports get their addresses from these.")]
    public List<Subnet>? Subnets { get; set; }

    [Minimum(68)]
    [Maximum(9000)]
    [Default(1450)]
    [JsonPropertyName("mtu")]
    [Description("MTU of the network; 1450 leaves room for the VXLAN header on a 1500-byte underlay.")]
    public int Mtu { get; set; } = 1450;

    [Default(false)]
    [JsonPropertyName("shared")]
    [Description("Whether servers of other namespaces may attach to the network (they also need the verb 'use' on networks here).")]
    public bool Shared { get; set; }

    [Default(false)]
    [JsonPropertyName("external")]
    [Description("Admin only: the network is an external (provider) network.")]
    public bool External { get; set; }

    [Default("vxlan")]
    [JsonPropertyName("providerType")]
    [Description("Admin only: how the network is carried between nodes: vxlan (default), vlan or flat.")]
    public ProviderType ProviderType { get; set; } = ProviderType.Vxlan;

    [Pattern("^[a-zA-Z0-9][-_.a-zA-Z0-9]*$")]
    [Length(Max = 64)]
    [JsonPropertyName("physicalNetwork")]
    [Description("Admin only: the physical network a vlan or flat network is carried on.")]
    public string? PhysicalNetwork { get; set; }

    [Minimum(1)]
    [Maximum(16777215)]
    [JsonPropertyName("segmentationId")]
    [Description("Admin only: the VXLAN VNI or VLAN ID. Left unset, the operator allocates a VNI and reports it in status.")]
    public int? SegmentationId { get; set; }
}

/// <summary>One IP subnet of a network.</summary>
[ValidationRule("self.cidr == oldSelf.cidr", Message = "cidr is immutable", FieldPath = ".cidr")]
public sealed class Subnet
{
    [Required]
    [Pattern(Patterns.Dns1123Label)]
    [Length(Min = 1, Max = 63)]
    [JsonPropertyName("name")]
    [Description("Name of the subnet, unique within the network; ports refer to it.")]
    public string Name { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.Cidr)]
    [JsonPropertyName("cidr")]
    [Description("The subnet in CIDR notation, for example 10.0.0.0/24.")]
    public string Cidr { get; set; } = string.Empty;

    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("gatewayIP")]
    [Description("Gateway address, inside the CIDR. Unset means the first address of the CIDR.")]
    public string? GatewayIP { get; set; }

    [Items(Max = 16)]
    [JsonPropertyName("allocationPools")]
    [Description("Ranges ports are given addresses from; unset means the whole CIDR except the network, gateway and broadcast addresses.")]
    public List<AllocationPool>? AllocationPools { get; set; }

    [Items(Max = 5)]
    [JsonPropertyName("dnsNameservers")]
    [Description("DNS servers handed to servers by DHCP and cloud-init.")]
    public List<string>? DnsNameservers { get; set; }

    [Default(true)]
    [JsonPropertyName("enableDHCP")]
    [Description("Whether the node daemons serve DHCP on this subnet.")]
    public bool EnableDHCP { get; set; } = true;

    [Items(Max = 32)]
    [JsonPropertyName("hostRoutes")]
    [Description("Extra routes handed to servers.")]
    public List<HostRoute>? HostRoutes { get; set; }
}

/// <summary>An inclusive range of addresses.</summary>
public sealed class AllocationPool
{
    [Required]
    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("start")]
    [Description("First address of the range.")]
    public string Start { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("end")]
    [Description("Last address of the range.")]
    public string End { get; set; } = string.Empty;
}

/// <summary>A static route handed to servers.</summary>
public sealed class HostRoute
{
    [Required]
    [Pattern(Patterns.Cidr)]
    [JsonPropertyName("destination")]
    [Description("Destination network in CIDR notation.")]
    public string Destination { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("nexthop")]
    [Description("Next-hop address.")]
    public string Nexthop { get; set; } = string.Empty;
}

/// <summary>Observed state of a Network.</summary>
public sealed class NetworkStatus : KubeCloudStatus
{
    [Minimum(1)]
    [Maximum(16777215)]
    [JsonPropertyName("segmentationId")]
    [Description("The VNI or VLAN ID in use, allocated by the operator unless the spec sets one.")]
    public int? SegmentationId { get; set; }

    [ListType(ListTypeAttribute.Map, "name")]
    [JsonPropertyName("subnets")]
    [Description("Address usage per subnet.")]
    public List<SubnetStatus>? Subnets { get; set; }

    [ListType(ListTypeAttribute.Map, "node")]
    [JsonPropertyName("nodes")]
    [Description("The network's VXLAN tunnel endpoints (as Neutron's l2population): every node with a port bound to it on this network and that node's tunnel IP, written by the operator from the ports and the nodes' Hypervisors. Each node daemon sends the network's broadcast and unknown traffic to the other entries; a node listed without a tunnel IP has not reported one yet (check its Hypervisor's status.tunnelIP) and gets no traffic until it does.")]
    public List<NetworkNodeStatus>? Nodes { get; set; }
}

/// <summary>One node with a port bound on the network: a VXLAN tunnel endpoint.</summary>
public sealed class NetworkNodeStatus
{
    [Required]
    [JsonPropertyName("node")]
    [Description("Name of the node (its Hypervisor) with at least one port bound on the network.")]
    public string Node { get; set; } = string.Empty;

    [JsonPropertyName("tunnelIP")]
    [Description("The node's tunnel IP, from its Hypervisor's status.tunnelIP; unset while the node has not reported one.")]
    public string? TunnelIP { get; set; }
}

/// <summary>Address usage of one subnet.</summary>
public sealed class SubnetStatus
{
    [Required]
    [JsonPropertyName("name")]
    [Description("Name of the subnet.")]
    public string Name { get; set; } = string.Empty;

    [Minimum(0)]
    [JsonPropertyName("usedIPs")]
    [Description("Addresses allocated to ports.")]
    public long UsedIPs { get; set; }

    [Minimum(0)]
    [JsonPropertyName("totalIPs")]
    [Description("Addresses in the allocation pools.")]
    public long TotalIPs { get; set; }
}
