using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's NumInstancesWeigher: the number of servers on the host (nova's multiplier defaults to 0).</summary>
public sealed class NumInstancesWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "NumInstancesWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "num_instances_weight_multiplier";

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.NumInstances;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var column = hosts.NumInstances;
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = column[indexes[k]];
        }
    }
}
