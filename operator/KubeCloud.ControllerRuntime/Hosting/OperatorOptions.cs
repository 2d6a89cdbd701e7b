using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.LeaderElection;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>The settings of an operator process.</summary>
public sealed class OperatorOptions
{
    /// <summary>The cluster to talk to; null loads in-cluster config or the kubeconfig (<see cref="ClusterConfig.Load"/>).</summary>
    public k8s.KubernetesClientConfiguration? Cluster { get; set; }

    public KubeClientOptions Client { get; set; } = new();

    /// <summary>Informer settings shared by every informer (namespace restriction, selectors, backoff).</summary>
    public InformerOptions Informers { get; set; } = new();

    /// <summary>Leader election; null runs controllers without it (one replica only).</summary>
    public LeaderElectionOptions? LeaderElection { get; set; }

    /// <summary>The reporting controller of Events, e.g. <c>kubecloud.io/operator</c>.</summary>
    public string EventSource { get; set; } = "kubecloud.io/operator";

    /// <summary>
    /// Where /metrics, /healthz and /readyz listen (used by <see cref="OperatorHost.CreateBuilder"/>); null when the
    /// caller configures Kestrel's listeners itself (separate ones: <see cref="OperatorListeners"/>).
    /// </summary>
    public string? HealthUrl { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Write logs as one JSON object per line.</summary>
    public bool JsonLogs { get; set; }
}
