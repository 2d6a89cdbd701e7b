using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Operator.IntegrationTests.Servers;

/// <summary>
/// The local control plane, an operator, a <see cref="NodeSimulator"/> playing the node daemons and (until the Port
/// controller is in main) a <see cref="PortControllerStandIn"/>, with builders for the objects a server test needs.
/// </summary>
public sealed class ServerTestBed : IAsyncDisposable
{
    public const string Project = "project-a";

    private ServerTestBed(OperatorCluster cluster, KubeClient client)
    {
        Cluster = cluster;
        Client = client;
    }

    public OperatorCluster Cluster { get; }

    public KubeClient Client { get; }

    public NodeSimulator Nodes { get; private set; } = null!;

    public RunningOperator? Operator { get; private set; }

    private PortControllerStandIn? PortStandIn { get; set; }

    /// <summary>Settings every test starts from: short retry interval, the rest as shipped.</summary>
    public static void TestDefaults(OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Servers.RetryInterval = TimeSpan.FromSeconds(1);
    }

    public static async Task<ServerTestBed> StartAsync(
        int nodes = 3, NodeSimulatorOptions? nodeOptions = null, Action<OperatorSettings>? configure = null, bool startOperator = true)
    {
        var cluster = await OperatorCluster.StartAsync();
        var bed = new ServerTestBed(cluster, cluster.NewClient());
        bed.Nodes = await NodeSimulator.StartAsync(bed.Client, Enumerable.Range(1, nodes).Select(i => $"node-{i}"), nodeOptions);
        if (PortControllerStandIn.Needed)
        {
            bed.PortStandIn = await PortControllerStandIn.StartAsync(bed.Client);
        }

        await bed.CreateAsync(new Network { Metadata = Meta("net-a", Project), Spec = new NetworkSpec { Subnets = [new Subnet { Name = "s1", Cidr = "10.0.0.0/16" }] } });
        await bed.CreateAsync(new Image { Metadata = Meta("cirros", Project), Spec = new ImageSpec { Source = new ImageSource { Url = "http://127.0.0.1:1/cirros.qcow2" } } });
        await bed.CreateFlavorAsync("small", 1, "1Gi");
        if (startOperator)
        {
            await bed.StartOperatorAsync(configure);
        }

        return bed;
    }

    public async Task<RunningOperator> StartOperatorAsync(Action<OperatorSettings>? configure = null, string identity = "operator-1", bool leaderElection = false)
    {
        Operator = await Cluster.StartOperatorAsync(s =>
        {
            TestDefaults(s);
            configure?.Invoke(s);
        }, identity, leaderElection);
        return Operator;
    }

    public ServerPlacement Placement => Operator!.Services.GetRequiredService<ServerPlacement>();

    public static V1ObjectMeta Meta(string name, string? ns = null) => new() { Name = name, NamespaceProperty = ns };

    public Task<T> CreateAsync<T>(T obj)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> => Client.CreateAsync(obj);

    public Task<Flavor> CreateFlavorAsync(string name, int vcpus, string memory, string rootDisk = "1Gi") =>
        CreateAsync(new Flavor { Metadata = Meta(name), Spec = new FlavorSpec { Vcpus = vcpus, Memory = Quantity.Parse(memory), RootDisk = Quantity.Parse(rootDisk) } });

    /// <summary>A server on <c>net-a</c> booting <c>cirros</c> (no network when <paramref name="network"/> is false).</summary>
    public static Server NewServer(string name, string flavor = "small", bool network = true, string ns = Project) => new()
    {
        Metadata = Meta(name, ns),
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = flavor },
            ImageRef = new NamespacedObjectReference { Name = "cirros" },
            Networks = network ? [new ServerNetwork { NetworkRef = new NamespacedObjectReference { Name = "net-a" } }] : null,
        },
    };

    public Task<Server> GetAsync(string name, string ns = Project) => Client.GetAsync<Server>(name, ns);

    /// <summary>Waits until the server satisfies <paramref name="condition"/>; the failure message shows its last status.</summary>
    public async Task<Server> WaitForAsync(string name, Func<Server, bool> condition, string what, string ns = Project, TimeSpan? timeout = null)
    {
        Server? last = null;
        var deadline = DateTime.UtcNow + (timeout ?? OperatorCluster.Timeout);
        while (true)
        {
            try
            {
                last = await GetAsync(name, ns);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (NotFoundException)
            {
                last = null;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for server {ns}/{name}: {what}; last status: {(last is null ? "(gone)" : k8s.KubernetesJson.Serialize(last.Status))}");
            }

            await Task.Delay(50);
        }
    }

    public Task<Server> WaitForPhaseAsync(string name, ServerPhase phase, string ns = Project, TimeSpan? timeout = null) =>
        WaitForAsync(name, s => s.Status?.Phase == phase && (phase != ServerPhase.Active || Conditions.IsTrue(s.Status, ConditionTypes.Ready)), $"phase {phase}", ns, timeout);

    public async Task WaitGoneAsync(string name, string ns = Project)
    {
        await OperatorCluster.EventuallyAsync(async () =>
        {
            try
            {
                await GetAsync(name, ns);
                return false;
            }
            catch (NotFoundException)
            {
                return true;
            }
        }, $"server {ns}/{name} deleted");
    }

    public Task<Server> PatchSpecAsync(string name, object spec, string ns = Project) =>
        Client.PatchAsync<Server>(name, ns, KubePatch.Merge(new { spec }));

    public Task<Server> AnnotateAsync(string name, string key, string? value, string ns = Project) =>
        Client.PatchAsync<Server>(name, ns, KubePatch.Merge(new Dictionary<string, object> { ["metadata"] = new Dictionary<string, object> { ["annotations"] = new Dictionary<string, string?> { [key] = value } } }));

    public async Task<IReadOnlyList<Port>> PortsAsync(string ns = Project) => (await Client.ListAsync<Port>(ns)).Items ?? [];

    public async ValueTask DisposeAsync()
    {
        await Nodes.DisposeAsync();
        if (PortStandIn is not null)
        {
            await PortStandIn.DisposeAsync();
        }

        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}
