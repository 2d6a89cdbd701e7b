using System.Runtime.CompilerServices;
using Prometheus;

namespace KubeCloud.ControllerRuntime.Observability;

/// <summary>
/// The metrics of the controller runtime through prometheus-net's own API (not its meter adapter, which renames
/// metrics, exports counters as gauges and drops what was recorded before the first scrape), named, typed and
/// bucketed as client-go and controller-runtime do, so dashboards written for Go operators work unchanged.
/// They live in <see cref="Registry"/>, which <c>MapOperatorEndpoints</c> serves at <c>/metrics</c>.
/// </summary>
public static class RuntimeMetrics
{
    // client-go's rest_client_request_duration_seconds buckets.
    private static readonly double[] RestClientBuckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

    // controller-runtime's reconcile_time_seconds buckets.
    private static readonly double[] ReconcileBuckets =
    [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
        1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ];

    // client-go's workqueue buckets: ExponentialBuckets(10e-9, 10, 12), 10 ns to 1000 s.
    private static readonly double[] QueueBuckets = Histogram.ExponentialBuckets(10e-9, 10, 12);

    private static readonly ConditionalWeakTable<object, Func<(string Lease, bool Leader)>> LeaderElectors = [];

    /// <summary>The registry every runtime metric is in.</summary>
    public static CollectorRegistry Registry { get; } = CreateRegistry();

    private static readonly MetricFactory Factory = Metrics.WithCustomRegistry(Registry);

    /// <summary>client-go's <c>rest_client_requests_total{code,method,host}</c>: one per attempt; code <c>&lt;error&gt;</c> without a response.</summary>
    public static Counter RestClientRequests { get; } = Factory.CreateCounter(
        "rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host.", ["code", "method", "host"]);

    /// <summary>client-go's <c>rest_client_request_duration_seconds{verb,host}</c>: per attempt, until the response headers.</summary>
    public static Histogram RestClientRequestDuration { get; } = Factory.CreateHistogram(
        "rest_client_request_duration_seconds", "Request latency in seconds. Broken down by verb, and host.",
        ["verb", "host"], new HistogramConfiguration { Buckets = RestClientBuckets });

    /// <summary>client-go's <c>rest_client_request_retries_total{code,verb,host}</c>: one per attempt that is sent again.</summary>
    public static Counter RestClientRetries { get; } = Factory.CreateCounter(
        "rest_client_request_retries_total", "Number of request retries, partitioned by status code, verb, and host.", ["code", "verb", "host"]);

    public static Counter ReconcileTotal { get; } = Factory.CreateCounter(
        "controller_runtime_reconcile_total", "Total number of reconciliations per controller", ["controller", "result"]);

    public static Counter ReconcileErrors { get; } = Factory.CreateCounter(
        "controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", ["controller"]);

    public static Counter TerminalReconcileErrors { get; } = Factory.CreateCounter(
        "controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller", ["controller"]);

    public static Histogram ReconcileTime { get; } = Factory.CreateHistogram(
        "controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller",
        ["controller"], new HistogramConfiguration { Buckets = ReconcileBuckets });

    public static Gauge ActiveWorkers { get; } = Factory.CreateGauge(
        "controller_runtime_active_workers", "Number of currently used workers per controller", ["controller"]);

    public static Gauge QueueDepth { get; } = Factory.CreateGauge("workqueue_depth", "Current depth of workqueue", ["name"]);

    public static Counter QueueAdds { get; } = Factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", ["name"]);

    public static Counter QueueRetries { get; } = Factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", ["name"]);

    public static Histogram QueueLatency { get; } = Factory.CreateHistogram(
        "workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested.",
        ["name"], new HistogramConfiguration { Buckets = QueueBuckets });

    public static Histogram WorkDuration { get; } = Factory.CreateHistogram(
        "workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.",
        ["name"], new HistogramConfiguration { Buckets = QueueBuckets });

    public static Gauge LeaderStatus { get; } = Factory.CreateGauge(
        "leader_election_master_status",
        "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
        ["name"]);

    /// <summary>Counts one attempt of a request and its duration.</summary>
    public static void RecordRequest(string method, string code, string host, double seconds)
    {
        RestClientRequests.WithLabels(code, method, host).Inc();
        RestClientRequestDuration.WithLabels(method, host).Observe(seconds);
    }

    /// <summary>Counts one attempt that is sent again.</summary>
    public static void RecordRetry(string verb, string code, string host) => RestClientRetries.WithLabels(code, verb, host).Inc();

    /// <summary>Reports <paramref name="elector"/>'s leadership in <see cref="LeaderStatus"/> for as long as it lives.</summary>
    public static void TrackLeaderElector(object elector, Func<(string Lease, bool Leader)> state) => LeaderElectors.AddOrUpdate(elector, state);

    /// <summary>The registry in the Prometheus text format 0.0.4, as <c>/metrics</c> serves it.</summary>
    public static async Task<string> ScrapeAsync(CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static CollectorRegistry CreateRegistry()
    {
        var registry = Metrics.NewCustomRegistry();
        registry.AddBeforeCollectCallback(ObserveLeaders);
        return registry;
    }

    private static void ObserveLeaders()
    {
        foreach (var lease in LeaderElectors.Select(e => e.Value()).GroupBy(s => s.Lease, StringComparer.Ordinal))
        {
            LeaderStatus.WithLabels(lease.Key).Set(lease.Count(s => s.Leader));
        }
    }
}
