using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.Scheduler;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// The scheduler's state inside the operator: the allocation ledger (what every server holds on every host), the host
/// inventory built from the Hypervisors and the ledger, and the filter scheduler. The ledger lives in memory only, so it
/// is rebuilt from the Servers' status (node, flavor, resize) every time this replica starts to run the controller
/// (at start and on every leadership gain), before any scheduling decision or release: <see cref="Invalidate"/> marks
/// it stale and the next <see cref="EnsureRebuiltAsync"/> rebuilds it from a consistent list read from the API
/// server, not from the informer cache, which may not yet show the last placements of a previous leader.
/// </summary>
public sealed class ServerPlacement : ITermState, IDisposable
{
    private readonly IKubeClient _client;
    private readonly ILogger<ServerPlacement> _logger;
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private readonly Lock _scheduleLock = new();
    private readonly HostInventory _inventory;
    private readonly FilterScheduler _scheduler;
    private int _epoch;
    private int _rebuiltEpoch = -1;

    public ServerPlacement(IKubeClient client, OperatorSettings settings, TimeProvider time, ILogger<ServerPlacement> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _client = client;
        _logger = logger;
        Ledger = new AllocationLedger();
        _inventory = new HostInventory(settings.Servers.Scheduler, Ledger, time);
        _scheduler = new FilterScheduler(settings.Servers.Scheduler);
    }

    public AllocationLedger Ledger { get; }

    public FilterScheduler Scheduler => _scheduler;

    /// <summary>How many times the ledger was rebuilt (diagnostics and tests).</summary>
    public int Rebuilds { get; private set; }

    /// <summary>The ledger no longer reflects the cluster (this replica is about to run the controller): rebuild before the next use.</summary>
    public void Invalidate() => Interlocked.Increment(ref _epoch);

    /// <summary>A run of the controller starts (at start, on every leadership gain): the ledger is stale.</summary>
    public void BeginTerm() => Invalidate();

    /// <summary>Rebuilds the ledger from every Server if it was invalidated since the last rebuild.</summary>
    public async Task EnsureRebuiltAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _rebuiltEpoch) == Volatile.Read(ref _epoch))
        {
            return;
        }

        await _rebuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var epoch = Volatile.Read(ref _epoch);
            if (_rebuiltEpoch == epoch)
            {
                return;
            }

            // Page by page into a builder: only one page of Servers (500) is ever in memory, not a second copy of every
            // Server beside the informer's (10,000 of them were ~70 MB that outlived the rebuild in the old generation).
            var builder = new AllocationLedger.Builder();
            var servers = 0;
            string? next = null;
            do
            {
                var page = await _client.ListAsync<Server>(null, new ListOptions { Limit = 500, Continue = next }, cancellationToken).ConfigureAwait(false);
                builder.Add(page.Items ?? []);
                servers += page.Items?.Count ?? 0;
                next = page.Metadata?.ContinueProperty;
            }
            while (!string.IsNullOrEmpty(next));

            lock (_scheduleLock)
            {
                Ledger.Rebuild(builder);
            }

            Rebuilds++;
            _logger.LogInformation("Allocation ledger rebuilt from {Servers} servers: {Claims} hold claims", servers, Ledger.Count);
            Volatile.Write(ref _rebuiltEpoch, epoch);
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    public void Dispose() => _rebuildGate.Dispose();

    /// <summary>Runs the filters and weighers over the current Hypervisors and claims on the winner, atomically with other decisions.</summary>
    public ScheduleResult Schedule(ScheduleRequest request, IEnumerable<Hypervisor> hypervisors)
    {
        lock (_scheduleLock)
        {
            _inventory.Refresh(hypervisors);
            return _scheduler.Schedule(_inventory, request);
        }
    }

    /// <summary>
    /// A resize that fits where the server runs: claims the new flavor beside the old one on the current node when that
    /// node passes every filter for the new flavor; null when it does not (the caller reschedules).
    /// </summary>
    public ClaimOutcome? TryResizeInPlace(ScheduleRequest request, IEnumerable<Hypervisor> hypervisors)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_scheduleLock)
        {
            _inventory.Refresh(hypervisors);
            if (request.ResizeSourceNode is not { } node || _inventory.Find(node) is not { } host)
            {
                return null;
            }

            // The current node already counts the old flavor; the filters judge the new one on top of it.
            if (!_scheduler.PassesAll(host, request with { ResizeSourceNode = null }, out _))
            {
                return null;
            }

            var outcome = Ledger.TryClaimResize(request.Server, host, request.Resources);
            _inventory.Consume(node);
            return outcome.Succeeded ? outcome : null;
        }
    }
}
