using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Agent.Networks;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Servers;

/// <summary>
/// Removes what belongs to no Server of this node (a Server deleted, or moved away, while the daemon was down), only
/// once the Server cache has synced, then again every <see cref="NodeAgentOptions.ResyncInterval"/>. Only instance
/// directories under this node's state directory count, with the domain of the same name: another daemon on the same
/// libvirt (a second node played on one machine) keeps its own. Networks likewise: the bridge, VXLAN device and DHCP of a
/// network this node wired (a marker per network in its state directory) that no Network has any more, once the Network
/// cache has synced (<see cref="INetworkConverger.RemoveOrphansAsync"/>).
/// </summary>
public sealed class OrphanSweeper(
    NodeInformers cache,
    InstanceConverger converger,
    INetworkConverger networks,
    IHypervisorDriver driver,
    NodeAgentOptions options,
    TimeProvider time,
    ILogger<OrphanSweeper> logger) : BackgroundService
{
    /// <summary>Sweeps finished so far (tests wait for one after a restart).</summary>
    public int Sweeps { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await cache.Servers.WaitForCacheSyncAsync(stoppingToken);
        await cache.Networks.WaitForCacheSyncAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.ResyncInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
                Sweeps++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("orphan sweep failed: {Message}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var network in await networks.RemoveOrphansAsync(cancellationToken))
        {
            NodeMetrics.OrphansRemoved.WithLabels(options.NodeName).Inc();
            logger.LogInformation("removed orphan network {Network}: no Network has it any more (bridge, VXLAN device, DHCP)", network);
        }

        if (!Directory.Exists(options.InstancesDirectory))
        {
            return;
        }

        foreach (var directory in Directory.GetDirectories(options.InstancesDirectory))
        {
            var name = Path.GetFileName(directory);
            var split = name.IndexOf('_', StringComparison.Ordinal);
            if (split <= 0 || cache.Servers.Store.Get(name[..split], name[(split + 1)..]) is not null)
            {
                continue;
            }

            var server = new Server { Metadata = new() { NamespaceProperty = name[..split], Name = name[(split + 1)..] } };
            if (driver.Find(ServerDomainMapper.DomainName(server)) is { } domain)
            {
                server.Metadata.Uid = domain.Uuid.ToString("D");
            }

            await converger.RemoveAsync(server, [], cancellationToken);
            NodeMetrics.OrphansRemoved.WithLabels(options.NodeName).Inc();
            logger.LogInformation("removed orphan {Namespace}/{Name}: no Server of this node owns it", server.Metadata.NamespaceProperty, server.Metadata.Name);
        }
    }
}
