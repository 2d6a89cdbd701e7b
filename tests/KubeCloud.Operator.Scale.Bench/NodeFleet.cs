using System.Runtime.Versioning;
using k8s;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Hosting;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// Real node daemons (<see cref="NodeAgentHost"/>, as <c>kubecloud-node --hypervisor-driver fake</c> builds it) in this
/// process, one per node name, each on its own <see cref="FakeHypervisorDriver"/> and <see cref="InMemoryInstanceFiles"/>
/// (nova's fake driver: domains in memory, no disk, network or QEMU), its own API client and informers, no listeners.
/// The scale bench runs them in a child process (<see cref="NodeFleetProcess"/>) so their memory is their own; the
/// scale CI test runs them in the test's process.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NodeFleet : IAsyncDisposable
{
    private readonly List<(string Name, WebApplication App, FakeHypervisorDriver Driver)> _daemons;

    private NodeFleet(List<(string, WebApplication, FakeHypervisorDriver)> daemons) => _daemons = daemons;

    public int Count => _daemons.Count;

    /// <summary>The domains node <paramref name="node"/>'s driver holds now (a spawned server is one).</summary>
    public IReadOnlyList<string> DomainsOf(string node) => [.. _daemons.Where(d => d.Name == node).SelectMany(d => d.Driver.List()).Select(d => d.Name)];

    /// <summary>Starts one daemon per name in <paramref name="nodes"/>, state under <paramref name="stateRoot"/>/NODE; returns once all have started.</summary>
    /// <param name="cluster">The API server.</param>
    /// <param name="nodes">One daemon per name.</param>
    /// <param name="stateRoot">State directories go under it, one per node.</param>
    /// <param name="heartbeat">How often each daemon writes its Hypervisor's heartbeat (null: the daemon's default, 10 s).</param>
    /// <param name="client">Client options (retries).</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<NodeFleet> StartAsync(KubernetesClientConfiguration cluster, IReadOnlyList<string> nodes, string stateRoot, TimeSpan? heartbeat = null,
        KubeClientOptions? client = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(nodes);
        var daemons = new List<(string, WebApplication, FakeHypervisorDriver)>();
        var fleet = new NodeFleet(daemons);
        try
        {
            foreach (var name in nodes)
            {
                var state = Path.Combine(stateRoot, name);
                var driver = new FakeHypervisorDriver();
                var app = NodeAgentHost.Build(new NodeAgentHostOptions
                {
                    Node = new NodeAgentOptions
                    {
                        NodeName = name,
                        StateDirectory = state,
                        SaveDirectory = Path.Combine(state, "save"),
                        HypervisorReason = "fake hypervisor driver: no guests run",
                        HypervisorVersion = "fake",
                        ManageNetworks = false,
                        HeartbeatInterval = heartbeat ?? TimeSpan.FromSeconds(10),
                    },
                    Cluster = cluster,
                    Client = client ?? new KubeClientOptions(),
                    Driver = driver,
                    Files = new InMemoryInstanceFiles(),
                    MinimumLogLevel = LogLevel.Warning,
                });
                daemons.Add((name, app, driver));
                await app.StartAsync(cancellationToken);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, app, driver) in _daemons)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await app.StopAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await app.DisposeAsync();
            driver.Dispose();
        }

        _daemons.Clear();
    }
}
