using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>
/// A scheduler weigher (nova's BaseHostWeigher): one raw number per host. The pipeline normalises
/// the raw numbers to 0..1 across the hosts, multiplies by <see cref="Multiplier"/> and sums.
/// </summary>
public interface IHostWeigher
{
    /// <summary>The weigher's name, as nova spells it.</summary>
    string Name { get; }

    /// <summary>
    /// The multiplier the normalised weight is scaled by; positive spreads towards high raw values,
    /// negative stacks towards low ones, 0 turns the weigher off.
    /// </summary>
    double Multiplier { get; }

    /// <summary>
    /// nova's aggregate metadata key that overrides <see cref="Multiplier"/> per host (for example
    /// <c>ram_weight_multiplier</c>, read from the label <c>kubecloud.io/ram-weight-multiplier</c>), or
    /// null when the weigher has none.
    /// </summary>
    string? MultiplierKey => null;

    /// <summary>nova's weight_multiplier(host_state): the host's aggregate value, else <see cref="Multiplier"/>.</summary>
    double MultiplierFor(HostState host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return MultiplierKey is { } key && host.WeightMultipliers.TryGetValue(key, out var value) ? value : Multiplier;
    }

    /// <summary>Once per request: false when every host would weigh the same, so the pipeline skips it.</summary>
    bool AppliesTo(ScheduleRequest request) => true;

    /// <summary>The raw weight of the host for the request.</summary>
    double Weigh(HostState host, ScheduleRequest request);

    /// <summary>
    /// <see cref="Weigh"/> over many hosts, as the pipeline runs it: <paramref name="raw"/>[k] is the
    /// raw weight of host <paramref name="indexes"/>[k] (indexes ascending). A weigher overrides it to
    /// read the table's columns, and must agree with <see cref="Weigh"/>; the default asks it host by host.
    /// </summary>
    void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        for (var k = 0; k < indexes.Length; k++)
        {
            raw[k] = Weigh(hosts[indexes[k]], request);
        }
    }
}
