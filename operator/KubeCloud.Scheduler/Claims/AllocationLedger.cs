using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Claims;

/// <summary>How a claim went.</summary>
public enum ClaimStatus
{
    /// <summary>The resources are now held for the server on the host.</summary>
    Claimed,
    /// <summary>The server already held a claim on this host; nothing changed (idempotent).</summary>
    AlreadyClaimed,
    /// <summary>The host no longer has room (another decision got there first).</summary>
    InsufficientCapacity,
    /// <summary>The server holds a claim on another host; release it first.</summary>
    ClaimedElsewhere,
}

/// <summary>The result of <see cref="AllocationLedger.TryClaim"/>, with the host's usage after it.</summary>
public readonly record struct ClaimOutcome(ClaimStatus Status, string Host, HostUsage Usage)
{
    public bool Succeeded => Status is ClaimStatus.Claimed or ClaimStatus.AlreadyClaimed;
}

/// <summary>One server's claim on a host.</summary>
public sealed record Allocation(string ServerKey, string Host, ResourceAmounts Resources, bool InFlight);

/// <summary>
/// The operator's in-memory record of what every server holds on every host (nova's claims; the
/// usage half of placement). Thread-safe: a claim re-checks the host's room under the ledger's lock,
/// so concurrent decisions never overcommit a host. Claims are keyed by server ("namespace/name"),
/// so claiming twice is harmless; they are released when a build fails or the server goes, and the
/// whole ledger can be rebuilt from the Servers' status.node and status.flavor on start.
/// </summary>
public sealed class AllocationLedger
{
    private readonly Lock _lock = new();
    private Dictionary<string, HostUsage> _usage = new(StringComparer.Ordinal);
    private Dictionary<string, Allocation> _claims = new(StringComparer.Ordinal);

    /// <summary>How many servers hold claims.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _claims.Count;
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="resources"/> for the server on the host if they still fit under the
    /// host's limits ((total - reserved) * ratio), checked against the ledger's usage, not the
    /// possibly stale <paramref name="host"/> state.
    /// </summary>
    public ClaimOutcome TryClaim(string serverKey, HostState host, ResourceAmounts resources)
    {
        ArgumentException.ThrowIfNullOrEmpty(serverKey);
        ArgumentNullException.ThrowIfNull(host);
        lock (_lock)
        {
            var usage = _usage.GetValueOrDefault(host.Name);
            if (_claims.TryGetValue(serverKey, out var existing))
            {
                return existing.Host == host.Name
                    ? new ClaimOutcome(ClaimStatus.AlreadyClaimed, host.Name, usage)
                    : new ClaimOutcome(ClaimStatus.ClaimedElsewhere, existing.Host, _usage.GetValueOrDefault(existing.Host));
            }

            if (usage.Vcpus + (long)resources.Vcpus > host.VcpuLimit
                || usage.MemoryMb + resources.MemoryMb > host.MemoryLimitMb
                || usage.DiskMb + resources.DiskMb > host.DiskLimitMb)
            {
                return new ClaimOutcome(ClaimStatus.InsufficientCapacity, host.Name, usage);
            }

            usage = usage.Add(resources, inFlight: true);
            _usage[host.Name] = usage;
            _claims[serverKey] = new Allocation(serverKey, host.Name, resources, InFlight: true);
            return new ClaimOutcome(ClaimStatus.Claimed, host.Name, usage);
        }
    }

    /// <summary>Gives the server's resources back (build failed, server deleted). False when it held none.</summary>
    public bool Release(string serverKey)
    {
        lock (_lock)
        {
            if (!_claims.Remove(serverKey, out var allocation))
            {
                return false;
            }

            var usage = _usage[allocation.Host].Remove(allocation.Resources, allocation.InFlight);
            if (usage.Instances == 0)
            {
                _usage.Remove(allocation.Host);
            }
            else
            {
                _usage[allocation.Host] = usage;
            }

            return true;
        }
    }

    /// <summary>The build finished: the claim stays, but no longer counts as an I/O op in flight.</summary>
    public bool MarkBuilt(string serverKey)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(serverKey, out var allocation) || !allocation.InFlight)
            {
                return false;
            }

            _claims[serverKey] = allocation with { InFlight = false };
            _usage[allocation.Host] = _usage[allocation.Host] with { InFlight = _usage[allocation.Host].InFlight - 1 };
            return true;
        }
    }

    /// <summary>The sum of the claims on a host.</summary>
    public HostUsage UsageOf(string host)
    {
        lock (_lock)
        {
            return _usage.GetValueOrDefault(host);
        }
    }

    /// <summary>The node a server holds its claim on, or null.</summary>
    public string? NodeOf(string serverKey)
    {
        lock (_lock)
        {
            return _claims.TryGetValue(serverKey, out var allocation) ? allocation.Host : null;
        }
    }

    /// <summary>The server's claim, or null.</summary>
    public Allocation? AllocationOf(string serverKey)
    {
        lock (_lock)
        {
            return _claims.GetValueOrDefault(serverKey);
        }
    }

    /// <summary>A resolver of server name to node within one namespace, for <see cref="ScheduleRequestFactory.Create"/>.</summary>
    public Func<string, string?> NodeResolver(string ns) => name => NodeOf(ns + "/" + name);

    /// <summary>Every claim, in no particular order.</summary>
    public IReadOnlyList<Allocation> Snapshot()
    {
        lock (_lock)
        {
            return [.. _claims.Values];
        }
    }

    /// <summary>
    /// Replaces the ledger with the claims of placed servers: those with status.node and
    /// status.flavor. No capacity check: what runs, runs. Servers still Scheduling or Building count
    /// as I/O ops in flight.
    /// </summary>
    public void Rebuild(IEnumerable<Server> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var usage = new Dictionary<string, HostUsage>(StringComparer.Ordinal);
        var claims = new Dictionary<string, Allocation>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            if (server.Status is not { Node: { Length: > 0 } node, Flavor: { } flavor } status
                || server.Metadata.Name is not { } name)
            {
                continue;
            }

            var key = $"{server.Metadata.Namespace}/{name}";
            if (claims.ContainsKey(key))
            {
                continue;
            }

            var resources = ScheduleRequestFactory.Resources(flavor, bootFromVolume: server.Spec.ImageRef is null);
            var inFlight = status.Phase is null or ServerPhase.Pending or ServerPhase.Scheduling or ServerPhase.Building;
            claims[key] = new Allocation(key, node, resources, inFlight);
            usage[node] = usage.GetValueOrDefault(node).Add(resources, inFlight);
        }

        lock (_lock)
        {
            _usage = usage;
            _claims = claims;
        }
    }
}
