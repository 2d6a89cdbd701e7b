using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>
/// The current host states (nova's HostManager cache): built from the Hypervisors with the ledger's
/// usage by <see cref="Refresh"/>, and updated one host at a time after each claim by
/// <see cref="Consume"/>, so the next decision sees it. The states are kept in a <see cref="HostTable"/>
/// whose columns the filters and weighers read in bulk; a claim updates the host's row in place.
/// Thread-safe: readers get a table whose slots are replaced (never mutated) under a lock.
/// </summary>
public sealed class HostInventory
{
    private readonly SchedulerOptions _options;
    private readonly AllocationLedger _ledger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private volatile HostTable _table = HostTable.Create([]);
    private int[] _reportedIoOps = [];
    private IReadOnlyList<string> _warnings = [];

    // The state read from each Hypervisor object at the last refresh (Refresh is called under the caller's lock).
    private readonly Dictionary<string, (Hypervisor Source, HostState State)> _read = new(StringComparer.Ordinal);

    public HostInventory(SchedulerOptions options, AllocationLedger ledger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        _options = options;
        _ledger = ledger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The ledger the usage comes from.</summary>
    public AllocationLedger Ledger => _ledger;

    /// <summary>The current host states. The list is a snapshot of slots that later claims replace.</summary>
    public IReadOnlyList<HostState> Hosts => _table.States;

    /// <summary>
    /// What was wrong with the hosts' labels at the last refresh (for example a weigher multiplier
    /// label that is not a number, which is then ignored as nova ignores it), one sentence each naming
    /// the host and label: the operator logs them and records them as events on the Hypervisors.
    /// </summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>The current hosts in columns, as the scheduler reads them.</summary>
    public HostTable Table => _table;

    /// <summary>
    /// Rebuilds every host state from the Hypervisors and the ledger (readiness is judged now). A Hypervisor object seen
    /// at the last refresh (the informer hands out the same instance until it changes) is not read again: its state is
    /// reused with the ledger's usage and readiness judged now (reading 100 Hypervisors per decision was 5 % of the
    /// operator's CPU in a burst of 2,000 servers).
    /// </summary>
    public void Refresh(IEnumerable<Hypervisor> hypervisors)
    {
        ArgumentNullException.ThrowIfNull(hypervisors);
        var now = _time.GetUtcNow();
        var hosts = new List<HostState>();
        var reported = new List<int>();
        foreach (var hypervisor in hypervisors)
        {
            if (hypervisor.Metadata.Name is not { } name)
            {
                continue;
            }

            var usage = _ledger.UsageOf(name);
            HostState host;
            if (_read.TryGetValue(name, out var seen) && ReferenceEquals(seen.Source, hypervisor))
            {
                host = seen.State.WithUsage(usage, Math.Max(hypervisor.Status?.IoOps ?? 0, usage.InFlight)) with
                {
                    Ready = HostStateFactory.IsReady(hypervisor.Status, now, _options.ServiceDownTimeSeconds),
                };
            }
            else
            {
                host = HostStateFactory.FromHypervisor(hypervisor, _options, usage, now);
                _read[name] = (hypervisor, host);
            }

            hosts.Add(host);
            reported.Add(hypervisor.Status?.IoOps ?? 0);
        }

        if (_read.Count > hosts.Count)
        {
            var names = hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _read.Keys.Where(n => !names.Contains(n)).ToList())
            {
                _read.Remove(gone);
            }
        }

        Publish(hosts, reported);
    }

    /// <summary>
    /// Loads prepared host states (tests, benchmarks). Their usage is replaced by the ledger's, which
    /// is the only source of usage; their NumIoOps counts as the node daemon's report.
    /// </summary>
    public void Load(IEnumerable<HostState> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var states = new List<HostState>();
        var reported = new List<int>();
        foreach (var host in hosts)
        {
            var usage = _ledger.UsageOf(host.Name);
            states.Add(host.WithUsage(usage, Math.Max(host.NumIoOps, usage.InFlight)));
            reported.Add(host.NumIoOps);
        }

        Publish(states, reported);
    }

    /// <summary>The state of one host, or null.</summary>
    public HostState? Find(string name)
    {
        lock (_lock)
        {
            var table = _table;
            var i = table.IndexOf(name);
            return i >= 0 ? table[i] : null;
        }
    }

    /// <summary>
    /// Re-reads the ledger's usage of one host into its state (nova's consume_from_request, after a
    /// claim or a release). Returns the new state, or null for an unknown host.
    /// </summary>
    public HostState? Consume(string name)
    {
        lock (_lock)
        {
            var table = _table;
            var i = table.IndexOf(name);
            if (i < 0)
            {
                return null;
            }

            var usage = _ledger.UsageOf(name);
            var state = table[i].WithUsage(usage, Math.Max(_reportedIoOps[i], usage.InFlight));
            table.Update(i, state);
            return state;
        }
    }

    private void Publish(List<HostState> hosts, List<int> reported)
    {
        var table = HostTable.Create(hosts);
        var warnings = hosts.SelectMany(h => h.Warnings).ToArray();
        lock (_lock)
        {
            _warnings = warnings;
            _reportedIoOps = [.. reported];
            _table = table;
        }
    }
}
