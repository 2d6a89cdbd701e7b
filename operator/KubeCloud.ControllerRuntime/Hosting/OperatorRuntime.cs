using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.LeaderElection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>
/// The hosted service that runs an operator: builds the registered controllers (creating their informers), starts the
/// informers, waits for their caches (then /readyz turns ready), and runs the controllers, behind leader election
/// when it is configured: they start when this replica becomes leader and stop when it loses the lease.
/// </summary>
public sealed class OperatorRuntime(
    IServiceProvider services,
    IEnumerable<ControllerRegistration> registrations,
    SharedInformerFactory informers,
    OperatorHealth health,
    OperatorOptions options,
    ILogger<OperatorRuntime> logger,
    LeaderElector? elector = null) : BackgroundService
{
    private IReadOnlyList<IRunnable> _controllers = [];
    private int _firstPassCompacted;

    public IReadOnlyList<IRunnable> Controllers => _controllers;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _controllers = [.. registrations.Select(r => r.Build(services))];
        await informers.StartAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await informers.WaitForCacheSyncAsync(stoppingToken).ConfigureAwait(false);
            if (options.CompactAfterSync)
            {
                Compact("the caches synced");
            }

            health.MarkReady();
            logger.LogInformation("Caches synced for {Count} kinds; {Controllers} controllers registered", informers.Informers.Count, _controllers.Count);
            if (elector is null || options.LeaderElection is null)
            {
                await RunControllersAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await elector.RunAsync(RunControllersAsync, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the informers stop with the same token.
        }
    }

    /// <summary>
    /// Start-up allocates far more than it keeps: the first list of every kind (each page's objects live until the list
    /// is whole, so they are promoted), then the controllers' first pass over every object (a reconcile each, the
    /// ledger's rebuild). A non-concurrent workstation GC grows its gen0 budget while survival is high, and with no
    /// memory pressure on a machine with gigabytes free it keeps those regions committed for as long as the process runs:
    /// an operator restarted with 10,000 Servers stored sat near 300 MB RSS with a live heap under 40 MB, and a plain full
    /// collection did not give the memory back. An aggressive collection compacts and decommits what is free. It runs
    /// when the caches have synced and once more when the controllers' first pass is done; never periodically: the
    /// steady state's garbage is the ordinary generations' business.
    /// </summary>
    private void Compact(string moment)
    {
        var before = Environment.WorkingSet;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        logger.LogInformation("Compacted the heap after {Moment} in {Milliseconds} ms: working set {Before} -> {After} MB",
            moment, watch.ElapsedMilliseconds, before / 1_000_000, Environment.WorkingSet / 1_000_000);
    }

    /// <summary>
    /// Waits until every controller has been idle (queue empty, nothing in progress) for two checks a second apart, or
    /// for <paramref name="limit"/> at most, then compacts once (<see cref="Compact"/>).
    /// </summary>
    private async Task CompactAfterFirstPassAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var idleChecks = 0;
        while (watch.Elapsed < limit && idleChecks < 2)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            idleChecks = _controllers.All(c => c is not IIdleAware aware || aware.IsIdle) ? idleChecks + 1 : 0;
        }

        Compact(idleChecks >= 2 ? $"the controllers' first pass ({watch.Elapsed.TotalSeconds:F0} s)" : $"{limit.TotalMinutes:F0} minutes of controllers never idle");
    }

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        health.SetLeader(true);
        var firstPass = options.CompactAfterSync && Interlocked.Exchange(ref _firstPassCompacted, 1) == 0
            ? CompactAfterFirstPassAsync(TimeSpan.FromMinutes(10), cancellationToken)
            : Task.CompletedTask;
        try
        {
            await Task.WhenAll(_controllers.Select(c => c.RunAsync(cancellationToken))).ConfigureAwait(false);
            await firstPass.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership lost or shutting down while the first pass ran: the compaction is skipped.
        }
        finally
        {
            health.SetLeader(false);
        }
    }
}
