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

    /// <summary>
    /// Which controllers run, as kube-controller-manager's <c>--controllers</c>: <c>*</c> is every controller, a name
    /// turns one on, <c>-name</c> turns one off (<c>["*", "-server"]</c>: all but the Server controller). Tests use it to
    /// play a controller themselves.
    /// </summary>
    public IReadOnlyList<string> Controllers { get; set; } = ["*"];

    /// <summary>How old a Hypervisor's <c>lastHeartbeatTime</c> may get before it is not Ready (the node lifecycle controller's grace period).</summary>
    public TimeSpan HeartbeatGrace { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>cinder-scheduler's options for placing Volumes on storage nodes.</summary>
    public VolumeSchedulerOptions VolumeScheduling { get; set; } = new();

    /// <summary>Whether the controller named <paramref name="name"/> runs: <c>-name</c> wins over <c>name</c>, which wins over <c>*</c>.</summary>
    public bool Runs(string name) =>
        !Controllers.Contains("-" + name) && (Controllers.Contains(name) || Controllers.Contains("*"));
}
