using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>The weighers, made from the settings' multipliers (nova: weight_classes = all weighers).</summary>
public static class WeigherRegistry
{
    /// <summary>Every weigher, including those whose multiplier is 0.</summary>
    public static IHostWeigher[] CreateAll(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            new RAMWeigher(options.RamWeightMultiplier),
            new CPUWeigher(options.CpuWeightMultiplier),
            new DiskWeigher(options.DiskWeightMultiplier),
            new NumInstancesWeigher(options.NumInstancesWeightMultiplier),
            new IoOpsWeigher(options.IoOpsWeightMultiplier),
            new ServerGroupSoftAffinityWeigher(options.SoftAffinityWeightMultiplier),
            new ServerGroupSoftAntiAffinityWeigher(options.SoftAntiAffinityWeightMultiplier),
        ];
    }

    /// <summary>
    /// The weighers with a configured multiplier other than 0. (The scheduler itself keeps every
    /// weigher, since an aggregate label can give a weigher configured at 0 a multiplier on some hosts.)
    /// </summary>
    public static IHostWeigher[] CreateEnabled(SchedulerOptions options) =>
        [.. CreateAll(options).Where(w => w.Multiplier != 0)];
}
