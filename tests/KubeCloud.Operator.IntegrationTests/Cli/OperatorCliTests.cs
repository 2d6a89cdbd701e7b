using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.IntegrationTests.Admission;
using KubeCloud.Operator.Webhook;

namespace KubeCloud.Operator.IntegrationTests.Cli;

/// <summary>The kubecloud-operator binary run as a process, as a Deployment runs it.</summary>
public sealed class OperatorCliTests
{
    public static TheoryData<string[], string> WrongFlags => new()
    {
        { ["--bogus"], "flag provided but not defined: --bogus (try --help)" },
        { ["--webhook-port", "nine"], "invalid value \"nine\" for --webhook-port: not a port number (0-65535)" },
        { ["--metrics-bind-address=nowhere"], "--metrics-bind-address nowhere: not a bind address (host:port, :port, or 0 to disable)" },
        { ["--health-probe-bind-address", "example.com:8081"], "--health-probe-bind-address example.com:8081: example.com is not an IP address or localhost" },
        { ["--zap-log-level", "loud"], "invalid value \"loud\" for --zap-log-level: use trace, debug, info, warn, error or a verbosity number" },
        { ["--leader-elect=maybe"], "invalid boolean value \"maybe\" for --leader-elect" },
        { ["--kubeconfig"], "flag needs an argument: --kubeconfig" },
        { ["--vni-range", "5000:4000"], "invalid value \"5000:4000\" for --vni-range: FIRST:LAST with 1 <= FIRST <= LAST <= 16777215 (24-bit VNIs)" },
        { ["--mac-prefix=zz:16"], "invalid value \"zz:16\" for --mac-prefix: MAC prefix 'zz:16' must be one to five colon-separated hex octets, for example fa:16:3e" },
        { ["--image-digest-concurrency=0"], "invalid value \"0\" for --image-digest-concurrency: a number from 1 to 64" },
        { ["--image-max-size", "big"], "invalid value \"big\" for --image-max-size: a size such as 20Gi, 500M or a number of bytes" },
        { ["--node-service-account", "kubecloud-node"], "invalid value \"kubecloud-node\" for --node-service-account: a service account is namespace/name" },
    };

    [Theory]
    [MemberData(nameof(WrongFlags))]
    public async Task A_wrong_flag_is_one_line_on_stderr_and_exit_code_2(string[] arguments, string message)
    {
        await using var run = await OperatorProcess.RunAsync(arguments);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"kubecloud-operator: {message}{Environment.NewLine}", run.Stderr);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task An_unreachable_api_server_is_one_line_on_stderr_and_exit_code_1()
    {
        var port = OperatorProcess.FreePort();
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("kubecloud-cli-").FullName, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters: [{"{"}name: c, cluster: {"{"}server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true{"}"}{"}"}]
            users: [{"{"}name: u, user: {"{"}token: t{"}"}{"}"}]
            contexts: [{"{"}name: x, context: {"{"}cluster: c, user: u{"}"}{"}"}]
            current-context: x
            """);

        await using var run = await OperatorProcess.RunAsync("--kubeconfig", kubeconfig);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"kubecloud-operator: cannot reach the API server at https://127.0.0.1:{port}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_one_line_on_stderr_and_exit_code_1()
    {
        await using var run = await OperatorProcess.RunAsync("--kubeconfig", "/nonexistent/kubeconfig");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"kubecloud-operator: no cluster configuration: kubeconfig file not found at /nonexistent/kubeconfig{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task Starts_against_the_local_api_server_serves_probes_metrics_and_the_webhook_and_stops_cleanly_on_sigterm()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var (metricsPort, probePort, webhookPort) = (OperatorProcess.FreePort(), OperatorProcess.FreePort(), OperatorProcess.FreePort());
        var certDir = Directory.CreateTempSubdirectory("kubecloud-certs-").FullName;
        await using var op = OperatorProcess.Start(
            "--kubeconfig", cluster.Server.KubeconfigPath,
            "--leader-elect",
            "--metrics-bind-address", $"127.0.0.1:{metricsPort}",
            "--health-probe-bind-address", $"127.0.0.1:{probePort}",
            "--webhook-host", "127.0.0.1",
            "--webhook-port", webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cert-dir", certDir,
            "--zap-log-level", "debug",
            "--controllers", "*,-server",
            "--vni-range=4000:4999",
            "--mac-prefix", "fa:16:3f",
            "--image-digest-concurrency", "3",
            "--image-max-size", "20Gi",
            "--node-service-account", "kubecloud-system/kubecloud-node");

        using var probes = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{probePort}") };
        await OperatorCluster.EventuallyAsync(
            async () => !op.HasExited && await StatusAsync(probes, "/readyz") == HttpStatusCode.OK,
            $"/readyz turns 200 ({op.Stdout}{op.Stderr})");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(probes, "/healthz"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(probes, "/metrics"));

        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        await OperatorCluster.EventuallyAsync(
            async () => (await metrics.GetStringAsync("/metrics")).Contains("leader_election_master_status{name=\"kubecloud-operator\"} 1", StringComparison.Ordinal),
            "/metrics shows this replica leading");
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(metrics, "/readyz"));

        using var admin = cluster.NewClient();
        var lease = await admin.GetAsync<V1Lease>("kubecloud-operator", "kubecloud-system");
        Assert.StartsWith($"{Environment.MachineName}_", lease.Spec.HolderIdentity, StringComparison.Ordinal);

        // The webhook serves with the certificate it made, whose CA it wrote for the webhook configuration.
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(certDir, WebhookCertificate.CaFile)));
        using var handler = WebhookTrust.Handler(ca);
        using var webhook = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{webhookPort}") };
        using var answer = await webhook.PostAsJsonAsync("/validate-kubecloud-io-v1alpha1-servergroup", new AdmissionReview
        {
            ApiVersion = AdmissionReview.ApiVersionV1,
            Kind = "AdmissionReview",
            Request = new AdmissionReviewRequest
            {
                Uid = "u1",
                Operation = "CREATE",
                Namespace = "project-a",
                UserInfo = new V1UserInfo { Username = "admin" },
                Object = JsonSerializer.SerializeToNode(new ServerGroup { Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "project-a" } }),
            },
        });
        var review = await answer.Content.ReadFromJsonAsync<AdmissionReview>();
        Assert.Equal(("u1", true), (review!.Response!.Uid, review.Response.Allowed));

        // Structured logs: one JSON object per line.
        var firstLog = op.Stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[0];
        using (var log = JsonDocument.Parse(firstLog))
        {
            Assert.True(log.RootElement.TryGetProperty("LogLevel", out _), firstLog);
        }

        op.Terminate();
        await op.WaitForExitAsync();
        Assert.True(op.ExitCode == 0, $"exit {op.ExitCode}: {op.Stderr}");
        var released = await admin.GetAsync<V1Lease>("kubecloud-operator", "kubecloud-system");
        Assert.True(string.IsNullOrEmpty(released.Spec.HolderIdentity), $"the lease is still held by {released.Spec.HolderIdentity}");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
