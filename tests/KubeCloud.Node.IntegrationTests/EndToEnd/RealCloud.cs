using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Images;
using KubeCloud.Node.Tests.Fixtures;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Subresources;
using KubeCloud.Operator.Webhook;
using KubeCloud.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.IntegrationTests.EndToEnd;

/// <summary>
/// The whole cloud in this process on the real host: the local API server with the CRDs and the chart's Keystone
/// roles, the real operator (short heartbeat grace, a VNI range of its own so parallel runs on this machine never share
/// a VXLAN id), and a node daemon on real libvirt/QEMU (TCG here) with host networking, its console endpoint on
/// loopback. The operator's console API listens on its HTTPS (webhook) listener on loopback and is registered with the
/// API server (APIService, Service, EndpointSlice), so consoles are read through the API server's aggregation layer as
/// on a cluster. Users: <see cref="Member"/> (kubecloud-member in the project) and <see cref="Reader"/> (kubecloud-reader).
/// </summary>
public sealed class RealCloud : IAsyncDisposable
{
    public const string Member = "bob";
    public const string Reader = "dave";
    public const string SmallFlavor = "e2e.small";
    public const string BigFlavor = "e2e.big";

    private readonly VmFixture _vm;
    private readonly Dictionary<string, string> _tokens = [];
    private WebApplication? _operator;

    private RealCloud(VmFixture vm, NodeCluster cluster, string nodeName)
    {
        _vm = vm;
        Cluster = cluster;
        NodeName = nodeName;
        StateDirectory = Path.Combine(vm.WorkDir, nodeName);
    }

    public NodeCluster Cluster { get; }

    public string NodeName { get; }

    public string StateDirectory { get; }

    public RunningNode Node { get; private set; } = null!;

    public LoopbackFileServer Files { get; } = new();

    /// <summary>HTTPS to the API server, trusting its CA.</summary>
    public HttpClient Http { get; private set; } = null!;

