using System.Buffers;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Weighers;

namespace KubeCloud.Scheduler;

/// <summary>
/// nova's FilterScheduler: runs the enabled filters over the hosts in order (counting hosts before
/// and after each, stopping at zero), weighs the survivors (normalise each weigher to 0..1, multiply,
/// sum), picks at random among the best <c>hostSubsetSize</c>, and, through the ledger, claims the
/// server's resources on the winner, trying the next best host when a claim loses a race.
/// </summary>
/// <remarks>
/// Cost is linear in hosts: per request the filters and weighers are prepared once; each runs once
/// per request over an array of survivor indexes, reading the <see cref="HostTable"/>'s contiguous
/// columns (<see cref="IHostFilter.FilterHosts"/>, <see cref="IHostWeigher.WeighHosts"/>); weights are
/// normalised in two passes over arrays; and only the best few hosts are kept in order (a full sort
/// happens only if every one of them loses its claim).
/// </remarks>
public sealed class FilterScheduler
{
    [ThreadStatic]
    private static IHostWeigher?[]? _weigherScratch;

    private readonly IHostFilter[] _filters;
    private readonly IHostWeigher[] _weighers;
    private readonly Random _random;
    private readonly int _subsetSize;
    private readonly int _reportedTopHosts;
    private readonly bool _allowResizeToSameHost;

    /// <summary>A scheduler with the configured filters and weighers; <paramref name="random"/> seeds the subset choice.</summary>
    public FilterScheduler(SchedulerOptions options, Random? random = null)
        : this(options, FilterRegistry.CreateEnabled(options), WeigherRegistry.CreateAll(options), random)
    {
    }

    /// <summary>
    /// A scheduler with explicit filters and weighers (tests, custom pipelines). A weigher whose
    /// multiplier is 0 runs only over tables where an aggregate label gives some host another one.
    /// </summary>
    public FilterScheduler(SchedulerOptions options, IEnumerable<IHostFilter> filters, IEnumerable<IHostWeigher> weighers, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(weighers);
        options.Validate();
        _filters = [.. filters];
        _weighers = [.. weighers];
        _random = random ?? new Random();
        _subsetSize = Math.Max(1, options.HostSubsetSize);
        _reportedTopHosts = Math.Max(1, options.ReportedTopHosts);
        _allowResizeToSameHost = options.AllowResizeToSameHost;
    }

    public IReadOnlyList<IHostFilter> Filters => _filters;

    public IReadOnlyList<IHostWeigher> Weighers => _weighers;

    /// <summary>
    /// Chooses a host without claiming it (a pure decision: dry runs, tests). The hosts are laid out
    /// in a <see cref="HostTable"/> for this call, which costs one pass over them.
    /// </summary>
    public ScheduleResult Select(IReadOnlyList<HostState> hosts, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(request);
        return Run(HostTable.Create(hosts), request, inventory: null);
    }

    /// <summary>
    /// Chooses a host from the inventory and claims the request's resources on it in the inventory's
    /// ledger; on a lost race the next best host is tried. The inventory sees the claim at once.
    /// </summary>
    public ScheduleResult Schedule(HostInventory inventory, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(request);
        return Run(inventory.Table, request, inventory);
    }

    /// <summary>Whether the host passes every enabled filter for the request (used to check decisions).</summary>
    public bool PassesAll(HostState host, ScheduleRequest request, out string? failedFilter)
    {
        foreach (var filter in _filters)
        {
            var prepared = filter.ForRequest(request);
            if (prepared is not null && !prepared.HostPasses(host, request).Passed)
            {
                failedFilter = filter.Name;
                return false;
            }
        }

        failedFilter = null;
        return true;
    }

