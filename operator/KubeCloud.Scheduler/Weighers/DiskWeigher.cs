using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's DiskWeigher: free disk.</summary>
public sealed class DiskWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "DiskWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "disk_weight_multiplier";

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.FreeDiskMb;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var column = hosts.FreeDiskMb;
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = column[indexes[k]];
        }
    }
}
