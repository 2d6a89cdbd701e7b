using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator;

/// <summary>
/// The operator's configuration (flags of <c>kubecloud-operator</c>, or set by tests). Each controller reads the part
/// that concerns it; defaults are what a single-cluster install wants.
/// </summary>
public sealed class OperatorSettings
{
    /// <summary>The namespace the operator runs in (its Lease, webhook certificate and Events about cluster objects).</summary>
    public string Namespace { get; set; } = "kubecloud-system";

    /// <summary>The Server controller: scheduler options, attempts, the provisioning steps' deadlines, resize confirmation.</summary>
    public ServerSettings Servers { get; set; } = new();
}
