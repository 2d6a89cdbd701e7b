using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.ControllerRuntime.Queue;

namespace KubeCloud.ControllerRuntime.Tests;

public class RuntimeMetricsTests
{
    public static TheoryData<string, string> Types => new()
    {
        { "rest_client_requests_total", "counter" },
        { "rest_client_request_duration_seconds", "histogram" },
        { "rest_client_request_retries_total", "counter" },
        { "workqueue_depth", "gauge" },
        { "workqueue_adds_total", "counter" },
        { "workqueue_queue_duration_seconds", "histogram" },
        { "workqueue_work_duration_seconds", "histogram" },
        { "workqueue_retries_total", "counter" },
        { "controller_runtime_reconcile_total", "counter" },
        { "controller_runtime_reconcile_errors_total", "counter" },
        { "controller_runtime_reconcile_time_seconds", "histogram" },
        { "leader_election_master_status", "gauge" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Every_metric_has_the_client_go_or_controller_runtime_type(string name, string type)
    {
        var (types, _) = PrometheusTextValidator.Parse(await RuntimeMetrics.ScrapeAsync());

        Assert.Equal(type, types[name]);
    }

    [Fact]
    public async Task Histograms_use_the_Kubernetes_buckets()
    {
        var name = "buckets-" + Guid.NewGuid().ToString("N");
        RuntimeMetrics.ReconcileTime.WithLabels(name).Observe(0.3);
        RuntimeMetrics.QueueLatency.WithLabels(name).Observe(0.3);

        var (_, samples) = PrometheusTextValidator.Parse(await RuntimeMetrics.ScrapeAsync());
        string[] Bounds(string metric, string label) =>
            [.. samples.Where(s => s.Name == metric + "_bucket" && s.Labels.GetValueOrDefault(label) == name).Select(s => s.Labels["le"])];
        Assert.Equal(41, Bounds("controller_runtime_reconcile_time_seconds", "controller").Length); // 40 boundaries and +Inf
        Assert.Equal(["1e-08", "1e-07", "1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1", "1", "10", "100", "1000", "+Inf"],
            Bounds("workqueue_queue_duration_seconds", "name"));
    }

    [Fact]
    public async Task Work_queue_metrics_use_client_go_names()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        using var queue = new RateLimitingQueue<string>(name, time: new ManualTimeProvider());
        queue.Add("a");
        queue.Add("b");
        var (item, _) = await queue.GetAsync();
        queue.Done(item);
        queue.AddRateLimited("c");

        var (types, samples) = PrometheusTextValidator.Parse(await RuntimeMetrics.ScrapeAsync());
        Assert.Equal("gauge", types["workqueue_depth"]);
        Assert.Equal("histogram", types["workqueue_queue_duration_seconds"]);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_depth" && s.Labels["name"] == name).Value);
        Assert.Equal(2, samples.Single(s => s.Name == "workqueue_adds_total" && s.Labels["name"] == name).Value);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_retries_total" && s.Labels["name"] == name).Value);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_work_duration_seconds_count" && s.Labels["name"] == name).Value);
    }

    [Fact]
    public void The_validator_rejects_broken_exposition()
    {
        Assert.ThrowsAny<Exception>(() => PrometheusTextValidator.Parse("x 1\n"));
        Assert.ThrowsAny<Exception>(() => PrometheusTextValidator.Parse("# TYPE x counter\nx{a=\"1\" 1\n"));
        Assert.ThrowsAny<Exception>(() => PrometheusTextValidator.Parse(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 3\n"));
        Assert.ThrowsAny<Exception>(() => PrometheusTextValidator.Parse("# TYPE x counter\nx 1\n# TYPE x counter\n"));
    }
}
