using k8s;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Heartbeat;
using KubeCloud.Node.Agent.Hosting;
using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>
/// The local control plane with every KubeCloud CRD and NO operator: the tests play the operator exactly as
/// operator/KubeCloud.Operator/README.md ("Who writes what") says it writes (label kubecloud.io/node, finalizer
/// kubecloud.io/server, status node/flavor and the ports' status under kubecloud-operator), and node daemons run in
/// this process against it, each stoppable to play a crash while its "host" (the driver, the state directory) lives on.
/// </summary>
public sealed class NodeCluster : IAsyncDisposable
{
    public const string OperatorManager = "kubecloud-operator";
    public const string ServerFinalizer = "kubecloud.io/server";
    public const string Project = "project-a";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly List<RunningNode> _nodes = [];

    private NodeCluster(LocalApiServer server) => Server = server;

    public LocalApiServer Server { get; }

    public KubeClient Client { get; private set; } = null!;

    public static async Task<NodeCluster> StartAsync()
    {
        var options = new LocalApiServerOptions { WatchHistorySize = 50_000 };
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "crds"), "kubecloud.io_*.yaml").Order(StringComparer.Ordinal))
        {
            options.CrdFiles.Add(file);
        }

        var cluster = new NodeCluster(await LocalApiServer.StartAsync(options));
        cluster.Client = cluster.NewClient();
        foreach (var ns in new[] { "kubecloud-system", Project })
        {
            await cluster.Client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        }

        return cluster;
    }

    public KubernetesClientConfiguration Config() => ClusterConfig.FromKubeconfig(Server.KubeconfigPath);

    public KubeClient NewClient() => new(Config(), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

    /// <summary>Starts a node daemon in this process on <paramref name="driver"/> and <paramref name="files"/> (the "host", which outlives it).</summary>
    public async Task<RunningNode> StartNodeAsync(string nodeName, string stateDirectory, IHypervisorDriver driver, IInstanceFiles files,
        Func<NodeAgentOptions, NodeAgentOptions>? configure = null, System.Net.IPEndPoint? consoleAddress = null)
    {
        var node = new NodeAgentOptions
        {
            NodeName = nodeName,
            StateDirectory = stateDirectory,
            SaveDirectory = Path.Combine(stateDirectory, "save"),
            Hypervisor = Node.Hypervisor.HypervisorType.Qemu,
            HypervisorReason = "test: no KVM probe",
            TunnelIp = System.Net.IPAddress.Parse("192.0.2.10"),
            ManageNetworks = false,
            HeartbeatInterval = TimeSpan.FromMilliseconds(300),
            ResyncInterval = TimeSpan.FromSeconds(2),
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        };
        var app = NodeAgentHost.Build(new NodeAgentHostOptions
        {
            Node = configure?.Invoke(node) ?? node,
            Cluster = Config(),
            Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } },
            Driver = driver,
            Files = files,
            HealthProbeAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            MetricsAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            ConsoleAddress = consoleAddress,
            MinimumLogLevel = LogLevel.Warning,
        });
        await app.StartAsync();
        var running = new RunningNode(nodeName, app);
        lock (_nodes)
        {
            _nodes.Add(running);
        }

        return running;
    }

    /// <summary>Plays the operator: a Flavor and an Image (with its checksum), unless they exist.</summary>
    public async Task EnsureFlavorAndImageAsync(string sha256, string url = "http://127.0.0.1:9/guest.qcow2", string memory = "256Mi", DiskFormat format = DiskFormat.Qcow2)
    {
        try
        {
            await Client.CreateAsync(new Flavor { Metadata = new() { Name = "m1.tiny" }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse(memory), RootDisk = Quantity.Parse("128Mi") } });
        }
        catch (AlreadyExistsException)
        {
        }

        try
        {
            await Client.CreateAsync(new Image
            {
                Metadata = new() { Name = "guest", NamespaceProperty = Project },
                Spec = new ImageSpec { Source = new Api.V1Alpha1.ImageSource { Url = url }, Checksum = sha256, DiskFormat = format },
            });
        }
        catch (AlreadyExistsException)
        {
        }
    }

    /// <summary>
    /// Plays the operator's scheduling of a Server onto <paramref name="node"/>: the label kubecloud.io/node, its own
    /// finalizer, and status.node and status.flavor applied under kubecloud-operator.
    /// </summary>
    public async Task<Server> CreateBoundServerAsync(string name, string node, DesiredPowerState power = DesiredPowerState.Running, List<ServerNetwork>? networks = null,
        List<ServerVolume>? volumes = null)
    {
        var flavor = await Client.GetAsync<Flavor>("m1.tiny");
        var server = await Client.CreateAsync(new Server
        {
            Metadata = new()
            {
                Name = name,
                NamespaceProperty = Project,
                Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = node },
                Finalizers = [ServerFinalizer],
            },
            Spec = new ServerSpec
            {
                FlavorRef = new() { Name = "m1.tiny" },
                ImageRef = new() { Name = "guest" },
                PowerState = power,
                Networks = networks,
                Volumes = volumes,
            },
        });
        return await ApplyOperatorStatusAsync(server, new ServerStatus
        {
            Phase = ServerPhase.Building,
            Node = node,
            Flavor = new FlavorSnapshot { Name = flavor.Metadata.Name, Vcpus = flavor.Spec.Vcpus, Memory = flavor.Spec.Memory, RootDisk = flavor.Spec.RootDisk },
        });
    }

    public Task<T> ApplyOperatorStatusAsync<T, TStatus>(T obj, TStatus status)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class
    {
        var metadata = new Dictionary<string, object?> { ["name"] = obj.Metadata.Name };
        if (obj.Metadata.NamespaceProperty is { } ns)
        {
            metadata["namespace"] = ns;
        }

        var configuration = new Dictionary<string, object?> { ["apiVersion"] = obj.ApiVersion, ["kind"] = obj.Kind, ["metadata"] = metadata, ["status"] = status };
        return Client.Resource<T>(obj.Metadata.NamespaceProperty)
            .PatchStatusAsync(obj.Metadata.Name, KubePatch.Apply(configuration), new PatchOptions { FieldManager = OperatorManager, Force = true });
    }

    /// <summary>Plays the operator's last step of a deletion: its finalizer goes once the node's is gone.</summary>
    public async Task ReleaseServerAsync(string name)
    {
        var server = await Client.GetAsync<Server>(name, Project);
        server.Metadata.Finalizers = [.. (server.Metadata.Finalizers ?? []).Where(f => f != ServerFinalizer)];
        await Client.UpdateAsync(server);
    }

    public Task<Server> GetServerAsync(string name) => Client.GetAsync<Server>(name, Project);

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes; returns the last value read.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            T value;
            try
            {
                value = await read();
            }
            catch (NotFoundException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
                continue;
            }

            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}; last seen: {Describe(value)}");
            }

            await Task.Delay(50);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), ok => ok, what, timeout);

    public static bool Spawned(Server s) => Conditions.IsTrueFor(s.Status, ServerReasons.Spawned, s.Metadata.Generation);

    private static string Describe<T>(T value) => value is Server s
        ? $"powerState={s.Status?.PowerState}, finalizers=[{string.Join(",", s.Metadata.Finalizers ?? [])}], conditions=[{string.Join("; ", (s.Status?.Conditions ?? []).Select(c => $"{c.Type}={c.Status} {c.Reason}: {c.Message}"))}]"
        : value?.ToString() ?? "null";

    public async ValueTask DisposeAsync()
    {
        List<RunningNode> nodes;
        lock (_nodes)
        {
            nodes = [.. _nodes];
        }

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A node daemon started by <see cref="NodeCluster.StartNodeAsync"/>.</summary>
public sealed class RunningNode(string name, WebApplication app) : IAsyncDisposable
{
    private int _stopped;

    public string Name { get; } = name;

    public WebApplication App { get; } = app;

    public HypervisorHeartbeat Heartbeat => App.Services.GetRequiredService<HypervisorHeartbeat>();

    public OrphanSweeper Sweeper => App.Services.GetRequiredService<OrphanSweeper>();

    public Uri Endpoint => new(App.Urls.First());

    /// <summary>Stops the daemon; the host (driver, files, state directory) stays as it is.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
