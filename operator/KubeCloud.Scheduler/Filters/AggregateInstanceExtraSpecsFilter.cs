using System.Buffers;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's AggregateInstanceExtraSpecsFilter: every flavor extra spec scoped
/// <c>aggregate_instance_extra_specs:</c> (or not scoped) matches the node label of that key, with
/// nova's operators. A missing label fails the host.
/// </summary>
public sealed class AggregateInstanceExtraSpecsFilter : IHostFilter
{
    public const string FilterName = "AggregateInstanceExtraSpecsFilter";
    public const string MissingReason = "host lacks a label the flavor's extra specs require";
    public const string MismatchReason = "host labels do not match the flavor's extra specs";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.AggregateSpecs.Count == 0 ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        var specs = request.AggregateSpecs;
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (!host.Labels.TryGetValue(spec.Key, out var value) || string.IsNullOrEmpty(value))
            {
                return FilterResult.Fail(MissingReason);
            }

            if (!spec.Matches(value))
            {
                return FilterResult.Fail(MismatchReason);
            }
        }

        return FilterResult.Pass;
    }

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var n = HostSelection.All(input, output);
        foreach (var spec in request.AggregateSpecs)
        {
            // Decide once per distinct label value, then read one number per host.
            var column = hosts.Label(spec.Key);
            var verdicts = ArrayPool<bool>.Shared.Rent(Math.Max(1, column.Count));
            for (var v = 0; v < column.Count; v++)
            {
                verdicts[v] = column.Texts[v] is { Length: > 0 } value && spec.Matches(value);
            }

            n = HostSelection.ByValue(column.Ids, verdicts, output, n);
            ArrayPool<bool>.Shared.Return(verdicts);
        }

        return n;
    }
}
