using k8s;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Kubernetes' NodeRestriction for KubeCloud's node daemons: RBAC lets the daemons' service account update Servers and
/// write Hypervisors cluster-wide, and this rule narrows each daemon to its own node. The node comes from the caller's
/// token, as the kubelet's does: a service-account token bound to a pod carries the pod's node in the user's extra
/// <see cref="NodeNameExtra"/>. A daemon may create, update and delete only the Hypervisor named after its node, and
/// update (status included) only Servers bound to its node before and after the write, except that it may take its
/// finalizer off a Server the operator moved to another node; update only Volumes it serves (<c>status.backendNode</c>)
/// or that are attached on its node; update only Ports on its node (<c>status.node</c>), and create and delete only
/// its own DHCP ports (<see cref="DhcpPort"/>); update only its own entry of an Image's <c>status.nodes</c>. Callers that are not a node daemon's service account pass untouched.
/// </summary>
public sealed class NodeRestriction(IReadOnlyCollection<string> nodeServiceAccounts)
{
    /// <summary>The key kube-apiserver puts a pod-bound token's node name under (ServiceAccountTokenPodNodeInfo).</summary>
    public const string NodeNameExtra = "authentication.kubernetes.io/node-name";

    /// <summary>The node daemon's finalizer on a Server (the contract's <c>kubecloud.io/node-cleanup</c>).</summary>
    public const string CleanupFinalizer = "kubecloud.io/node-cleanup";

    private readonly HashSet<string> _users = [.. nodeServiceAccounts.Select(UserOf)];

    /// <summary>The user name of a service account given as <c>namespace/name</c>, as tokens authenticate it.</summary>
    public static string UserOf(string serviceAccount)
    {
        ArgumentNullException.ThrowIfNull(serviceAccount);
        var parts = serviceAccount.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException($"a node service account is namespace/name, not '{serviceAccount}'", nameof(serviceAccount));
        }

