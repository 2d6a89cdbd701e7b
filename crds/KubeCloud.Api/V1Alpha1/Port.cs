using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>A virtual NIC on a network, with its MAC and fixed IPs (Neutron port).</summary>
[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("nic")]
[Categories(ApiGroup.Category)]
[PrinterColumn(1, "Network", "string", ".spec.networkRef.name")]
[PrinterColumn(2, "MAC", "string", ".status.macAddress")]
[PrinterColumn(3, "IPs", "string", ".status.fixedIPs[*].ipAddress")]
[PrinterColumn(4, "Server", "string", ".status.serverRef.name")]
[PrinterColumn(5, "Node", "string", ".status.node", Priority = 1)]
[PrinterColumn(6, "Phase", "string", ".status.phase")]
[PrinterColumn(7, "Age", "date", ".metadata.creationTimestamp")]
[Description("Port is a virtual network interface on a Network, like a Neutron port: a MAC address and fixed IPs allocated by the operator's IPAM, bound to at most one server. The operator creates ports for servers that name a network; users create ports to choose addresses themselves.")]
public sealed class Port() : KubeCloudObject<PortSpec, PortStatus>(KubeKind)
{
    public const string KubeKind = "Port";
    public const string KubePluralName = "ports";
}

/// <summary>Desired state of a Port.</summary>
public sealed class PortSpec
{
    [Required]
    [Immutable(Message = "networkRef is immutable: a port cannot move to another network")]
    [JsonPropertyName("networkRef")]
    [Description("The network the port is on.")]
    public NamespacedObjectReference NetworkRef { get; set; } = new();

    [Items(Max = 16)]
    [JsonPropertyName("fixedIPs")]
    [Description("Addresses wanted on the port: a subnet, and optionally the address. Unset means one address from the network's first subnet.")]
    public List<FixedIP>? FixedIPs { get; set; }

    [Pattern(Patterns.MacAddress)]
    [Immutable(Message = "macAddress is immutable")]
    [JsonPropertyName("macAddress")]
    [Description("MAC address to use; unset means one allocated by the operator (prefix fa:16:3e, as Neutron's).")]
    public string? MacAddress { get; set; }

    [Default(true)]
    [JsonPropertyName("adminStateUp")]
    [Description("Whether the interface is up.")]
    public bool AdminStateUp { get; set; } = true;
}

/// <summary>One address request of a port.</summary>
public sealed class FixedIP
{
    [Pattern(Patterns.Dns1123Label)]
    [JsonPropertyName("subnet")]
    [Description("Name of the subnet to allocate from; unset means the network's first subnet.")]
    public string? Subnet { get; set; }

    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("ipAddress")]
    [Description("The address wanted; unset means the next free one.")]
    public string? IPAddress { get; set; }
}

/// <summary>Lifecycle of a Port, as Neutron's port status.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PortPhase>))]
public enum PortPhase
{
    /// <summary>Addresses allocated, not plugged into a server.</summary>
    Down,
    /// <summary>Being plugged on a node.</summary>
    Build,
    /// <summary>Plugged into a running server.</summary>
    Active,
    /// <summary>Allocation or plugging failed.</summary>
    Error,
}

/// <summary>Observed state of a Port.</summary>
public sealed class PortStatus : KubeCloudStatus
{
    [JsonPropertyName("phase")]
    [Description("Down, Build, Active or Error.")]
    public PortPhase? Phase { get; set; }

    [Pattern(Patterns.MacAddress)]
    [JsonPropertyName("macAddress")]
    [Description("The MAC address in use.")]
    public string? MacAddress { get; set; }

    [JsonPropertyName("fixedIPs")]
    [Description("The addresses allocated to the port.")]
    public List<AllocatedIP>? FixedIPs { get; set; }

    [JsonPropertyName("serverRef")]
    [Description("The server the port is bound to.")]
    public LocalObjectReference? ServerRef { get; set; }

    [JsonPropertyName("node")]
    [Description("The node the bound server runs on.")]
    public string? Node { get; set; }

    [Length(Max = 15)]
    [JsonPropertyName("interfaceName")]
    [Description("Name of the tap device on the node.")]
    public string? InterfaceName { get; set; }
}

/// <summary>An address allocated to a port.</summary>
public sealed class AllocatedIP
{
    [Required]
    [JsonPropertyName("subnet")]
    [Description("Name of the subnet.")]
    public string Subnet { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.IPAddress)]
    [JsonPropertyName("ipAddress")]
    [Description("The address.")]
    public string IPAddress { get; set; } = string.Empty;
}
