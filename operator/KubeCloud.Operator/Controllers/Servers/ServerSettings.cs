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
    /// 16, measured with the scale bench on the 2-core machine on 4 December 2026 (operator README, Figures): in a burst
    /// of 2,000 servers the 4 workers were the queue everything waited in (mean queue wait 1.8-2.1 s, 337 servers/s,
    /// p99 creation to Active 5.0-5.1 s); 16 workers, same runs, 453 servers/s, p99 3.2-4.6 s, still 3.0 reconciles
    /// per server (on 3 December, before passes on a cache behind the controller's own writes ended at once, 16 workers
    /// read staler caches and made 5.7 passes per server, so the default had gone back to 4).
    /// </summary>
    public int Workers { get; set; } = 16;
}
