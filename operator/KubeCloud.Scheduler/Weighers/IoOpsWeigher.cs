using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's IoOpsWeigher: builds in flight; nova's default multiplier -1.0 prefers idle hosts.</summary>
public sealed class IoOpsWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "IoOpsWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "io_ops_weight_multiplier";

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.NumIoOps;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var column = hosts.NumIoOps;
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = column[indexes[k]];
        }
    }
}
