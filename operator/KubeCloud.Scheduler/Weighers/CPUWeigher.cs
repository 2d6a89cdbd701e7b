using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's CPUWeigher: free vCPUs, vcpus_total * cpu_allocation_ratio - vcpus_used.</summary>
public sealed class CPUWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "CPUWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "cpu_weight_multiplier";

    public double Multiplier => multiplier;

    public double Weigh(HostState host, ScheduleRequest request) => host.FreeVcpus;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var column = hosts.FreeVcpus;
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = column[indexes[k]];
        }
    }
}
