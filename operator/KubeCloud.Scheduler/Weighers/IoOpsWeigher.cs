using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's IoOpsWeigher: builds in flight; nova's default multiplier -1.0 prefers idle hosts.</summary>
public sealed class IoOpsWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "IoOpsWeigher";

    public string Name => WeigherName;

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.NumIoOps;
}
