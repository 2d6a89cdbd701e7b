using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Claims;

/// <summary>How a claim went.</summary>
public enum ClaimStatus
{
    /// <summary>The resources are now held for the server on the host.</summary>
    Claimed,
    /// <summary>The server already held this claim on this host; nothing changed (idempotent).</summary>
    AlreadyClaimed,
    /// <summary>The host no longer has room (another decision got there first).</summary>
    InsufficientCapacity,
    /// <summary>The server holds a claim (or a resize claim) on another host; release or finish it first.</summary>
    ClaimedElsewhere,
    /// <summary>A resize was asked for a server that holds no claim to resize from.</summary>
    NotPlaced,
}

/// <summary>The result of <see cref="AllocationLedger.TryClaim"/>, with the host's usage after it.</summary>
public readonly record struct ClaimOutcome(ClaimStatus Status, string Host, HostUsage Usage)
{
    public bool Succeeded => Status is ClaimStatus.Claimed or ClaimStatus.AlreadyClaimed;
}

/// <summary>Which of a server's claims an allocation is.</summary>
public enum AllocationRole
{
    /// <summary>The server's own claim: its current flavor on its current node (during a resize, the new ones).</summary>
    Server,
    /// <summary>During a resize, the old flavor held on the source node until confirm or revert (nova's migration allocation).</summary>
    ResizeSource,
}

/// <summary>The server a claim is for: claims are keyed by <see cref="Uid"/>, so a server deleted and recreated under the same name never inherits one.</summary>
public readonly record struct ServerRef(string Uid, string Namespace, string Name)
{
    /// <summary>"namespace/name", for messages and name lookups.</summary>
    public string Key => Namespace + "/" + Name;
}

/// <summary>One claim of a server on a host.</summary>
public sealed record Allocation(string ServerUid, string ServerKey, string Host, ResourceAmounts Resources, bool InFlight, AllocationRole Role = AllocationRole.Server);

/// <summary>
/// The operator's in-memory record of what every server holds on every host (nova's claims; the
/// usage half of placement). Thread-safe: every operation runs under the ledger's lock, and a claim
/// re-checks the host's room there, so concurrent decisions never overcommit a host. Claims are keyed
/// by the Server's metadata.uid, so claiming twice is harmless and a server recreated under an old
/// name starts clean; they are released when a build fails or the server goes, and the whole ledger
/// can be rebuilt from the Servers' status (node, flavor, resize) on start.
/// </summary>
/// <remarks>
/// A resize (nova's migration allocations) holds two claims until it is finished: the new flavor on
/// the target (<see cref="AllocationRole.Server"/>) and the old flavor on the source
/// (<see cref="AllocationRole.ResizeSource"/>). <see cref="ConfirmResize"/> releases the old,
/// <see cref="RevertResize"/> the new. A resize on the same host counts both amounts there but one
/// instance.
/// </remarks>
public sealed class AllocationLedger
{
    private readonly Lock _lock = new();
    private Dictionary<string, HostUsage> _usage = new(StringComparer.Ordinal);
    private Dictionary<string, ServerClaims> _claims = new(StringComparer.Ordinal);
    private Dictionary<string, string> _uidByName = new(StringComparer.Ordinal);

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
    public ClaimOutcome TryClaim(ServerRef server, HostState host, ResourceAmounts resources)
    {
        ArgumentException.ThrowIfNullOrEmpty(server.Uid);
        ArgumentNullException.ThrowIfNull(host);
        lock (_lock)
        {
            if (_claims.TryGetValue(server.Uid, out var existing))
            {
                var current = existing.Current;
                return current.Host == host.Name && existing.Source is null
                    ? new ClaimOutcome(ClaimStatus.AlreadyClaimed, host.Name, _usage.GetValueOrDefault(host.Name))
                    : new ClaimOutcome(ClaimStatus.ClaimedElsewhere, current.Host, _usage.GetValueOrDefault(current.Host));
            }

            if (!Fits(host, resources, out var usage))
            {
                return new ClaimOutcome(ClaimStatus.InsufficientCapacity, host.Name, usage);
            }

            var key = server.Key;
            var allocation = new Allocation(server.Uid, key, host.Name, resources, InFlight: true);
            _claims[server.Uid] = new ServerClaims(allocation, null);
            _uidByName[key] = server.Uid;
            return new ClaimOutcome(ClaimStatus.Claimed, host.Name, Apply(allocation, instances: 1, sign: 1));
        }
    }

