using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Observability;

namespace KubeCloud.ControllerRuntime.Tests;

public class RestClientMetricsTests
{
    private const string ServerJson = """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"web","namespace":"demo","resourceVersion":"7"}}""";

    [Fact]
    public async Task Requests_latencies_and_retries_are_exported_with_client_go_names_and_labels()
    {
        // A host of its own: the meter is process-wide and other tests send requests in parallel.
        var host = $"metrics-{Guid.NewGuid():N}.test:6443";
        var handler = new StubHandler((request, n) => n switch
        {
            1 => StubHandler.Json(HttpStatusCode.TooManyRequests, StubHandler.Status(429, "TooManyRequests", "slow down"), TimeSpan.Zero),
            2 => StubHandler.Json(HttpStatusCode.Created, ServerJson),
            3 => throw new HttpRequestException("connection reset"),
            4 => StubHandler.Json(HttpStatusCode.OK, ServerJson),
            _ => StubHandler.Json(HttpStatusCode.NotFound, StubHandler.Status(404, "NotFound", "servers \"gone\" not found")),
        });
        using var client = new KubeClient(new k8s.KubernetesClientConfiguration { Host = $"https://{host}" }, handler, new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1) } });

        await client.CreateAsync(new Server { Metadata = new() { Name = "web", NamespaceProperty = "demo" } });
        await client.GetAsync<Server>("web", "demo");
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync<Server>("gone", "demo"));

        var (types, samples) = PrometheusTextValidator.Parse(await RuntimeMetrics.ScrapeAsync());
        Assert.Equal("counter", types["rest_client_requests_total"]);
        Assert.Equal("histogram", types["rest_client_request_duration_seconds"]);
        Assert.Equal("counter", types["rest_client_request_retries_total"]);

        var mine = samples.Where(s => s.Labels.TryGetValue("host", out var h) && h == host).ToList();
        double Requests(string code, string method) =>
            mine.Where(s => s.Name == "rest_client_requests_total" && s.Labels["code"] == code && s.Labels["method"] == method).Sum(s => s.Value);
        Assert.Equal(1, Requests("429", "POST"));
        Assert.Equal(1, Requests("201", "POST"));
        Assert.Equal(1, Requests("<error>", "GET"));
        Assert.Equal(1, Requests("200", "GET"));
        Assert.Equal(1, Requests("404", "GET"));

        double Retries(string code, string verb) =>
            mine.Where(s => s.Name == "rest_client_request_retries_total" && s.Labels["code"] == code && s.Labels["verb"] == verb).Sum(s => s.Value);
        Assert.Equal(1, Retries("429", "POST"));
        Assert.Equal(1, Retries("<error>", "GET"));
        Assert.DoesNotContain(mine, s => s.Name == "rest_client_request_retries_total" && s.Labels["code"] == "404");

        Assert.Equal(2, mine.Single(s => s.Name == "rest_client_request_duration_seconds_count" && s.Labels["verb"] == "POST").Value);
        Assert.Equal(3, mine.Single(s => s.Name == "rest_client_request_duration_seconds_count" && s.Labels["verb"] == "GET").Value);
        var getBuckets = mine.Where(s => s.Name == "rest_client_request_duration_seconds_bucket" && s.Labels["verb"] == "GET").ToList();
        Assert.Equal(13, getBuckets.Count); // client-go's 12 boundaries and +Inf
        Assert.Equal(3, getBuckets.Single(s => s.Labels["le"] == "+Inf").Value);
    }
}
