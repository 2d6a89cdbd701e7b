namespace KubeCloud.Api.V1Alpha1;

/// <summary>
/// The Port a node daemon makes for its DHCP server on a network it serves, as Neutron's DHCP agent makes a port with
/// <c>device_owner: network:dhcp</c>: named <c>dhcp-&lt;node&gt;-&lt;network&gt;</c> in the network's namespace (the
/// network in the name, since a namespace may hold several networks) and labelled
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

    /// <summary>The name of <paramref name="node"/>'s DHCP port on <paramref name="network"/>.</summary>
    public static string NameFor(string node, string network) => $"{NamePrefix}{node}-{network}";

    /// <summary>The node whose DHCP port this is: its label, when the port's name is that node's on its network; otherwise null (not a DHCP port).</summary>
    public static string? NodeOf(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Metadata?.Labels?.TryGetValue(NodeLabel, out var node) == true && node.Length > 0
            && port.Spec?.NetworkRef is { Namespace: null } network && port.Metadata.Name == NameFor(node, network.Name) ? node : null;
    }
}