    private ScheduleResult Run(HostTable table, ScheduleRequest request, HostInventory? inventory)
    {
        var total = table.Count;
        var weighers = PrepareWeighers(table, request, out var weigherCount);
        var survivors = ArrayPool<int>.Shared.Rent(Math.Max(total, 1));
        var scratch = ArrayPool<int>.Shared.Rent(Math.Max(total, 1));
        double[]? raw = null;
        try
        {
            FilterStep[] steps;
            int count;
            if (request.ForceNode is { } forced)
            {
                steps = [];
                count = 0;
                for (var i = 0; i < total; i++)
                {
                    if (table[i].Name == forced)
                    {
                        survivors[count++] = i;
                    }
                }

                if (count == 0)
                {
                    return new ScheduleResult(request.ServerKey, total, steps, null, [], null, 0, $"The forced node '{forced}' is not a known host.");
                }
            }
            else
            {
                count = Filter(table, request, ref survivors, ref scratch, out steps);
                if (count == 0)
                {
                    return new ScheduleResult(request.ServerKey, total, steps, null, [], null, 0, ScheduleResult.DescribeNoValidHost(total, steps));
                }
            }

            raw = ArrayPool<double>.Shared.Rent(Math.Max(count * weigherCount, 1));
            var indexes = survivors.AsSpan(0, count);
            for (var w = 0; w < weigherCount; w++)
            {
                weighers[w]!.WeighHosts(table, indexes, raw.AsSpan(w * count, count), request);
            }

            return Choose(table, survivors, count, total, steps, request, weighers, weigherCount, raw, inventory);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(survivors);
            ArrayPool<int>.Shared.Return(scratch);
            if (raw is not null)
            {
                ArrayPool<double>.Shared.Return(raw);
            }

            Array.Clear(weighers, 0, weigherCount);
        }
    }

    private IHostWeigher?[] PrepareWeighers(HostTable table, ScheduleRequest request, out int weigherCount)
    {
        var weighers = _weigherScratch is { } scratch && scratch.Length >= _weighers.Length ? scratch : _weigherScratch = new IHostWeigher?[_weighers.Length];
        weigherCount = 0;
        foreach (var weigher in _weighers)
        {
            if ((weigher.Multiplier != 0 || (weigher.MultiplierKey is { } key && !table.MultiplierOverrides(key).IsEmpty)) && weigher.AppliesTo(request))
            {
                weighers[weigherCount++] = weigher;
            }
        }

        return weighers;
    }

    /// <summary>
    /// nova's ordered pipeline over an array of survivor indexes: each filter, in the configured
    /// order, gets the hosts the filters before it kept and writes those it keeps to the other array
    /// (one call per filter per request, reading the table's columns), so "start N, end M" is exactly
    /// nova's. A filter that cannot remove a host for this request is recorded without a pass over
    /// the hosts. The pipeline stops at zero hosts. The sample reason is the one the filter's own
    /// predicate gives for the first host it removed.
    /// </summary>
    private int Filter(HostTable table, ScheduleRequest request, ref int[] survivors, ref int[] scratch, out FilterStep[] steps)
    {
        var count = table.Count;
        for (var i = 0; i < count; i++)
        {
            survivors[i] = i;
        }

        var ignoreSource = request.ResizeSourceNode is not null && !_allowResizeToSameHost;
        var all = new FilterStep[_filters.Length + (ignoreSource ? 1 : 0)];
        var stepCount = 0;
        if (ignoreSource)
        {
            var source = request.ResizeSourceNode;
            // nova: without allow_resize_to_same_host the source joins ignore_hosts, which the host
            // manager strips before the filters run.
            var before = count;
            count = 0;
            for (var i = 0; i < before; i++)
            {
                if (table[i].Name != source)
                {
                    survivors[count++] = i;
                }
            }

            all[stepCount++] = new FilterStep(ScheduleResult.IgnoreHostsStep, before, count, false, $"host is the server's current node {source} (allowResizeToSameHost is false)");
            if (count == 0)
            {
                steps = all[..stepCount];
                return 0;
            }
        }
        foreach (var configured in _filters)
        {
            var before = count;
            string? sample = null;
            var filter = configured.ForRequest(request);
            if (filter is not null)
            {
                count = filter.FilterHosts(table, survivors.AsSpan(0, before), scratch.AsSpan(0, before), request);
                if (count < before)
                {
                    // The output keeps the input's order: the first place they differ is the first removed host.
                    var k = 0;
                    while (k < count && survivors[k] == scratch[k])
                    {
                        k++;
                    }

                    sample = filter.HostPasses(table[survivors[k]], request).Reason;
                }

                (survivors, scratch) = (scratch, survivors);
            }

            all[stepCount++] = new FilterStep(configured.Name, before, count, filter is null, sample);
            if (count == 0)
            {
                break;
            }
        }

        steps = stepCount == all.Length ? all : all[..stepCount];
        return count;
    }

