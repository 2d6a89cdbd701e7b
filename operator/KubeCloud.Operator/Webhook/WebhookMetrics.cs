using KubeCloud.ControllerRuntime.Observability;
using Prometheus;

namespace KubeCloud.Operator.Webhook;

/// <summary>The admission webhook's metrics, in the runtime's registry (served at <c>/metrics</c>).</summary>
public static class WebhookMetrics
{
    // controller-runtime's webhook latency buckets (prometheus.DefBuckets).
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly MetricFactory Factory = Metrics.WithCustomRegistry(RuntimeMetrics.Registry);

    /// <summary>Admission reviews answered, by kind, operation (CREATE, UPDATE, DELETE) and allowed (true, false).</summary>
    public static Counter Requests { get; } = Factory.CreateCounter(
        "kubecloud_admission_requests_total", "Admission reviews answered by the KubeCloud webhook, by kind, operation and whether they were allowed.",
        ["kind", "operation", "allowed"]);

    /// <summary>Time from reading a review to writing its answer, by kind and operation.</summary>
    public static Histogram Duration { get; } = Factory.CreateHistogram(
        "kubecloud_admission_duration_seconds", "Time the KubeCloud webhook took to answer an admission review, by kind and operation.",
        ["kind", "operation"], new HistogramConfiguration { Buckets = LatencyBuckets });
}