    /// <summary>
    /// Starts a resize: holds <paramref name="resources"/> (the new flavor) on the host beside the
    /// server's current claim, which stays as the resize source until <see cref="ConfirmResize"/> or
    /// <see cref="RevertResize"/>. On the server's own host both count against its room (nova with
    /// allow_resize_to_same_host). Idempotent: asking again for the same host while the resize is
    /// open changes nothing.
    /// </summary>
    public ClaimOutcome TryClaimResize(ServerRef server, HostState host, ResourceAmounts resources)
    {
        ArgumentException.ThrowIfNullOrEmpty(server.Uid);
        ArgumentNullException.ThrowIfNull(host);
        lock (_lock)
        {
            if (!_claims.TryGetValue(server.Uid, out var existing))
            {
                return new ClaimOutcome(ClaimStatus.NotPlaced, host.Name, _usage.GetValueOrDefault(host.Name));
            }

            if (existing.Source is not null)
            {
                var target = existing.Current.Host;
                return new ClaimOutcome(target == host.Name ? ClaimStatus.AlreadyClaimed : ClaimStatus.ClaimedElsewhere, target, _usage.GetValueOrDefault(target));
            }

            if (!Fits(host, resources, out var room))
            {
                return new ClaimOutcome(ClaimStatus.InsufficientCapacity, host.Name, room);
            }

            // A server is resized once built: its old claim is no longer an I/O op in flight.
            var source = existing.Current with { Role = AllocationRole.ResizeSource, InFlight = false };
            if (existing.Current.InFlight)
            {
                _usage[source.Host] = _usage[source.Host] with { InFlight = _usage[source.Host].InFlight - 1 };
            }
            var allocation = new Allocation(server.Uid, source.ServerKey, host.Name, resources, InFlight: true);
            _claims[server.Uid] = new ServerClaims(allocation, source);
            return new ClaimOutcome(ClaimStatus.Claimed, host.Name, Apply(allocation, instances: source.Host == host.Name ? 0 : 1, sign: 1));
        }
    }

