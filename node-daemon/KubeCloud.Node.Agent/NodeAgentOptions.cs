using System.Net;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Agent;

/// <summary>The settings of one node daemon (one compute node).</summary>
public sealed record NodeAgentOptions
{
    /// <summary>This node's name: the value of the label <c>kubecloud.io/node</c> on its Servers and the name of its Hypervisor.</summary>
    public required string NodeName { get; init; }

    /// <summary>Where the node keeps instance directories, the image cache and managed-save images.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>kvm, or qemu (TCG) where KVM cannot run guests; from the KVM probe at start.</summary>
    public HypervisorType Hypervisor { get; init; } = HypervisorType.Qemu;

    /// <summary>Why the hypervisor type is what it is (the probe's answer), for the KvmUsable condition.</summary>
    public string HypervisorReason { get; init; } = "not probed";

    /// <summary>The hypervisor's version as reported in the Hypervisor's status (e.g. libvirt's), if known.</summary>
    public string? HypervisorVersion { get; init; }

    /// <summary>This node's VXLAN tunnel address (the Hypervisor's <c>status.tunnelIP</c>).</summary>
    public IPAddress? TunnelIp { get; init; }

    /// <summary>The base URL the operator reaches this node's console endpoint at (annotation <c>kubecloud.io/console-url</c> on its Hypervisor); null: not advertised.</summary>
    public Uri? ConsoleUrl { get; init; }

    /// <summary>How long a running guest may stay silent on its serial console before a Warning Event says so.</summary>
    public TimeSpan ConsoleSilenceDeadline { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The device VXLAN tunnels are bound to (<c>--tunnel-interface</c>); null lets the route to each peer pick it.</summary>
    public string? TunnelInterface { get; init; }

    /// <summary>The network namespace that holds <see cref="TunnelIp"/> when it is not the daemon's (<c>--tunnel-netns</c>): VXLAN sockets live there, bridges and taps here.</summary>
    public string? TunnelNamespace { get; init; }

    /// <summary>The prefix of this node's bridges, VXLAN devices and DHCP namespaces (<c>--device-prefix</c>); two daemons on one host need two.</summary>
    public string DevicePrefix { get; init; } = KubeCloud.Node.Networking.DeviceNames.DefaultPrefix;

    /// <summary>Set up bridges, VXLAN and DHCP for the networks of this node's ports (off with the fake driver: no host networking).</summary>
    public bool ManageNetworks { get; init; } = true;

    /// <summary>The storage role (cinder-volume): null when this node holds no volumes.</summary>
    public Volumes.StorageRoleOptions? Storage { get; init; }

    /// <summary>How often the Hypervisor's <c>lastHeartbeatTime</c> and facts are written.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a converged server is looked at again (a guest may power itself off), and orphans are swept.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Servers converged at once.</summary>
    public int ServerWorkers { get; init; } = 4;

    /// <summary>How long a guest gets to power off on ACPI before it is forced.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string InstancesDirectory => Path.Combine(StateDirectory, "instances");

    public string ImagesDirectory => Path.Combine(StateDirectory, "images");

    /// <summary>One file per network wired on this node (named by its id), so a network deleted while the daemon was down is found and removed.</summary>
    public string NetworksDirectory => Path.Combine(StateDirectory, "networks");

    /// <summary>Where libvirt writes managed-save images (its qemu driver's save directory): SuspendSpace checks its free space before a suspend.</summary>
    public string SaveDirectory { get; init; } = "/var/lib/libvirt/qemu/save";

    /// <summary>The label selector of this node's Servers and Ports (the operator labels both).</summary>
    public string ServerSelector => $"{KubeCloud.Api.V1Alpha1.ApiGroup.NodeLabel}={NodeName}";
}
