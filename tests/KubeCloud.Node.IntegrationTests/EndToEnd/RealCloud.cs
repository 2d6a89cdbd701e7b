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
using KubeCloud.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.IntegrationTests.EndToEnd;

/// <summary>
/// The whole cloud in this process on the real host: the local API server with the CRDs and the chart's Keystone
/// roles, the real operator (short heartbeat grace, a VNI range of its own so parallel runs on this machine never share
/// a VXLAN id), and a node daemon on real libvirt/QEMU (TCG here) with host networking, its console endpoint on
/// loopback. Users: <see cref="Member"/> (kubecloud-member in the project) and <see cref="Reader"/> (kubecloud-reader).
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

    public Uri OperatorUrl => new(_operator!.Urls.First());

    public LoopbackFileServer Files { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<RealCloud> StartAsync(VmFixture vm)
    {
        var cloud = new RealCloud(vm, await NodeCluster.StartAsync(), "e2e-" + Guid.NewGuid().ToString("N")[..6]);
        await cloud.InstallRolesAsync();
        await cloud.StartOperatorAsync();
        await cloud.StartNodeAsync();
        var admin = cloud.Cluster.Client;
        await admin.CreateAsync(new Flavor { Metadata = new() { Name = SmallFlavor }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("160Mi"), RootDisk = Quantity.Parse("128Mi") } });
        await admin.CreateAsync(new Flavor { Metadata = new() { Name = BigFlavor }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("256Mi"), RootDisk = Quantity.Parse("128Mi") } });
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
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = Cluster.Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
        });
        var vni = 600_000 + Random.Shared.Next(0, 100) * 1000;
        builder.Services.AddKubeCloudControllers(new OperatorSettings
        {
            HeartbeatGrace = TimeSpan.FromSeconds(4),
            VniRangeFirst = vni,
            VniRangeLast = vni + 999,
            ImageSourceRetryDelay = TimeSpan.FromMilliseconds(500),
            Servers = new() { RetryInterval = TimeSpan.FromSeconds(2) },
        });
        _operator = builder.Build();
        _operator.MapOperatorEndpoints();
        _operator.MapServerConsole();
        await _operator.StartAsync();
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

    /// <summary>GET servers/console through the operator's endpoint, as <paramref name="user"/> (null: no token).</summary>
    public async Task<(HttpStatusCode Status, string Text)> ReadConsoleAsync(string server, string? user, int tailLines = 1000)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(OperatorUrl, ServerConsoleEndpoint.PathOf(NodeCluster.Project, server) + $"?tailLines={tailLines}"));
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[user]);
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
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
