using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>The Server controller's settings (part of <see cref="OperatorSettings"/>), with defaults for a single-cluster install.</summary>
public sealed class ServerSettings
{
    /// <summary>The scheduler's filters, weighers and ratios (nova's defaults).</summary>
    public SchedulerOptions Scheduler { get; set; } = SchedulerOptions.Default;

    /// <summary>Placements a server may use before its build is given up (nova's scheduler max_attempts, 3): a build that fails on a node is retried on another.</summary>
    public int MaxSchedulingAttempts { get; set; } = 3;

    /// <summary>How long a server may wait for its references, quota and a host before it goes to Error.</summary>
    public TimeSpan SchedulingDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the ports of a placed server may take to get their MAC and addresses.</summary>
    public TimeSpan NetworkingDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the volumes of a placed server may take to be attached to its node.</summary>
    public TimeSpan BlockDeviceMappingDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the node may take to report the server spawned (image fetch included).</summary>
    public TimeSpan SpawningDeadline { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// nova's resize_confirm_window: a resize that waits this long for confirmation is confirmed by the operator. Null
    /// (nova's 0, the default) leaves it open until the annotation <c>kubecloud.io/resize: confirm</c> or a revert.
    /// </summary>
    public TimeSpan? ResizeConfirmWindow { get; set; }

    /// <summary>How often a server without a host (or in Error) is looked at again when nothing it watches changes.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Reconciles that may run at once (never two for one server); <c>--server-workers</c>. A reconcile is almost all
    /// waiting on the API server (the operator's CPU is idle in a profile), so throughput is workers / write latency.
    /// 4, measured on a quiet 2-core machine (operator README, Figures): 2,000 servers went Active at 95/s with 3.0
    /// reconciles per server at 4 workers and at 91/s with 5.7 per server at 16 (more workers read staler caches).
    /// </summary>
    public int Workers { get; set; } = 4;
}
