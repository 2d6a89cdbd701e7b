namespace KubeCloud.Api.V1Alpha1;

/// <summary>
/// The Port a node daemon makes for its DHCP server on a network it serves, as Neutron's DHCP agent makes a port with
/// <c>device_owner: network:dhcp</c>: named <c>dhcp-&lt;node&gt;</c> in the network's namespace and labelled
/// <see cref="NodeLabel"/><c>=&lt;node&gt;</c>. The operator allocates its MAC and address like any port's, binds it to
/// no server and reports the node in <c>status.node</c>; NodeRestriction lets a daemon create and delete only its own.
/// </summary>
public static class DhcpPort
{
    /// <summary>The label naming the node whose DHCP server owns the port (its device owner).</summary>
    public const string NodeLabel = "kubecloud.io/dhcp-node";

    /// <summary>The device owner, as Neutron writes it, for messages and printouts.</summary>
    public const string DeviceOwner = "network:dhcp";

    public const string NamePrefix = "dhcp-";

    /// <summary>The name of <paramref name="node"/>'s DHCP port on a network.</summary>
    public static string NameFor(string node) => NamePrefix + node;

    /// <summary>The node whose DHCP port this is: its label, when its name is that node's; otherwise null (not a DHCP port).</summary>
    public static string? NodeOf(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Metadata?.Labels?.TryGetValue(NodeLabel, out var node) == true && node.Length > 0 && port.Metadata.Name == NameFor(node) ? node : null;
    }
}
