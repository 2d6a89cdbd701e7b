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

    public IReadOnlyList<IRunnable> Controllers => _controllers;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _controllers = [.. registrations.Select(r => r.Build(services))];
        await informers.StartAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await informers.WaitForCacheSyncAsync(stoppingToken).ConfigureAwait(false);
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

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        health.SetLeader(true);
        try
        {
            await Task.WhenAll(_controllers.Select(c => c.RunAsync(cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            health.SetLeader(false);
        }
    }
}
