using System.Diagnostics.Metrics;
using KubeCloud.Kube.Observability;
using KubeCloud.Kube.Queue;

namespace KubeCloud.Kube.Tests;

public class PrometheusExporterTests
{
    [Fact]
    public void Every_instrument_kind_is_written_as_valid_exposition()
    {
        using var meter = new Meter("KubeCloud.Tests.Exposition." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        var requests = meter.CreateCounter<long>("http.requests_total", description: "Requests.\nSecond line with a \\ backslash.");
        var inflight = meter.CreateUpDownCounter<int>("inflight");
        var temperature = 21.5;
        meter.CreateObservableGauge("room-temperature", () => new Measurement<double>(temperature, new KeyValuePair<string, object?>("room", "lab \"A\"")));
        meter.CreateObservableCounter("cpu_seconds_total", () => 12.25);
        var latency = meter.CreateHistogram("latency_seconds", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        var sizes = meter.CreateHistogram<long>("sizes");

        requests.Add(3, new KeyValuePair<string, object?>("code", 200), new KeyValuePair<string, object?>("method", "GET"));
        requests.Add(2, new KeyValuePair<string, object?>("method", "GET"), new KeyValuePair<string, object?>("code", 200));
        requests.Add(1, new KeyValuePair<string, object?>("code", 500), new KeyValuePair<string, object?>("method", "GET"));
        inflight.Add(5);
        inflight.Add(-2);
        foreach (var value in new[] { 0.05, 0.1, 0.5, 5, 50 })
        {
            latency.Record(value, new KeyValuePair<string, object?>("route/name", "x"));
        }

        sizes.Record(3);

        var text = exporter.Collect();
        var (types, samples) = PrometheusTextValidator.Parse(text);

        Assert.Equal("counter", types["http_requests_total"]);
        Assert.Equal("gauge", types["inflight"]);
        Assert.Equal("gauge", types["room_temperature"]);
        Assert.Equal("counter", types["cpu_seconds_total"]);
        Assert.Equal("histogram", types["latency_seconds"]);
        Assert.Contains("# HELP http_requests_total Requests.\\nSecond line with a \\\\ backslash.\n", text, StringComparison.Ordinal);

        Assert.Equal(5, samples.Single(s => s.Name == "http_requests_total" && s.Labels["code"] == "200").Value);
        Assert.Equal(3, samples.Single(s => s.Name == "inflight").Value);
        Assert.Equal("lab \"A\"", samples.Single(s => s.Name == "room_temperature").Labels["room"]);
        Assert.Equal(12.25, samples.Single(s => s.Name == "cpu_seconds_total").Value);

        var buckets = samples.Where(s => s.Name == "latency_seconds_bucket").ToDictionary(s => s.Labels["le"], s => s.Value);
        Assert.Equal(2, buckets["0.1"]);
        Assert.Equal(3, buckets["1"]);
        Assert.Equal(4, buckets["10"]);
        Assert.Equal(5, buckets["+Inf"]);
        Assert.Equal(55.65, samples.Single(s => s.Name == "latency_seconds_sum").Value, 6);
        Assert.Equal("x", samples.Single(s => s.Name == "latency_seconds_count").Labels["route_name"]);
        Assert.Equal(12, samples.Count(s => s.Name == "sizes_bucket"));

        temperature = 19;
        Assert.Equal(19, PrometheusTextValidator.Parse(exporter.Collect()).Samples.Single(s => s.Name == "room_temperature").Value);
    }

    [Fact]
    public async Task Work_queue_metrics_use_client_go_names()
    {
        using var exporter = new PrometheusExporter(m => m.Name == RuntimeMetrics.MeterName);
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        using var queue = new RateLimitingQueue<string>(name, time: new ManualTimeProvider());
        queue.Add("a");
        queue.Add("b");
        var (item, _) = await queue.GetAsync();
        queue.Done(item);
        queue.AddRateLimited("c");

        var (types, samples) = PrometheusTextValidator.Parse(exporter.Collect());
        Assert.Equal("gauge", types["workqueue_depth"]);
        Assert.Equal("histogram", types["workqueue_queue_duration_seconds"]);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_depth" && s.Labels["name"] == name).Value);
        Assert.Equal(2, samples.Single(s => s.Name == "workqueue_adds_total" && s.Labels["name"] == name).Value);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_retries_total" && s.Labels["name"] == name).Value);
        Assert.Equal(1, samples.Single(s => s.Name == "workqueue_work_duration_seconds_count" && s.Labels["name"] == name).Value);
    }

    [Theory]
    [InlineData("http.server.duration", "http_server_duration")]
    [InlineData("9lives", "_lives")]
    [InlineData("ok:name_1", "ok:name_1")]
    [InlineData("with space-and-dash", "with_space_and_dash")]
    public void Names_are_sanitised(string raw, string expected) => Assert.Equal(expected, PrometheusExporter.SanitizeName(raw));

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