    public static async Task<RealCloud> StartAsync(VmFixture vm)
    {
        var cloud = new RealCloud(vm, await NodeCluster.StartAsync(), "e2e-" + Guid.NewGuid().ToString("N")[..6]);
        cloud.Http = ApiServerHttp(cloud.Cluster.Server.CaCertificatePem);
        await cloud.InstallRolesAsync();
        await cloud.StartOperatorAsync();
        await cloud.StartNodeAsync();
        var admin = cloud.Cluster.Client;
        await admin.CreateAsync(new Flavor { Metadata = new() { Name = SmallFlavor }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("160Mi"), RootDisk = Quantity.Parse("128Mi") } });
        await admin.CreateAsync(new Flavor { Metadata = new() { Name = BigFlavor }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("256Mi"), RootDisk = Quantity.Parse("192Mi") } });
        return cloud;
    }

    /// <summary>The chart's kubecloud-member and kubecloud-reader ClusterRoles (its Helm directives dropped), bound in the project.</summary>
    private async Task InstallRolesAsync()
    {
        var template = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "charts", "kubecloud", "templates", "rbac-roles.yaml"));
        var yaml = string.Join('\n', template.Split('\n').Where(l => !l.TrimStart().StartsWith("{{", StringComparison.Ordinal)));
        foreach (var role in KubernetesYaml.LoadAllFromString(yaml).OfType<V1ClusterRole>())
        {
            await Cluster.Client.CreateAsync(role);
        }

        foreach (var (user, role) in new[] { (Member, "kubecloud-member"), (Reader, "kubecloud-reader") })
        {
            _tokens[user] = Cluster.Server.AddUser(user, "kubecloud-users");
            await Cluster.Client.CreateAsync(new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"{user}-{role}", NamespaceProperty = NodeCluster.Project },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
                Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
            });
        }
    }

    private async Task StartOperatorAsync()
    {
        var settings = new OperatorSettings();
        var certificate = WebhookCertificate.Create(KubeCloudWebhook.ServiceName, settings.Namespace, DateTimeOffset.UtcNow);
        var builder = WebApplication.CreateSlimBuilder();
        ListenOptions? listener = null;
        builder.WebHost.ConfigureKestrel(k => listener = k.ListenKubeCloudWebhook(new IPEndPoint(IPAddress.Loopback, 0), certificate));
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = Cluster.Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
        });
        var vni = 600_000 + Random.Shared.Next(0, 100) * 1000;
        builder.Services.AddKubeCloudControllers(new OperatorSettings
        {
            Namespace = settings.Namespace,
            // Short, to see HostDown in a test, but not so short that a heartbeat late on a loaded machine (CI, load 28: one
            // 4 s grace ran out before the spawn and the build was rescheduled off the only node) counts as a node down.
            HeartbeatGrace = TimeSpan.FromSeconds(10),
            VniRangeFirst = vni,
            VniRangeLast = vni + 999,
            ImageSourceRetryDelay = TimeSpan.FromMilliseconds(500),
            Servers = new() { RetryInterval = TimeSpan.FromSeconds(2) },
        });
        _operator = builder.Build();
        _operator.MapOperatorEndpoints();
        _operator.MapServerConsole();
        await _operator.StartAsync();
        await ConsoleApiService.ApplyAsync(Cluster.Client, listener!.IPEndPoint!, certificate.CaPem, settings.Namespace, CancellationToken.None);
    }

    /// <summary>Starts (or restarts, on the same state directory) the node daemon.</summary>
    public async Task StartNodeAsync()
    {
        var images = new ImageCache(Path.Combine(StateDirectory, "images"), new HttpClient(), new QemuImg(_vm.Run));
        var console = LoopbackFileServer.FreePort();
        Node = await Cluster.StartNodeAsync(NodeName, StateDirectory, _vm.Driver, new LocalInstanceFiles(images, new QemuImg(_vm.Run), new NoCloudSeedBuilder(_vm.Run)),
            o => o with
            {
                SaveDirectory = "/var/lib/libvirt/qemu/save",
                Hypervisor = _vm.Probe.Type,
                HypervisorReason = _vm.Probe.Reason,
                ManageNetworks = true,
                TunnelIp = IPAddress.Loopback,
                ShutdownTimeout = TimeSpan.FromSeconds(30),
                ConsoleUrl = new Uri($"http://127.0.0.1:{console}/"),
            },
            new IPEndPoint(IPAddress.Loopback, console));
    }

    public KubeClient ClientFor(string user) => new(ClusterConfigFor(user), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

    private KubernetesClientConfiguration ClusterConfigFor(string user) =>
        KubeCloud.ControllerRuntime.Config.ClusterConfig.FromKubeconfig(Cluster.Server.WriteKubeconfig(_tokens[user], Path.Combine(StateDirectory, $"{user}.kubeconfig")));

    /// <summary>Serves a bootable guest disk over loopback HTTP; returns its URL and sha256.</summary>
    public async Task<(Uri Url, string Sha256, string Disk)> ServeGuestDiskAsync(string name)
    {
        var disk = await _vm.Guest.BootDiskAsync(_vm.Run);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
        return (Files.Add(name, disk), sha, disk);
    }

    /// <summary>
    /// GET servers/console through the API server (aggregated to the operator), as <paramref name="user"/> (null: no
    /// token): the log, or for a failure the message of the Status.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Text)> ReadConsoleAsync(string server, string? user, int tailLines = 1000)
    {
        using var request = ConsoleRequest(server, user, $"?tailLines={tailLines}");
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            using var status = System.Text.Json.JsonDocument.Parse(text);
            text = status.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? text : text;
        }

        return (response.StatusCode, text);
    }

    /// <summary>
    /// GET servers/console?follow=true through the API server as <paramref name="user"/>: reads what arrives until
    /// <paramref name="until"/> holds for the text so far (then hangs up), or throws after <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> FollowConsoleAsync(string server, string user, Func<string, bool> until, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var request = ConsoleRequest(server, user, "?tailLines=5&follow=true");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancel.Token)) > 0)
            {
                text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
                if (until(text.ToString()))
                {
                    return text.ToString();
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"the followed console of {server} did not show what was waited for within {timeout}; it showed:\n{text}");
        }

        throw new InvalidOperationException($"the followed console of {server} ended; it showed:\n{text}");
    }

    private HttpRequestMessage ConsoleRequest(string server, string? user, string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Cluster.Server.Endpoint, ServerConsoleEndpoint.PathOf(NodeCluster.Project, server) + query));
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[user]);
        }

        return request;
    }

    private static HttpClient ApiServerHttp(string caPem)
    {
        var ca = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        ca.ImportFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                    chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(ca);
                    chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                    return certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 leaf && chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public SerialLog ConsoleOf(string server) => new(Path.Combine(StateDirectory, "instances", $"{NodeCluster.Project}_{server}", "console.log"));

    public string InstanceDirectory(string server) => Path.Combine(StateDirectory, "instances", $"{NodeCluster.Project}_{server}");

    /// <summary>The last KC-UPTIME the guest printed (seconds since its boot).</summary>
    public static double LastUptime(string console)
    {
        var last = Regex.Matches(console, @"KC-UPTIME ([\d.]+)\r?\n").LastOrDefault() ?? throw new InvalidOperationException("the guest printed no uptime yet");
        return double.Parse(last.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.StopAsync();
            await _operator.DisposeAsync();
        }

        await Cluster.DisposeAsync();
        Files.Dispose();
        Http.Dispose();
    }
}
