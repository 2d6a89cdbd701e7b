using KubeCloud.Scheduler;

namespace KubeCloud.Operator.Volumes;

/// <summary>Where a volume goes, or why nowhere: the filter steps (the scheduler's <see cref="FilterStep"/>) and the best backends with their weights.</summary>
public sealed record VolumePlacement(string VolumeKey, int BackendCount, StorageBackend? Backend, IReadOnlyList<FilterStep> Filters, IReadOnlyList<WeighedHost> TopBackends)
{
    /// <summary>Prefix of every failure, as cinder words it.</summary>
    public const string NoValidBackend = "No valid backend was found.";

    public bool Succeeded => Backend is not null;

    /// <summary>For Volume.status conditions: "No valid backend was found. There are not enough hosts available. 3 hosts: CapacityFilter removed 3."; empty on success.</summary>
    public string FaultMessage => Succeeded ? string.Empty : $"{NoValidBackend} {ScheduleResult.DescribeNoValidHost(BackendCount, Filters)}";

    /// <summary>The reason each filter gave for the first backend it removed; empty on success.</summary>
    public string FaultDetails => Succeeded
        ? string.Empty
        : string.Join("; ", Filters.Where(s => s.Removed > 0).Select(s => $"{s.Filter} removed {s.Removed} of {s.HostsBefore} (e.g. {s.SampleReason})"));
}