    /// <summary>The resize is confirmed: the old flavor's claim on the source is released. False when no resize was open.</summary>
    public bool ConfirmResize(string serverUid)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(serverUid, out var claims) || claims.Source is not { } source)
            {
                return false;
            }

            // On the same host the instance stays, now counted by the new claim.
            Apply(source, instances: source.Host == claims.Current.Host ? 0 : 1, sign: -1);
            _claims[serverUid] = claims with { Source = null };
            return true;
        }
    }

    /// <summary>The resize is reverted: the new flavor's claim is released and the old one is the server's again. False when no resize was open.</summary>
    public bool RevertResize(string serverUid)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(serverUid, out var claims) || claims.Source is not { } source)
            {
                return false;
            }

            var current = claims.Current;
            Apply(current, instances: source.Host == current.Host ? 0 : 1, sign: -1);
            _claims[serverUid] = new ServerClaims(source with { Role = AllocationRole.Server }, null);
            return true;
        }
    }

    /// <summary>Gives all of the server's resources back (build failed, server deleted), both claims mid-resize. False when it held none.</summary>
    public bool Release(string serverUid)
    {
        lock (_lock)
        {
            if (!_claims.Remove(serverUid, out var claims))
            {
                return false;
            }

            var current = claims.Current;
            if (claims.Source is { } source)
            {
                Apply(source, instances: 1, sign: -1);
                Apply(current, instances: source.Host == current.Host ? 0 : 1, sign: -1);
            }
            else
            {
                Apply(current, instances: 1, sign: -1);
            }

            if (_uidByName.TryGetValue(current.ServerKey, out var uid) && uid == serverUid)
            {
                _uidByName.Remove(current.ServerKey);
            }

            return true;
        }
    }

    /// <summary>The build (or resize) finished: the claims stay, but no longer count as an I/O op in flight.</summary>
    public bool MarkBuilt(string serverUid)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(serverUid, out var claims) || !(claims.Current.InFlight || claims.Source?.InFlight == true))
            {
                return false;
            }

            foreach (var allocation in (ReadOnlySpan<Allocation?>)[claims.Current, claims.Source])
            {
                if (allocation is { InFlight: true })
                {
                    _usage[allocation.Host] = _usage[allocation.Host] with { InFlight = _usage[allocation.Host].InFlight - 1 };
                }
            }

            _claims[serverUid] = new ServerClaims(claims.Current with { InFlight = false }, claims.Source is { } s ? s with { InFlight = false } : null);
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

    /// <summary>
    /// The node of the server that holds a claim under this name in the namespace, or null (during a
    /// resize, the target). Group members and hints name servers, so they are looked up by name; the
    /// name points at the server that claimed under it last.
    /// </summary>
    public string? NodeOf(string ns, string name)
    {
        lock (_lock)
        {
            return _uidByName.TryGetValue(ns + "/" + name, out var uid) && _claims.TryGetValue(uid, out var claims) ? claims.Current.Host : null;
        }
    }

    /// <summary>The server's own claim (during a resize, the new one), or null.</summary>
    public Allocation? AllocationOf(string serverUid)
    {
        lock (_lock)
        {
            return _claims.TryGetValue(serverUid, out var claims) ? claims.Current : null;
        }
    }

    /// <summary>During a resize, the old flavor's claim on the source; otherwise null.</summary>
    public Allocation? ResizeSourceOf(string serverUid)
    {
        lock (_lock)
        {
            return _claims.TryGetValue(serverUid, out var claims) ? claims.Source : null;
        }
    }

    /// <summary>A resolver of server name to node within one namespace, for <see cref="ScheduleRequestFactory.Create"/>.</summary>
    public Func<string, string?> NodeResolver(string ns) => name => NodeOf(ns, name);

    /// <summary>Every claim (both of a server mid-resize), in no particular order.</summary>
    public IReadOnlyList<Allocation> Snapshot()
    {
        lock (_lock)
        {
            var all = new List<Allocation>(_claims.Count);
            foreach (var claims in _claims.Values)
            {
                all.Add(claims.Current);
                if (claims.Source is { } source)
                {
                    all.Add(source);
                }
            }

            return all;
        }
    }

    /// <summary>
    /// Replaces the ledger with the claims of placed servers: those with metadata.uid, status.node and
    /// status.flavor, plus, for a server with status.resize, the old flavor on the source node. No
    /// capacity check: what runs, runs. Servers still Scheduling or Building, or resizing, count as
    /// I/O ops in flight.
    /// </summary>
    public void Rebuild(IEnumerable<Server> servers)
    {
        var builder = new Builder();
        builder.Add(servers);
        Rebuild(builder);
    }

    /// <summary>Replaces the ledger with the claims <paramref name="builder"/> has collected (see <see cref="Rebuild(IEnumerable{Server})"/>).</summary>
    public void Rebuild(Builder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rebuilt = builder.Ledger;
        lock (_lock)
        {
            _usage = rebuilt._usage;
            _claims = rebuilt._claims;
            _uidByName = rebuilt._uidByName;
        }
    }

    private bool AddPlaced(Server server)
    {
        if (server.Status is not { Node: { Length: > 0 } node, Flavor: { } flavor } status
            || server.Metadata is not { Uid: { Length: > 0 } uid, Name: { } name }
            || _claims.ContainsKey(uid))
        {
            return false;
        }

        var key = $"{server.Metadata.NamespaceProperty}/{name}";
        var bootFromVolume = server.Spec.ImageRef is null;
        var inFlight = status.Phase is null or ServerPhase.Pending or ServerPhase.Scheduling or ServerPhase.Building
            || status.TaskState == ServerTaskState.Resizing;
        var current = new Allocation(uid, key, node, ScheduleRequestFactory.Resources(flavor, bootFromVolume), inFlight);
        Allocation? source = null;
        if (status.Resize is { SourceNode: { Length: > 0 } sourceNode, OldFlavor: { } oldFlavor })
        {
            source = new Allocation(uid, key, sourceNode, ScheduleRequestFactory.Resources(oldFlavor, bootFromVolume), InFlight: false, AllocationRole.ResizeSource);
            Apply(source, instances: 1, sign: 1);
        }

        Apply(current, instances: source?.Host == node ? 0 : 1, sign: 1);
        _claims[uid] = new ServerClaims(current, source);
        _uidByName[key] = uid;
        return true;
    }

    /// <summary>
    /// The claims of a rebuild collected in steps, e.g. page by page as a list of every Server arrives, so the Servers
    /// of one page can be dropped before the next is read; <see cref="Rebuild(Builder)"/> puts them in place at once.
    /// </summary>
    public sealed class Builder
    {
        internal AllocationLedger Ledger { get; } = new();

        /// <summary>Adds the claims of the placed servers among <paramref name="servers"/> (a server seen twice counts once).</summary>
        public void Add(IEnumerable<Server> servers)
        {
            ArgumentNullException.ThrowIfNull(servers);
            foreach (var server in servers)
            {
                Ledger.AddPlaced(server);
            }
        }
    }

    private bool Fits(HostState host, in ResourceAmounts resources, out HostUsage usage)
    {
        usage = _usage.GetValueOrDefault(host.Name);
        return usage.Vcpus + (long)resources.Vcpus <= host.VcpuLimit
            && usage.MemoryMb + resources.MemoryMb <= host.MemoryLimitMb
            && usage.DiskMb + resources.DiskMb <= host.DiskLimitMb;
    }

    /// <summary>Adds (sign 1) or removes (sign -1) one allocation on its host; returns the host's usage after.</summary>
    private HostUsage Apply(Allocation allocation, int instances, int sign)
    {
        var before = _usage.GetValueOrDefault(allocation.Host);
        var r = allocation.Resources;
        var after = new HostUsage(
            before.Vcpus + (sign * r.Vcpus),
            before.MemoryMb + (sign * r.MemoryMb),
            before.DiskMb + (sign * r.DiskMb),
            before.Instances + (sign * instances),
            before.InFlight + (allocation.InFlight ? sign : 0));
        if (after == default)
        {
            _usage.Remove(allocation.Host);
        }
        else
        {
            _usage[allocation.Host] = after;
        }

        return after;
    }

    /// <summary>A server's claims: its own, and during a resize the old one on the source.</summary>
    private sealed record ServerClaims(Allocation Current, Allocation? Source);
}
