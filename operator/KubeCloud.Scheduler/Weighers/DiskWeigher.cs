using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's DiskWeigher: free disk.</summary>
public sealed class DiskWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "DiskWeigher";

    public string Name => WeigherName;

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.FreeDiskMb;
}
