using System.Collections.Frozen;
using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Scheduler.Filters;

/// <summary>Every filter the scheduler knows, by nova's name, and how to make it from the settings.</summary>
public static class FilterRegistry
{
    private static readonly FrozenDictionary<string, Func<SchedulerOptions, IHostFilter>> Factories =
        new Dictionary<string, Func<SchedulerOptions, IHostFilter>>(StringComparer.Ordinal)
        {
            [ComputeFilter.FilterName] = _ => new ComputeFilter(),
            [AvailabilityZoneFilter.FilterName] = _ => new AvailabilityZoneFilter(),
            [RamFilter.FilterName] = _ => new RamFilter(),
            [CoreFilter.FilterName] = _ => new CoreFilter(),
            [DiskFilter.FilterName] = _ => new DiskFilter(),
            [ComputeCapabilitiesFilter.FilterName] = _ => new ComputeCapabilitiesFilter(),
            [AggregateInstanceExtraSpecsFilter.FilterName] = _ => new AggregateInstanceExtraSpecsFilter(),
            [ImagePropertiesFilter.FilterName] = _ => new ImagePropertiesFilter(),
            [ServerGroupAffinityFilter.FilterName] = _ => new ServerGroupAffinityFilter(),
            [ServerGroupAntiAffinityFilter.FilterName] = _ => new ServerGroupAntiAffinityFilter(),
            [SameHostFilter.FilterName] = _ => new SameHostFilter(),
            [DifferentHostFilter.FilterName] = _ => new DifferentHostFilter(),
            [SimpleCIDRAffinityFilter.FilterName] = _ => new SimpleCIDRAffinityFilter(),
            [JsonFilter.FilterName] = _ => new JsonFilter(),
            [NumInstancesFilter.FilterName] = _ => new NumInstancesFilter(),
            [IoOpsFilter.FilterName] = _ => new IoOpsFilter(),
            [AggregateMultiTenancyIsolation.FilterName] = _ => new AggregateMultiTenancyIsolation(),
            [IsolatedHostsFilter.FilterName] = o => new IsolatedHostsFilter(o),
            [RetryFilter.FilterName] = _ => new RetryFilter(),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The known filter names, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys.Order(StringComparer.Ordinal)];

    public static bool IsKnown(string name) => Factories.ContainsKey(name);

    /// <summary>One filter by name; throws <see cref="SchedulerConfigException"/> for an unknown name.</summary>
    public static IHostFilter Create(string name, SchedulerOptions options) =>
        Factories.TryGetValue(name, out var factory)
            ? factory(options)
            : throw new SchedulerConfigException($"unknown filter '{name}'; known filters are {string.Join(", ", Names)}");

    /// <summary>The enabled filters, in the configured order.</summary>
    public static IHostFilter[] CreateEnabled(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [.. options.EnabledFilters.Select(name => Create(name, options))];
    }
}
