using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.ControllerRuntime.LeaderElection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

[Collection(TimingCollection.Name)]
public sealed class OperatorHostTests
{
    /// <summary>Records which host reconciled what, and when.</summary>
    private sealed class ReconcileLog
    {
        private readonly List<(string Host, string Request, long Sequence)> _entries = [];
        private long _sequence;

        public void Add(string host, ReconcileRequest request)
        {
            lock (_entries)
            {
                _entries.Add((host, request.ToString(), ++_sequence));
            }
        }

        public List<(string Host, string Request, long Sequence)> Entries()
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    private sealed class RecordingReconciler(string host, ReconcileLog log) : IReconciler<Server>
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
        {
            log.Add(host, request);
            return Task.FromResult(ReconcileResult.Done);
        }
    }

    private static async Task<WebApplication> StartHostAsync(k8s.KubernetesClientConfiguration apiServer, string identity, ReconcileLog log)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = apiServer;
            o.LeaderElection = new LeaderElectionOptions
            {
                LeaseName = "operator",
                LeaseNamespace = "kubecloud-system",
                Identity = identity,
                LeaseDuration = TimeSpan.FromMilliseconds(1500),
                RenewDeadline = TimeSpan.FromMilliseconds(1000),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            };
        });
        builder.Services.AddSingleton(new RecordingReconciler(identity, log));
        builder.Services.AddController<Server, RecordingReconciler>(c => c.WithWorkers(2));
        var app = builder.Build();
        app.MapOperatorEndpoints();
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Two_hosts_share_a_lease_only_the_leader_reconciles_and_endpoints_report_health_and_metrics()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        for (var i = 0; i < 5; i++)
        {
            await client.CreateAsync(TestCluster.NewServer("a", $"vm{i}"));
        }

        var log = new ReconcileLog();
        var first = await StartHostAsync(cluster.Config(), "first", log);
        await TestCluster.EventuallyAsync(() => log.Entries().Count >= 5, "first host reconciled everything");
        var second = await StartHostAsync(cluster.Config(), "second", log);
        using var http = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        await TestCluster.EventuallyAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "second host ready (caches synced)");
        Assert.Equal("ok", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));

        await client.CreateAsync(TestCluster.NewServer("a", "while-first-leads"));
        await TestCluster.EventuallyAsync(() => log.Entries().Any(e => e.Request == "a/while-first-leads"), "new server reconciled");
        Assert.All(log.Entries(), e => Assert.Equal("first", e.Host));

        // The leader stops (a rolling update): it releases the lease, the other host takes over and reconciles the whole cache.
        await first.StopAsync();
        await TestCluster.EventuallyAsync(() => log.Entries().Count(e => e.Host == "second") >= 6, "second host took over");
        var entries = log.Entries();
        var lastOfFirst = entries.Where(e => e.Host == "first").Max(e => e.Sequence);
        var firstOfSecond = entries.Where(e => e.Host == "second").Min(e => e.Sequence);
        Assert.True(lastOfFirst < firstOfSecond, "the two hosts reconciled at the same time");

        using var firstHttp = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("# TYPE controller_runtime_reconcile_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("leader_election_master_status{name=\"operator\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("workqueue_depth{name=\"server\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE rest_client_requests_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE rest_client_request_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains($"rest_client_requests_total{{code=\"200\",method=\"GET\",host=\"{cluster.Server.Endpoint.Authority}\"}}", metrics, StringComparison.Ordinal);

        await second.StopAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
    }
}
