using KubeCloud.Scheduler;
using KubeCloud.Scheduler.Weighers;

namespace KubeCloud.Operator.Volumes;

/// <summary>
/// cinder-scheduler's FilterScheduler for volumes, on the compute scheduler's parts: the filters run
/// in order, counted as <see cref="FilterStep"/>s and stopping at zero backends (so the fault says
/// which filter emptied the list, in the compute scheduler's words); the weighers' raw values are
/// normalised and multiplied by <see cref="WeightNormalisation"/>; the best backend wins (the first
/// listed among equals). Pure: the caller consumes the winner (<see cref="StorageBackend.Consume"/>)
/// before placing the next volume.
/// </summary>
/// <remarks>
/// The compute <see cref="FilterScheduler"/> itself is not reused: it runs over Hypervisor-shaped
/// <c>HostState</c> columns and claims through the allocation ledger, neither of which a storage
/// backend has. Backends number in the tens, so one plain pass is enough.
/// </remarks>
public sealed class VolumeScheduler(IReadOnlyList<IBackendFilter> filters, IReadOnlyList<IBackendWeigher> weighers)
{
    /// <summary>cinder's default pipeline: backend state, volume type, capacity; weighed by capacity.</summary>
    public VolumeScheduler(VolumeSchedulerOptions options)
        : this([new BackendStateFilter(), new VolumeTypeFilter(), new CapacityFilter()], [new CapacityWeigher((options ?? throw new ArgumentNullException(nameof(options))).CapacityWeightMultiplier)])
    {
    }

    public IReadOnlyList<IBackendFilter> Filters => filters;

    public IReadOnlyList<IBackendWeigher> Weighers => weighers;

    /// <summary>The backend for the volume, or why there is none.</summary>
    public VolumePlacement Place(IReadOnlyList<StorageBackend> backends, VolumePlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(request);
        var survivors = backends.ToList();
        var steps = new List<FilterStep>(filters.Count);
        foreach (var filter in filters)
        {
            var before = survivors.Count;
            string? sample = null;
            survivors = survivors.Where(backend =>
            {
                var verdict = filter.BackendPasses(backend, request);
                sample ??= verdict.Passed ? null : verdict.Reason;
                return verdict.Passed;
            }).ToList();
            steps.Add(new FilterStep(filter.Name, before, survivors.Count, false, sample));
            if (survivors.Count == 0)
            {
                return new VolumePlacement(request.VolumeKey, backends.Count, null, steps, []);
            }
        }

        var weights = new double[survivors.Count];
        var raw = new double[survivors.Count];
        foreach (var weigher in weighers)
        {
            for (var i = 0; i < survivors.Count; i++)
            {
                raw[i] = weigher.Weigh(survivors[i], request);
            }

            ClampInfinities(raw);
            WeightNormalisation.Accumulate(raw, weigher.Multiplier, weights);
        }

        var order = Enumerable.Range(0, survivors.Count).OrderByDescending(i => weights[i]).ThenBy(i => i).ToArray();
        var top = order.Take(3).Select(i => new WeighedHost(survivors[i].Name, weights[i])).ToArray();
        return new VolumePlacement(request.VolumeKey, backends.Count, survivors[order[0]], steps, top);
    }

    /// <summary>cinder's CapacityWeigher: an infinite raw weight becomes just past the finite ones, so the others keep their spread.</summary>
    private static void ClampInfinities(double[] raw)
    {
        var finite = raw.Where(double.IsFinite).ToArray();
        var min = finite.Length > 0 ? finite.Min() : 0;
        var max = finite.Length > 0 ? finite.Max() : 0;
        var offset = Math.Max((max - min) * 0.5, 1);
        for (var i = 0; i < raw.Length; i++)
        {
            if (double.IsPositiveInfinity(raw[i]))
            {
                raw[i] = max + offset;
            }
            else if (double.IsNegativeInfinity(raw[i]))
            {
                raw[i] = min - offset;
            }
        }
    }
}
