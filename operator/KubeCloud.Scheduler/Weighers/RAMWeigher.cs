using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's RAMWeigher: free RAM; a positive multiplier spreads, a negative one stacks.</summary>
public sealed class RAMWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "RAMWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "ram_weight_multiplier";

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.FreeRamMb;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var column = hosts.FreeRamMb;
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = column[indexes[k]];
        }
    }
}
