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
/// Cost is linear in hosts: per request the filters and weighers are prepared once, the host loop
/// compacts survivors in a pooled buffer, and only the best few hosts are kept in order (a full sort
/// happens only if every one of them loses its claim).
/// </remarks>
public sealed class FilterScheduler
{
    [ThreadStatic]
    private static IHostFilter?[]? _preparedScratch;

    [ThreadStatic]
    private static string?[]? _sampleScratch;

    [ThreadStatic]
    private static IHostWeigher?[]? _weigherScratch;

    private readonly IHostFilter[] _filters;
    private readonly IHostWeigher[] _weighers;
    private readonly Random _random;
    private readonly int _subsetSize;
    private readonly int _reportedTopHosts;

    /// <summary>A scheduler with the configured filters and weighers; <paramref name="random"/> seeds the subset choice.</summary>
    public FilterScheduler(SchedulerOptions options, Random? random = null)
        : this(options, FilterRegistry.CreateEnabled(options), WeigherRegistry.CreateEnabled(options), random)
    {
    }

    /// <summary>A scheduler with explicit filters and weighers (tests, custom pipelines).</summary>
    public FilterScheduler(SchedulerOptions options, IEnumerable<IHostFilter> filters, IEnumerable<IHostWeigher> weighers, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(weighers);
        options.Validate();
        _filters = [.. filters];
        _weighers = [.. weighers.Where(w => w.Multiplier != 0)];
        _random = random ?? new Random();
        _subsetSize = Math.Max(1, options.HostSubsetSize);
        _reportedTopHosts = Math.Max(1, options.ReportedTopHosts);
    }

    public IReadOnlyList<IHostFilter> Filters => _filters;

    public IReadOnlyList<IHostWeigher> Weighers => _weighers;

    /// <summary>Chooses a host without claiming it (a pure decision: dry runs, tests).</summary>
    public ScheduleResult Select(IReadOnlyList<HostState> hosts, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(request);
        return Run(hosts, request, inventory: null);
    }

