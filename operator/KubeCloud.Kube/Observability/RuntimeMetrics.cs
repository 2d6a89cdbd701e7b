using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace KubeCloud.Kube.Observability;

/// <summary>
/// The instruments of the controller runtime, named as client-go and controller-runtime name theirs so that
/// dashboards written for Go operators work unchanged.
/// </summary>
public static class RuntimeMetrics
{
    public const string MeterName = "KubeCloud.Kube";

    private static readonly double[] DurationBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly double[] QueueBuckets =
        [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10, 100, 1000];

    private static readonly double[] RestClientBuckets =
        [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

    public static Meter Meter { get; } = new(MeterName, "0.1");

    /// <summary>client-go's <c>rest_client_requests_total{code,method,host}</c>: one per attempt; code <c>&lt;error&gt;</c> without a response.</summary>
    public static Counter<long> RestClientRequests { get; } = Meter.CreateCounter<long>(
        "rest_client_requests_total", description: "Number of HTTP requests, partitioned by status code, method, and host.");

    /// <summary>client-go's <c>rest_client_request_duration_seconds{verb,host}</c>: per attempt, until the body is read (a watch: its headers).</summary>
    public static Histogram<double> RestClientRequestDuration { get; } = Meter.CreateHistogram(
        "rest_client_request_duration_seconds", unit: "s", description: "Request latency in seconds. Broken down by verb, and host.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RestClientBuckets });

    /// <summary>client-go's <c>rest_client_request_retries_total{code,verb,host}</c>: one per attempt that is sent again.</summary>
    public static Counter<long> RestClientRetries { get; } = Meter.CreateCounter<long>(
        "rest_client_request_retries_total", description: "Number of request retries, partitioned by status code, verb, and host.");

    /// <summary>Counts one attempt of a request and its duration.</summary>
    public static void RecordRequest(string method, string code, string host, double seconds)
    {
        RestClientRequests.Add(1, new TagList { { "code", code }, { "method", method }, { "host", host } });
        RestClientRequestDuration.Record(seconds, new TagList { { "verb", method }, { "host", host } });
    }

    /// <summary>Counts one attempt that is sent again.</summary>
    public static void RecordRetry(string verb, string code, string host) =>
        RestClientRetries.Add(1, new TagList { { "code", code }, { "verb", verb }, { "host", host } });

    public static Counter<long> ReconcileTotal { get; } = Meter.CreateCounter<long>(
        "controller_runtime_reconcile_total", description: "Total number of reconciliations per controller and result.");

    public static Counter<long> ReconcileErrors { get; } = Meter.CreateCounter<long>(
        "controller_runtime_reconcile_errors_total", description: "Total number of reconciliation errors per controller.");

    public static Counter<long> TerminalReconcileErrors { get; } = Meter.CreateCounter<long>(
        "controller_runtime_terminal_reconcile_errors_total", description: "Total number of terminal reconciliation errors per controller.");

    public static Histogram<double> ReconcileTime { get; } = Meter.CreateHistogram(
        "controller_runtime_reconcile_time_seconds", unit: "s", description: "Length of time per reconciliation per controller.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    public static UpDownCounter<long> ActiveWorkers { get; } = Meter.CreateUpDownCounter<long>(
        "controller_runtime_active_workers", description: "Number of currently used workers per controller.");

    public static UpDownCounter<long> QueueDepth { get; } = Meter.CreateUpDownCounter<long>(
        "workqueue_depth", description: "Current depth of workqueue.");

    public static Counter<long> QueueAdds { get; } = Meter.CreateCounter<long>(
        "workqueue_adds_total", description: "Total number of adds handled by workqueue.");

    public static Counter<long> QueueRetries { get; } = Meter.CreateCounter<long>(
        "workqueue_retries_total", description: "Total number of retries handled by workqueue.");

    public static Histogram<double> QueueLatency { get; } = Meter.CreateHistogram(
        "workqueue_queue_duration_seconds", unit: "s", description: "How long in seconds an item stays in workqueue before being requested.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueBuckets });

    public static Histogram<double> WorkDuration { get; } = Meter.CreateHistogram(
        "workqueue_work_duration_seconds", unit: "s", description: "How long in seconds processing an item from workqueue takes.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueBuckets });

    private static readonly ConditionalWeakTable<object, Func<(string Lease, bool Leader)>> LeaderElectors = [];

    public static ObservableGauge<long> LeaderStatus { get; } = Meter.CreateObservableGauge(
        "leader_election_master_status",
        ObserveLeaders,
        description: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.");

    /// <summary>Reports <paramref name="elector"/>'s leadership in <see cref="LeaderStatus"/> for as long as it lives.</summary>
    public static void TrackLeaderElector(object elector, Func<(string Lease, bool Leader)> state) => LeaderElectors.AddOrUpdate(elector, state);

    private static IEnumerable<Measurement<long>> ObserveLeaders() =>
        LeaderElectors.Select(e => e.Value())
            .GroupBy(s => s.Lease, StringComparer.Ordinal)
            .Select(g => new Measurement<long>(g.Count(s => s.Leader), new KeyValuePair<string, object?>("name", g.Key)));
}
