using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>
/// Removes this node's tgt targets (IQNs under <see cref="StorageRole.TargetPrefix"/>) that no Volume placed here
/// owns, once the Volume cache has synced, then every <see cref="NodeAgentOptions.ResyncInterval"/>: a Volume deleted
/// or moved while the daemon was down. Only the target and its CHAP account go; the data is kept and logged (deleting
/// data is done only for a Volume the operator marked Deleting). Targets of other nodes on a shared tgtd are left alone.
/// </summary>
public sealed class OrphanTargetSweeper(NodeInformers cache, StorageRole storage, NodeAgentOptions options, TimeProvider time, ILogger<OrphanTargetSweeper> logger)
    : BackgroundService
{
    /// <summary>Sweeps finished so far (tests wait for one after a restart).</summary>
    public int Sweeps { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await cache.Volumes.WaitForCacheSyncAsync(stoppingToken);
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
                logger.LogWarning("orphan target sweep failed: {Message}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var known = cache.Volumes.Store.ByIndex(NodeInformers.VolumesByBackend, options.NodeName)
            .Select(v => v.Metadata.Uid).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var prefix = storage.TargetPrefix;
        foreach (var target in await storage.Targets.TargetsAsync(cancellationToken))
        {
            if (!target.Iqn.StartsWith(prefix, StringComparison.Ordinal) || known.Contains(target.Iqn[prefix.Length..]))
            {
                continue;
            }

            var id = target.Iqn[prefix.Length..];
            await storage.Targets.UnexportAsync(id, chapUsername: null, deleteData: false, cancellationToken);
            NodeMetrics.OrphansRemoved.WithLabels(options.NodeName).Inc();
            logger.LogInformation("removed orphan target {Iqn}: no Volume placed on this node owns it; its data {Path} is kept", target.Iqn, target.BackingPath);
        }
    }
}
