using System.Collections.Concurrent;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Observability;
using Prometheus;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// The Server controller's metrics, in the runtime's registry (<see cref="RuntimeMetrics.Registry"/>, served at
/// <c>/metrics</c> beside the reconcile and queue metrics): scheduling latency and outcome, servers by phase, and the
/// time from creation to the first Active (the pod-startup SLO's counterpart).
/// </summary>
public sealed class ServerMetrics
{
    private static readonly MetricFactory Factory = Metrics.WithCustomRegistry(RuntimeMetrics.Registry);

    /// <summary>One scheduling decision (filters, weighers, claim): outcome scheduled, no_valid_host or retries_exhausted.</summary>
    public static Histogram SchedulingDuration { get; } = Factory.CreateHistogram(
        "kubecloud_scheduler_scheduling_duration_seconds", "Time of one scheduling decision (filters, weighers and the claim), by outcome",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 16) });

    public static Counter SchedulingAttempts { get; } = Factory.CreateCounter(
        "kubecloud_scheduler_schedule_attempts_total", "Scheduling decisions by outcome: scheduled, no_valid_host, retries_exhausted", ["outcome"]);

    public static Gauge ServersByPhase { get; } = Factory.CreateGauge(
        "kubecloud_servers", "Servers by phase, as this operator last wrote them", ["phase"]);

    public static Histogram CreationToActive { get; } = Factory.CreateHistogram(
        "kubecloud_server_creation_to_active_seconds", "Time from a Server's creation to its first Active phase",
        new HistogramConfiguration { Buckets = [0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 30, 60, 120, 300, 600] });

    private readonly ConcurrentDictionary<string, ServerPhase> _phases = new(StringComparer.Ordinal);

    /// <summary>Records the phase of a server (keyed by uid), moving it between the gauge's series.</summary>
    public void Observe(string uid, ServerPhase phase)
    {
        var previous = default(ServerPhase?);
        _phases.AddOrUpdate(uid, phase, (_, old) =>
        {
            previous = old;
            return phase;
        });
        if (previous == phase)
        {
            return;
        }

        if (previous is { } old)
        {
            ServersByPhase.WithLabels(old.ToString()).Dec();
        }

        ServersByPhase.WithLabels(phase.ToString()).Inc();
    }

    /// <summary>The server is gone.</summary>
    public void Forget(string uid)
    {
        if (_phases.TryRemove(uid, out var phase))
        {
            ServersByPhase.WithLabels(phase.ToString()).Dec();
        }
    }
}