        return $"system:serviceaccount:{parts[0]}:{parts[1]}";
    }

    /// <summary>Whether the caller is a node daemon this rule narrows.</summary>
    public bool Restricts(AdmissionCaller caller) => _users.Contains(caller.UserName);

    /// <summary>A write of the Hypervisor <paramref name="name"/> (the object, or its status).</summary>
    public AdmissionVerdict Hypervisor(AdmissionCaller caller, string name)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Restricts(caller))
        {
            return AdmissionVerdict.Allow;
        }

        if (NodeOf(caller) is not { } node)
        {
            return NoNode(caller);
        }

        return name == node
            ? AdmissionVerdict.Allow
            : Refuse("metadata.name", $"the node daemon of node {node} may write only its own Hypervisor ({node}), not {name}");
    }

    /// <summary>An update of a Server (the object, or its status): bound to the caller's node before and after.</summary>
    public AdmissionVerdict Server(AdmissionCaller caller, Server? server, Server? old)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Restricts(caller))
        {
            return AdmissionVerdict.Allow;
        }

        if (NodeOf(caller) is not { } node)
        {
            return NoNode(caller);
        }

        var target = server ?? old;
        var name = $"{target?.Metadata?.NamespaceProperty}/{target?.Metadata?.Name}";
        if (old is not null && BoundNode(old) != node && !ReleasesCleanup(server, old))
        {
            return Refuse($"metadata.labels[{ApiGroup.NodeLabel}]",
                $"the node daemon of node {node} may write only Servers bound to {node}; {name} is bound to {Describe(BoundNode(old))}");
        }

        if (server is not null && BoundNode(server) != node)
        {
            return Refuse($"metadata.labels[{ApiGroup.NodeLabel}]",
                $"the node daemon of node {node} may not move {name} to {Describe(BoundNode(server))}: only the operator binds Servers to nodes");
        }

        return AdmissionVerdict.Allow;
    }

    /// <summary>A write of a Volume (the object, or its status): served by or attached on the caller's node before and after.</summary>
    public AdmissionVerdict Volume(AdmissionCaller caller, Volume? volume, Volume? old)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Restricts(caller))
        {
            return AdmissionVerdict.Allow;
        }

        if (NodeOf(caller) is not { } node)
        {
            return NoNode(caller);
        }

        foreach (var (state, when) in new[] { (old, "is"), (volume, "would be") })
        {
            if (state is not null && !VolumeNodes(state).Contains(node))
            {
                return Refuse("status.backendNode",
                    $"the node daemon of node {node} may write only Volumes served by or attached on {node}; {NameOf(state)} {when} {DescribeVolume(state)}");
            }
        }

        return AdmissionVerdict.Allow;
    }

    /// <summary>
    /// A write of a Port: an update (status included) of a port on the caller's node (<c>status.node</c>) before and
    /// after; a create, update or delete of the caller's own DHCP port (<c>dhcp-&lt;node&gt;</c> labelled
    /// <see cref="DhcpPort.NodeLabel"/><c>=&lt;node&gt;</c>).
    /// </summary>
    public AdmissionVerdict Port(AdmissionCaller caller, Port? port, Port? old)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Restricts(caller))
        {
            return AdmissionVerdict.Allow;
        }

        if (NodeOf(caller) is not { } node)
        {
            return NoNode(caller);
        }

        foreach (var (state, when) in new[] { (old, "is"), (port, "would be") })
        {
            if (state is null || DhcpPort.NodeOf(state) == node)
            {
                continue;
            }

            if (port is null || old is null)
            {
                return Refuse("metadata.name",
                    $"the node daemon of node {node} may create and delete only its own DHCP ports ({DhcpPort.NameFor(node, "<network>")} on <network> in its namespace, labelled {DhcpPort.NodeLabel}={node}), not {NameOf(state)}");
            }

            if (state.Status?.Node != node)
            {
                return Refuse("status.node",
                    $"the node daemon of node {node} may write only Ports on {node}; {NameOf(state)} {when} on {Describe(state.Status?.Node)}");
            }
        }

        return AdmissionVerdict.Allow;
    }

    /// <summary>
    /// An update of an Image's status: the daemon's own entry of <c>status.nodes</c> (keyed by its node) and nothing else,
    /// so a node never rewrites another node's cache state or the operator's fields.
    /// </summary>
    public AdmissionVerdict Image(AdmissionCaller caller, Image? image, Image? old)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Restricts(caller))
        {
            return AdmissionVerdict.Allow;
        }

        if (NodeOf(caller) is not { } node)
        {
            return NoNode(caller);
        }

        if (image is null || old is null)
        {
            return Refuse("metadata.name", $"the node daemon of node {node} may only update Images' status.nodes entry of {node}");
        }

        if (WithoutNode(image, node) != WithoutNode(old, node))
        {
            return Refuse("status.nodes",
                $"the node daemon of node {node} may write only the status.nodes entry of {node} of Image {NameOf(image)}, not another node's entry or another field");
        }

        return AdmissionVerdict.Allow;
    }

    /// <summary>The Image's spec, labels, annotations and status as JSON, with the entry of <paramref name="node"/> left out of <c>status.nodes</c>.</summary>
    private static string WithoutNode(Image image, string node)
    {
        var status = image.Status is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(image.Status, KubernetesJsonOptions.Options)!.AsObject();
        if (status?["nodes"] is System.Text.Json.Nodes.JsonArray nodes)
        {
            foreach (var entry in nodes.Where(n => (string?)n?["node"] == node).ToList())
            {
                nodes.Remove(entry);
            }

            if (nodes.Count == 0)
            {
                status.Remove("nodes"); // no list and an empty one are the same to the other writers
            }
        }

        if (status?.Count == 0)
        {
            status = null;
        }

        return System.Text.Json.JsonSerializer.Serialize(new { image.Spec, image.Metadata?.Labels, image.Metadata?.Annotations, status }, KubernetesJsonOptions.Options);
    }

    /// <summary>The nodes a Volume is bound to: the storage node serving it and the nodes it is attached on.</summary>
    private static HashSet<string> VolumeNodes(Volume volume) =>
        [.. new[] { volume.Status?.BackendNode }.Concat((volume.Status?.Attachments ?? []).Select(a => a.Node)).OfType<string>()];

    private static string DescribeVolume(Volume volume) =>
        $"served by {Describe(volume.Status?.BackendNode)} and attached on {(VolumeNodes(volume).Except([volume.Status?.BackendNode ?? string.Empty]).ToList() is { Count: > 0 } nodes ? string.Join(", ", nodes) : "no node")}";

    private static string NameOf(IKubernetesObject<k8s.Models.V1ObjectMeta> obj) => $"{obj.Metadata?.NamespaceProperty}/{obj.Metadata?.Name}";

    /// <summary>
    /// The one write a daemon may make on a Server bound elsewhere: removing <see cref="CleanupFinalizer"/> from a server
    /// the operator moved away (a retry after the node went down), labels unchanged, once the host is clean.
    /// </summary>
    private static bool ReleasesCleanup(Server? server, Server old) =>
        server is not null
        && (old.Metadata?.Finalizers ?? []).Contains(CleanupFinalizer)
        && !(server.Metadata?.Finalizers ?? []).Contains(CleanupFinalizer)
        && BoundNode(server) == BoundNode(old);

    /// <summary>The node a Server is bound to: the operator's label, else its status.</summary>
    private static string? BoundNode(Server server) =>
        server.Metadata?.Labels?.TryGetValue(ApiGroup.NodeLabel, out var label) == true && label.Length > 0 ? label : server.Status?.Node;

    private static string? NodeOf(AdmissionCaller caller) =>
        caller.Extra?.TryGetValue(NodeNameExtra, out var values) == true && values is [{ Length: > 0 } node] ? node : null;

    private static string Describe(string? node) => node is null ? "no node" : $"node {node}";

    private static AdmissionVerdict NoNode(AdmissionCaller caller) => Refuse("userInfo.extra",
        $"{caller.UserName} is a node daemon's service account, but its token names no node ({NodeNameExtra}): run the daemon with the token the kubelet projects into its pod");

    private static AdmissionVerdict Refuse(string field, string message) => new([new FieldError(field, AdmissionRules.NodeRestriction, message)]);
}
