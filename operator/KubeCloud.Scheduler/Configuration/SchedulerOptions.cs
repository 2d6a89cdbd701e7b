namespace KubeCloud.Scheduler.Configuration;

/// <summary>
/// The scheduler's settings, nova's [filter_scheduler] and [DEFAULT] options in camelCase, with
/// nova's defaults. Load them from a ConfigMap with <see cref="SchedulerConfigLoader"/>.
/// </summary>
public sealed record SchedulerOptions
{
    /// <summary>
    /// The filters nova enables by default, plus the resource filters (nova leaves those to placement,
    /// which KubeCloud does not have) and the hint filters (a user who writes a hint expects it to hold).
    /// </summary>
    public static IReadOnlyList<string> DefaultEnabledFilters { get; } =
    [
        "RetryFilter",
        "AvailabilityZoneFilter",
        "ComputeFilter",
        "RamFilter",
        "CoreFilter",
        "DiskFilter",
        "ComputeCapabilitiesFilter",
        "ImagePropertiesFilter",
        "ServerGroupAntiAffinityFilter",
        "ServerGroupAffinityFilter",
        "SameHostFilter",
        "DifferentHostFilter",
    ];

    /// <summary>nova's defaults.</summary>
    public static SchedulerOptions Default { get; } = new();

    /// <summary>Filters to run, in order (nova: enabled_filters).</summary>
    public IReadOnlyList<string> EnabledFilters { get; init; } = DefaultEnabledFilters;

    /// <summary>Pick at random among this many best hosts (nova: host_subset_size, default 1).</summary>
    public int HostSubsetSize { get; init; } = 1;

    /// <summary>
    /// RAMWeigher's multiplier (nova: ram_weight_multiplier 1.0). This and the other weigher
    /// multipliers are defaults a host's aggregate label overrides, e.g. kubecloud.io/ram-weight-multiplier
    /// (<see cref="Hosts.WeightMultiplierLabels"/>).
    /// </summary>
    public double RamWeightMultiplier { get; init; } = 1.0;

    public double CpuWeightMultiplier { get; init; } = 1.0;

    public double DiskWeightMultiplier { get; init; } = 1.0;

    /// <summary>Negative: prefer hosts with fewer builds in flight (nova: -1.0).</summary>
    public double IoOpsWeightMultiplier { get; init; } = -1.0;

    /// <summary>nova: 0.0, so the weigher is off unless set.</summary>
    public double NumInstancesWeightMultiplier { get; init; }

    public double SoftAffinityWeightMultiplier { get; init; } = 1.0;

    public double SoftAntiAffinityWeightMultiplier { get; init; } = 1.0;

    /// <summary>nova: initial_cpu_allocation_ratio 4.0.</summary>
    public double CpuAllocationRatio { get; init; } = 4.0;

    /// <summary>nova: initial_ram_allocation_ratio 1.0.</summary>
    public double RamAllocationRatio { get; init; } = 1.0;

    /// <summary>nova: initial_disk_allocation_ratio 1.0.</summary>
    public double DiskAllocationRatio { get; init; } = 1.0;

    /// <summary>nova: reserved_host_memory_mb 512.</summary>
    public long ReservedHostMemoryMb { get; init; } = 512;

    /// <summary>nova: reserved_host_disk_mb 0.</summary>
    public long ReservedHostDiskMb { get; init; }

    /// <summary>nova: reserved_host_cpus 0.</summary>
    public int ReservedHostCpus { get; init; }

    /// <summary>nova: max_instances_per_host 50.</summary>
    public int MaxInstancesPerHost { get; init; } = 50;

    /// <summary>nova: max_io_ops_per_host 8.</summary>
    public int MaxIoOpsPerHost { get; init; } = 8;

    /// <summary>Hosts only isolated images may use (nova: isolated_hosts).</summary>
    public IReadOnlyList<string> IsolatedHosts { get; init; } = [];

    /// <summary>Images ("namespace/name", or "name" in any namespace) that only run on isolated hosts.</summary>
    public IReadOnlyList<string> IsolatedImages { get; init; } = [];

    /// <summary>nova: restrict_isolated_hosts_to_isolated_images, default true.</summary>
    public bool RestrictIsolatedHostsToIsolatedImages { get; init; } = true;

