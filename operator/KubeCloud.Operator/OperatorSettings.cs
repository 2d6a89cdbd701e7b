using KubeCloud.Operator.Controllers.Servers;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator;

/// <summary>
/// The operator's configuration (flags of <c>kubecloud-operator</c>, or set by tests). Each controller reads the part
/// that concerns it; defaults are what a single-cluster install wants.
/// </summary>
public sealed class OperatorSettings
{
    /// <summary>The namespace the operator runs in (its Lease, webhook certificate and Events about cluster objects).</summary>
    public string Namespace { get; set; } = "kubecloud-system";

    /// <summary>First VXLAN VNI the Network controller hands out (Neutron's <c>vni_ranges</c>); admins may request any VNI, inside or outside the range.</summary>
    public int VniRangeFirst { get; set; } = 1000;

    /// <summary>Last VXLAN VNI the Network controller hands out (inclusive); VNIs above it are left for admins to request.</summary>
    public int VniRangeLast { get; set; } = 1_999_999;

    /// <summary>Prefix of the MAC addresses the Port controller allocates (Neutron's <c>base_mac</c>), one to five octets.</summary>
    public string MacPrefix { get; set; } = MacAddressAllocator.DefaultPrefix;

    /// <summary>How long the Image controller waits for an image source's answer, and for each read of its body.</summary>
    public TimeSpan ImageSourceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many image sources the Image controller reads (and hashes) at once.</summary>
    public int ImageDigestConcurrency { get; set; } = 2;

    /// <summary>The largest image source, in bytes, the Image controller reads to compute its sha256; larger ones are Error <c>SourceTooLarge</c>.</summary>
    public long ImageMaxSize { get; set; } = 64L << 30;

    /// <summary>The Server controller: scheduler options, attempts, the provisioning steps' deadlines, resize confirmation.</summary>
    public ServerSettings Servers { get; set; } = new();

    /// <summary>The first delay before an image source that did not answer well is asked again; it doubles per failure up to five minutes.</summary>
    public TimeSpan ImageSourceRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Which controllers run, as kube-controller-manager's <c>--controllers</c>: <c>*</c> is every controller, a name
    /// turns one on, <c>-name</c> turns one off (<c>["*", "-server"]</c>: all but the Server controller). Tests use it to
    /// play a controller themselves.
    /// </summary>
    public IReadOnlyList<string> Controllers { get; set; } = ["*"];

    /// <summary>How old a Hypervisor's <c>lastHeartbeatTime</c> may get before it is not Ready (the node lifecycle controller's grace period).</summary>
    public TimeSpan HeartbeatGrace { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>
    /// How often a Hypervisor's <c>status.allocated</c> and <c>instances</c> are written while servers are placed on it:
    /// one write per batch of placements, not one per server (a report: the scheduler counts claims in its ledger).
    /// </summary>
    public TimeSpan HypervisorAllocationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>cinder-scheduler's options for placing Volumes on storage nodes.</summary>
    public VolumeSchedulerOptions VolumeScheduling { get; set; } = new();

    /// <summary>Whether the controller named <paramref name="name"/> runs: <c>-name</c> wins over <c>name</c>, which wins over <c>*</c>.</summary>
    public bool Runs(string name) =>
        !Controllers.Contains("-" + name) && (Controllers.Contains(name) || Controllers.Contains("*"));
}
