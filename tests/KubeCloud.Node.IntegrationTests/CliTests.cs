using System.Net;
using System.Net.Sockets;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Agent.Heartbeat;

namespace KubeCloud.Node.IntegrationTests;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>kubecloud-node refuses a bad start with one line naming the flag or the peer and a non-zero exit, and runs on the fake driver.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("kc-node-cli-").FullName;

    public void Dispose() => Directory.Delete(_home, true);

    public static TheoryData<string, string[], int, string> BadFlags => new()
    {
        { "unknown flag", ["--bogus"], 2, "flag provided but not defined: --bogus (try --help)" },
        { "missing value", ["--state-dir"], 2, "flag needs an argument: --state-dir" },
        { "unknown driver", ["--hypervisor-driver", "xen"], 2, "invalid value \"xen\" for --hypervisor-driver: libvirt or fake" },
        { "bad bind address", ["--metrics-bind-address", "localhost"], 2, "--metrics-bind-address localhost: not a bind address (host:port, :port, or 0 to disable)" },
        { "bad bind host", ["--health-probe-bind-address=example.org:80"], 2, "--health-probe-bind-address example.org:80: example.org is not an IP address or localhost" },
        { "bad tunnel ip", ["--tunnel-ip", "10.0.0"], 2, "invalid value \"10.0.0\" for --tunnel-ip: not an IP address" },
        { "bad device prefix", ["--device-prefix", "kcnode"], 2, "invalid value \"kcnode\" for --device-prefix: a device prefix is 1 to 4 lower-case letters or digits, starting with a letter (bridges are PREFIXbr + hash, 15 characters at most)" },
        { "tunnel namespace without its address", ["--tunnel-netns", "underlay"], 2, "--tunnel-netns underlay needs --tunnel-ip: the daemon does not look for addresses in another namespace" },
        {
            "tunnel device and namespace", ["--tunnel-netns", "underlay", "--tunnel-ip", "192.0.2.1", "--tunnel-interface", "eth1"], 2,
            "--tunnel-interface eth1 cannot be combined with --tunnel-netns underlay: the device would be looked up in the daemon's namespace; the routes in underlay pick it"
        },
        { "tunnel device missing", ["--tunnel-interface", "kc-nosuch0"], 1, "--tunnel-interface kc-nosuch0: no such interface, or it has no IPv4 address (give --tunnel-ip)" },
        { "bad heartbeat", ["--heartbeat-interval", "0"], 2, "invalid value \"0\" for --heartbeat-interval: not a number of seconds (more than 0, at most 3600)" },
        { "bad log level", ["--zap-log-level", "loud"], 2, "invalid value \"loud\" for --zap-log-level: use trace, debug, info, warn, error or a verbosity number" },
        { "relative storage directory", ["--storage-backend", "file:volumes"], 2, "invalid value \"file:volumes\" for --storage-backend: file: takes an absolute directory, e.g. file:/var/lib/kubecloud/volumes" },
        { "unknown storage backend", ["--storage-backend", "ceph:rbd"], 2, "invalid value \"ceph:rbd\" for --storage-backend: must be file:<directory> or lvm:<volume group>" },
        { "bad storage portal", ["--storage-backend", "lvm:cinder-volumes", "--storage-portal", "storage-1"], 2, "invalid value \"storage-1\" for --storage-portal: must be IP:PORT, e.g. 10.0.0.11:3260 or [fd00::11]:3260" },
        { "portal without backend", ["--storage-portal", "10.0.0.11:3260"], 2, "--storage-portal needs --storage-backend (only a node with the storage role exports volumes)" },
        {
            "bad node name", ["--node-name", "Node_A"], 2,
            "invalid value \"Node_A\" for --node-name (or $NODE_NAME, or the host name): a node name must be a DNS-1123 label (lower case letters, digits and '-', at most 63, starting and ending alphanumeric): it names the Hypervisor and is the value of the label kubecloud.io/node"
        },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task A_bad_flag_is_one_line_and_a_non_zero_exit(string name, string[] args, int exitCode, string message)
    {
        using var node = await NodeProcess.RunAsync(args, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == node.ExitCode, $"{name}: exit code {node.ExitCode}, stderr {node.Stderr}");
        Assert.Equal("kubecloud-node: " + message, node.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task An_api_server_that_does_not_answer_is_one_line()
    {
        var port = FreePort();
        var kubeconfig = Path.Combine(_home, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:{port}
                insecure-skip-tls-verify: true
            users:
            - name: u
              user:
                token: t
            contexts:
            - name: x
              context:
                cluster: c
                user: u
            current-context: x
            """);
        using var node = await NodeProcess.RunAsync(["--kubeconfig", kubeconfig, "--hypervisor-driver", "fake"], TimeSpan.FromSeconds(60));
        Assert.Equal(1, node.ExitCode);
        Assert.Equal($"kubecloud-node: cannot reach the API server at https://127.0.0.1:{port}: Connection refused", node.Stderr.TrimEnd('\n'));
        Assert.Single(node.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_one_line()
    {
        var path = Path.Combine(_home, "nothing-here");
        using var node = await NodeProcess.RunAsync(["--kubeconfig", path], TimeSpan.FromSeconds(60));
        Assert.Equal(1, node.ExitCode);
        Assert.StartsWith($"kubecloud-node: cannot load the cluster configuration from --kubeconfig {path}: ", node.Stderr);
        Assert.Single(node.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task As_NativeAOT_a_kubeconfig_exec_plugin_is_one_line()
    {
        Assert.True(File.Exists(NodeProcess.AotExecutable), $"no NativeAOT build at {NodeProcess.AotExecutable}: run tests/setup/node-aot.sh");
        var path = Path.Combine(_home, "exec-config");
        await File.WriteAllTextAsync(path, """
            apiVersion: v1
            kind: Config
            clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
            users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: /bin/true } } }]
            contexts: [{ name: a, context: { cluster: c, user: u } }]
            current-context: a
            """);
        using var node = await NodeProcess.RunAsync(["--kubeconfig", path, "--hypervisor-driver", "fake"], TimeSpan.FromSeconds(60), NodeProcess.AotExecutable);
        Assert.Equal(1, node.ExitCode);
        Assert.Equal(
            $"kubecloud-node: cannot load the cluster configuration from --kubeconfig {path}: its user runs an exec credential plugin, which the NativeAOT kubecloud-node does not run (give it a token, a token file or a client certificate)",
            node.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_libvirtd_that_does_not_answer_is_one_line()
    {
        await using var cluster = await NodeCluster.StartAsync();
        var uri = $"qemu+tcp://127.0.0.1:{FreePort()}/system";
        using var node = await NodeProcess.RunAsync(["--kubeconfig", cluster.Server.KubeconfigPath, "--libvirt-uri", uri, "--state-dir", _home], TimeSpan.FromSeconds(60));
        Assert.Equal(1, node.ExitCode);
        Assert.StartsWith($"kubecloud-node: libvirtd at {uri} does not answer (--libvirt-uri): ", node.Stderr);
        Assert.Single(node.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public Task On_the_fake_driver_it_reports_its_hypervisor_serves_probes_and_metrics_and_builds_a_server() => RunsOnTheFakeDriverAsync(null);

    /// <summary>
    /// The same with the NativeAOT build (tests/setup/node-aot.sh publishes it; tests/run.sh runs that): its JSON context,
    /// kubeconfig reader, controllers, console access review and metrics work without reflection or run-time code.
    /// </summary>
    [Fact]
    public Task As_NativeAOT_it_runs_on_the_fake_driver_as_the_JIT_build_does()
    {
        Assert.True(File.Exists(NodeProcess.AotExecutable), $"no NativeAOT build at {NodeProcess.AotExecutable}: run tests/setup/node-aot.sh");
        return RunsOnTheFakeDriverAsync(NodeProcess.AotExecutable);
    }

    private async Task RunsOnTheFakeDriverAsync(string? executable)
    {
        await using var cluster = await NodeCluster.StartAsync();
        await cluster.EnsureFlavorAndImageAsync(new string('b', 64));
        var (health, metrics, console) = (FreePort(), FreePort(), FreePort());
        using var node = NodeProcess.Start(
            ["--kubeconfig", cluster.Server.KubeconfigPath, "--hypervisor-driver", "fake", "--state-dir", _home, "--tunnel-ip", "192.0.2.7",
             "--heartbeat-interval", "0.5", "--health-probe-bind-address", $"127.0.0.1:{health}", "--metrics-bind-address", $"127.0.0.1:{metrics}",
             "--console-bind-address", $"127.0.0.1:{console}"],
            new Dictionary<string, string> { ["NODE_NAME"] = "from-downward-api" },
            executable);

        var hypervisor = await NodeCluster.EventuallyAsync(() => cluster.Client.GetAsync<Hypervisor>("from-downward-api"),
            h => Conditions.IsTrue(h.Status, ConditionTypes.Ready), $"the Hypervisor named from NODE_NAME (daemon says: {node.Stderr})");
        Assert.Equal("192.0.2.7", hypervisor.Status!.TunnelIP);
        hypervisor = await NodeCluster.EventuallyAsync(() => cluster.Client.GetAsync<Hypervisor>("from-downward-api"),
            h => h.Metadata.Annotations?.ContainsKey(ApiGroup.ConsoleUrlAnnotation) == true, "the console endpoint advertised");
        Assert.Equal($"http://127.0.0.1:{console}/", hypervisor.Metadata.Annotations![ApiGroup.ConsoleUrlAnnotation]);
        Assert.Equal("fake", hypervisor.Status!.HypervisorVersion);
        Assert.False(Conditions.IsTrue(hypervisor.Status, HypervisorReport.KvmUsable));

        using var http = new HttpClient();
        await NodeCluster.EventuallyAsync(async () => (await http.GetAsync($"http://127.0.0.1:{health}/readyz")).IsSuccessStatusCode, ok => ok, "/readyz ok");
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{health}/healthz"));

        await cluster.CreateBoundServerAsync("cli-vm", "from-downward-api");
        await NodeCluster.EventuallyAsync(() => cluster.GetServerAsync("cli-vm"), NodeCluster.Spawned, "cli-vm Spawned");
        var text = await NodeCluster.EventuallyAsync(() => http.GetStringAsync($"http://127.0.0.1:{metrics}/metrics"),
            t => t.Contains("kubecloud_node_domains{node=\"from-downward-api\",state=\"running\"} 1", StringComparison.Ordinal)
                && t.Contains("kubecloud_node_image_cache_requests_total{node=\"from-downward-api\",result=\"miss\"} 1", StringComparison.Ordinal),
            "the running domain and its image's cache miss counted");
        Assert.Contains("kubecloud_node_image_cache_images{node=\"from-downward-api\"} 1", text);
        Assert.Contains("kubecloud_node_provisioning_step_duration_seconds_count{node=\"from-downward-api\",step=\"spawn\"}", text);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"node-server\"", text);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{health}/metrics")).StatusCode); // each on its own listener

        // The console endpoint reviews a bearer token with a TokenReview through the API server.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{console}/namespaces/{NodeCluster.Project}/servers/cli-vm/console");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        using var denied = await http.SendAsync(request);
        var answer = await denied.Content.ReadAsStringAsync();
        Assert.True(denied.StatusCode == HttpStatusCode.Unauthorized, $"{denied.StatusCode}: {answer} (daemon says: {node.Stderr})");
        Assert.Contains("the token was not accepted", answer, StringComparison.Ordinal);

        // A token the API server knows: TokenReview, then a SubjectAccessReview for its user, then the console itself.
        var token = KubeCloud.ControllerRuntime.Config.KubeconfigFile.Read(cluster.Server.KubeconfigPath).Users.Single().UserCredentials.Token;
        using var allowedRequest = new HttpRequestMessage(HttpMethod.Get, request.RequestUri);
        allowedRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var allowed = await http.SendAsync(allowedRequest);
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{allowed.StatusCode}: {await allowed.Content.ReadAsStringAsync()}");
        Assert.Null(node.ExitCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