    /// <summary>A host whose heartbeat is older than this is not ready (nova: service_down_time 60).</summary>
    public int ServiceDownTimeSeconds { get; init; } = 60;

    /// <summary>Zone of hosts without the zone label (nova: default_availability_zone "nova").</summary>
    public string DefaultAvailabilityZone { get; init; } = "nova";

    /// <summary>
    /// A resize may land on the server's current node, which then holds both flavors until the resize
    /// is confirmed or reverted (nova: allow_resize_to_same_host, default false: the node is left out).
    /// </summary>
    public bool AllowResizeToSameHost { get; init; }

    /// <summary>How many of the best hosts a success reports (for debug logs).</summary>
    public int ReportedTopHosts { get; init; } = 5;

    /// <summary>Refuses settings nova would refuse, naming the setting and the rule.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        foreach (var name in EnabledFilters)
        {
            if (!Filters.FilterRegistry.IsKnown(name))
            {
                errors.Add($"enabledFilters: unknown filter '{name}'; known filters are {string.Join(", ", Filters.FilterRegistry.Names)}");
            }
        }

        var duplicates = EnabledFilters.GroupBy(f => f, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            errors.Add($"enabledFilters: listed more than once: {string.Join(", ", duplicates)}");
        }

        if (HostSubsetSize < 1)
        {
            errors.Add($"hostSubsetSize must be at least 1, got {HostSubsetSize}");
        }

        CheckRatio(errors, "cpuAllocationRatio", CpuAllocationRatio);
        CheckRatio(errors, "ramAllocationRatio", RamAllocationRatio);
        CheckRatio(errors, "diskAllocationRatio", DiskAllocationRatio);
        CheckFinite(errors, "ramWeightMultiplier", RamWeightMultiplier);
        CheckFinite(errors, "cpuWeightMultiplier", CpuWeightMultiplier);
        CheckFinite(errors, "diskWeightMultiplier", DiskWeightMultiplier);
        CheckFinite(errors, "ioOpsWeightMultiplier", IoOpsWeightMultiplier);
        CheckFinite(errors, "numInstancesWeightMultiplier", NumInstancesWeightMultiplier);
        CheckFinite(errors, "softAffinityWeightMultiplier", SoftAffinityWeightMultiplier);
        CheckFinite(errors, "softAntiAffinityWeightMultiplier", SoftAntiAffinityWeightMultiplier);
        CheckNonNegative(errors, "reservedHostMemoryMb", ReservedHostMemoryMb);
        CheckNonNegative(errors, "reservedHostDiskMb", ReservedHostDiskMb);
        CheckNonNegative(errors, "reservedHostCpus", ReservedHostCpus);
        CheckNonNegative(errors, "maxInstancesPerHost", MaxInstancesPerHost);
        CheckNonNegative(errors, "maxIoOpsPerHost", MaxIoOpsPerHost);
        CheckNonNegative(errors, "reportedTopHosts", ReportedTopHosts);
        if (ServiceDownTimeSeconds < 1)
        {
            errors.Add($"serviceDownTimeSeconds must be at least 1, got {ServiceDownTimeSeconds}");
        }

        if (string.IsNullOrWhiteSpace(DefaultAvailabilityZone))
        {
            errors.Add("defaultAvailabilityZone must not be empty");
        }

        if (errors.Count > 0)
        {
            throw new SchedulerConfigException("invalid scheduler configuration: " + string.Join("; ", errors));
        }
    }

    private static void CheckRatio(List<string> errors, string name, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            errors.Add($"{name} must be a number greater than 0, got {value}");
        }
    }

    private static void CheckFinite(List<string> errors, string name, double value)
    {
        if (!double.IsFinite(value))
        {
            errors.Add($"{name} must be a finite number, got {value}");
        }
    }

    private static void CheckNonNegative(List<string> errors, string name, long value)
    {
        if (value < 0)
        {
            errors.Add($"{name} must not be negative, got {value}");
        }
    }
}

/// <summary>The scheduler's configuration is malformed; the message names the setting.</summary>
public sealed class SchedulerConfigException : Exception
{
    public SchedulerConfigException()
    {
    }

    public SchedulerConfigException(string message)
        : base(message)
    {
    }

    public SchedulerConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