    private ScheduleResult Choose(HostTable table, int[] survivors, int count, int total, FilterStep[] steps, ScheduleRequest request, IHostWeigher?[] weighers, int weigherCount, double[] raw, HostInventory? inventory)
    {
        HostState HostAt(int k) => table[survivors[k]];
        var key = request.ServerKey;

        var weights = ArrayPool<double>.Shared.Rent(count);
        try
        {
            Normalise(table, survivors, count, weighers, weigherCount, raw, weights);

            // Keep the best K in order, stable: among equal weights the earlier host wins, as
            // Python's stable sort does in nova.
            var keep = Math.Min(count, Math.Max(_subsetSize, _reportedTopHosts));
            Span<int> top = keep <= 64 ? stackalloc int[keep] : new int[keep];
            var filled = 0;
            for (var i = 0; i < count; i++)
            {
                var w = weights[i];
                if (filled == keep && w <= weights[top[filled - 1]])
                {
                    continue;
                }

                var at = filled < keep ? filled++ : filled - 1;
                while (at > 0 && weights[top[at - 1]] < w)
                {
                    top[at] = top[at - 1];
                    at--;
                }

                top[at] = i;
            }

            var reported = new WeighedHost[Math.Min(filled, _reportedTopHosts)];
            for (var i = 0; i < reported.Length; i++)
            {
                reported[i] = new WeighedHost(HostAt(top[i]).Name, weights[top[i]]);
            }

            var pick = 0;
            var subset = Math.Min(_subsetSize, filled);
            if (subset > 1)
            {
                lock (_random)
                {
                    pick = _random.Next(subset);
                }
            }

            var chosen = HostAt(top[pick]);
            if (inventory is null)
            {
                return new ScheduleResult(key, total, steps, chosen, reported, null, 1, null);
            }

            // Claim: the chosen host first, then the rest in weight order.
            var attempts = 0;
            if (TryClaim(inventory, request, chosen, ref attempts) is { } won)
            {
                return new ScheduleResult(key, total, steps, chosen, reported, won, attempts, null);
            }

            for (var i = 0; i < filled; i++)
            {
                if (i != pick && TryClaim(inventory, request, HostAt(top[i]), ref attempts) is { } next)
                {
                    return new ScheduleResult(key, total, steps, HostAt(top[i]), reported, next, attempts, null);
                }
            }

            if (filled < count)
            {
                // Every one of the best lost its claim: go down the full order (rare).
                var order = new int[count];
                for (var i = 0; i < count; i++)
                {
                    order[i] = i;
                }

                var keys = weights.AsSpan(0, count).ToArray();
                Array.Sort(order, (a, b) => keys[b] != keys[a] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
                foreach (var i in order[filled..])
                {
                    if (TryClaim(inventory, request, HostAt(i), ref attempts) is { } late)
                    {
                        return new ScheduleResult(key, total, steps, HostAt(i), reported, late, attempts, null);
                    }
                }
            }

            return new ScheduleResult(key, total, steps, null, reported, null, attempts,
                $"{count} of {total} hosts passed the filters, but none had room left when the claim was made.");
        }
        finally
        {
            ArrayPool<double>.Shared.Return(weights);
        }
    }

    /// <summary>
    /// nova/weights.py: each weigher's raw values to 0..1 by min/max (all equal gives 0), times the
    /// weigher's multiplier for the host (its aggregate label's, else the configured one), summed
    /// (<see cref="WeightNormalisation"/>, which cinder's volume placement shares).
    /// </summary>
    private static void Normalise(HostTable table, int[] survivors, int count, IHostWeigher?[] weighers, int weigherCount, double[] raw, double[] weights)
    {
        Array.Clear(weights, 0, count);
        for (var w = 0; w < weigherCount; w++)
        {
            var values = raw.AsSpan(w * count, count);
            var weigher = weighers[w]!;
            var overrides = weigher.MultiplierKey is { } key ? table.MultiplierOverrides(key) : default;
            if (overrides.IsEmpty)
            {
                WeightNormalisation.Accumulate(values, weigher.Multiplier, weights.AsSpan(0, count));
                continue;
            }

            if (!WeightNormalisation.TryRange(values, out var min, out var range))
            {
                continue;
            }

            var configured = weigher.Multiplier;
            for (var i = 0; i < count; i++)
            {
                var multiplier = overrides[survivors[i]];
                weights[i] += (values[i] - min) / range * (double.IsNaN(multiplier) ? configured : multiplier);
            }
        }
    }

    private static ClaimOutcome? TryClaim(HostInventory inventory, ScheduleRequest request, HostState host, ref int attempts)
    {
        attempts++;
        var outcome = request.ResizeSourceNode is null
            ? inventory.Ledger.TryClaim(request.Server, host, request.Resources)
            : inventory.Ledger.TryClaimResize(request.Server, host, request.Resources);
        inventory.Consume(outcome.Host);
        return outcome.Succeeded ? outcome : null;
    }
}