    /// <summary>
    /// Chooses a host from the inventory and claims the request's resources on it in the inventory's
    /// ledger; on a lost race the next best host is tried. The inventory sees the claim at once.
    /// </summary>
    public ScheduleResult Schedule(HostInventory inventory, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(request);
        return Run(inventory.Hosts, request, inventory);
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

    private ScheduleResult Run(IReadOnlyList<HostState> hosts, ScheduleRequest request, HostInventory? inventory)
    {
        var total = hosts.Count;
        var weighers = PrepareWeighers(request, out var weigherCount);
        var buffer = ArrayPool<HostState>.Shared.Rent(Math.Max(total, 1));
        var raw = ArrayPool<double>.Shared.Rent(Math.Max(total * weigherCount, 1));
        var count = 0;
        try
        {
            FilterStep[] steps;
            if (request.ForceNode is { } forced)
            {
                steps = [];
                for (var i = 0; i < total; i++)
                {
                    var host = hosts[i];
                    if (host.Name == forced)
                    {
                        WeighOne(host, request, weighers, weigherCount, raw, total, count);
                        buffer[count++] = host;
                    }
                }

                if (count == 0)
                {
                    return new ScheduleResult(request.ServerKey, total, steps, null, [], null, 0, $"The forced node '{forced}' is not a known host.");
                }
            }
            else
            {
                count = hosts is HostState[] array
                    ? FilterAndWeigh(array, total, request, weighers, weigherCount, buffer, raw, out steps)
                    : FilterAndWeigh([.. hosts], total, request, weighers, weigherCount, buffer, raw, out steps);
                if (count == 0)
                {
                    return new ScheduleResult(request.ServerKey, total, steps, null, [], null, 0, ScheduleResult.DescribeNoValidHost(total, steps));
                }
            }

            return Choose(buffer, count, total, steps, request, weighers, weigherCount, raw, inventory);
        }
        finally
        {
            Array.Clear(buffer, 0, count);
            ArrayPool<HostState>.Shared.Return(buffer);
            ArrayPool<double>.Shared.Return(raw);
            Array.Clear(weighers, 0, weigherCount);
        }
    }

    private IHostWeigher?[] PrepareWeighers(ScheduleRequest request, out int weigherCount)
    {
        var weighers = _weigherScratch is { } scratch && scratch.Length >= _weighers.Length ? scratch : _weigherScratch = new IHostWeigher?[_weighers.Length];
        weigherCount = 0;
        foreach (var weigher in _weighers)
        {
            if (weigher.AppliesTo(request))
            {
                weighers[weigherCount++] = weigher;
            }
        }

        return weighers;
    }

    /// <summary>
    /// One pass over the hosts, host by host: each runs the prepared filters in order until one
    /// refuses it (counted against that filter), and a survivor is weighed at once. Touching each host
    /// once keeps a large fleet in cache; the counts are the same as running filter by filter.
    /// </summary>
    private int FilterAndWeigh(HostState[] hosts, int total, ScheduleRequest request, IHostWeigher?[] weighers, int weigherCount, HostState[] buffer, double[] raw, out FilterStep[] steps)
    {
        var filterCount = _filters.Length;
        var prepared = _preparedScratch is { } p && p.Length >= filterCount ? p : _preparedScratch = new IHostFilter?[filterCount];
        var samples = _sampleScratch is { } r && r.Length >= filterCount ? r : _sampleScratch = new string?[filterCount];
        Span<int> removed = filterCount <= 64 ? stackalloc int[filterCount] : new int[filterCount];
        Span<int> active = filterCount <= 64 ? stackalloc int[filterCount] : new int[filterCount];
        removed.Clear();
        var activeCount = 0;
        for (var f = 0; f < filterCount; f++)
        {
            if (_filters[f].ForRequest(request) is { } filter)
            {
                prepared[activeCount] = filter;
                active[activeCount++] = f;
            }
        }

        var count = 0;
        for (var i = 0; i < total; i++)
        {
            var host = hosts[i];
            var a = 0;
            for (; a < activeCount; a++)
            {
                var result = prepared[a]!.HostPasses(host, request);
                if (!result.Passed)
                {
                    var f = active[a];
                    removed[f]++;
                    samples[f] ??= result.Reason;
                    break;
                }
            }

            if (a == activeCount)
            {
                WeighOne(host, request, weighers, weigherCount, raw, total, count);
                buffer[count++] = host;
            }
        }

        var stepCount = 0;
        var left = total;
        for (var f = 0; f < filterCount; f++)
        {
            stepCount++;
            left -= removed[f];
            if (left == 0)
            {
                break;
            }
        }

        steps = new FilterStep[stepCount];
        var before = total;
        var next = 0;
        for (var f = 0; f < stepCount; f++)
        {
            var skipped = next >= activeCount || active[next] != f;
            if (!skipped)
            {
                next++;
            }

            steps[f] = new FilterStep(_filters[f].Name, before, before - removed[f], skipped, samples[f]);
            before -= removed[f];
        }

        Array.Clear(prepared, 0, filterCount);
        Array.Clear(samples, 0, filterCount);
        return count;
    }

    private static void WeighOne(HostState host, ScheduleRequest request, IHostWeigher?[] weighers, int weigherCount, double[] raw, int stride, int index)
    {
        for (var w = 0; w < weigherCount; w++)
        {
            raw[(w * stride) + index] = weighers[w]!.Weigh(host, request);
        }
    }

    private ScheduleResult Choose(HostState[] buffer, int count, int total, FilterStep[] steps, ScheduleRequest request, IHostWeigher?[] weighers, int weigherCount, double[] raw, HostInventory? inventory)
    {
        var weights = ArrayPool<double>.Shared.Rent(count);
        try
        {
            Normalise(count, weighers, weigherCount, raw, total, weights);

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
                reported[i] = new WeighedHost(buffer[top[i]].Name, weights[top[i]]);
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

            var chosen = buffer[top[pick]];
            if (inventory is null)
            {
                return new ScheduleResult(request.ServerKey, total, steps, chosen, reported, null, 1, null);
            }

            // Claim: the chosen host first, then the rest in weight order.
            var attempts = 0;
            if (TryClaim(inventory, request, chosen, ref attempts) is { } won)
            {
                return new ScheduleResult(request.ServerKey, total, steps, chosen, reported, won, attempts, null);
            }

            for (var i = 0; i < filled; i++)
            {
                if (i != pick && TryClaim(inventory, request, buffer[top[i]], ref attempts) is { } next)
                {
                    return new ScheduleResult(request.ServerKey, total, steps, buffer[top[i]], reported, next, attempts, null);
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
                    if (TryClaim(inventory, request, buffer[i], ref attempts) is { } late)
                    {
                        return new ScheduleResult(request.ServerKey, total, steps, buffer[i], reported, late, attempts, null);
                    }
                }
            }

            return new ScheduleResult(request.ServerKey, total, steps, null, reported, null, attempts,
                $"{count} of {total} hosts passed the filters, but none had room left when the claim was made.");
        }
        finally
        {
            ArrayPool<double>.Shared.Return(weights);
        }
    }

    /// <summary>nova/weights.py: each weigher's raw values to 0..1 by min/max (all equal gives 0), times its multiplier, summed.</summary>
    private static void Normalise(int count, IHostWeigher?[] weighers, int weigherCount, double[] raw, int stride, double[] weights)
    {
        Array.Clear(weights, 0, count);
        for (var w = 0; w < weigherCount; w++)
        {
            var values = raw.AsSpan(w * stride, count);
            var min = double.PositiveInfinity;
            var max = double.NegativeInfinity;
            foreach (var value in values)
            {
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }

            if (!(max > min))
            {
                continue;
            }

            var scale = weighers[w]!.Multiplier / (max - min);
            for (var i = 0; i < count; i++)
            {
                weights[i] += (values[i] - min) * scale;
            }
        }
    }

    private static ClaimOutcome? TryClaim(HostInventory inventory, ScheduleRequest request, HostState host, ref int attempts)
    {
        attempts++;
        var outcome = inventory.Ledger.TryClaim(request.ServerKey, host, request.Resources);
        inventory.Consume(outcome.Host);
        return outcome.Succeeded ? outcome : null;
    }
}
