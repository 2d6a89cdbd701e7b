using System.Buffers;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's ComputeCapabilitiesFilter: every flavor extra spec scoped <c>capabilities:</c> (or not
/// scoped) matches the host attribute of that name, with nova's operators. A capability the host
/// table does not have fails the host, as nova's missing attribute does.
/// </summary>
public sealed class ComputeCapabilitiesFilter : IHostFilter
{
    public const string FilterName = "ComputeCapabilitiesFilter";
    public const string MismatchReason = "host capabilities do not match the flavor's extra specs";
    public const string UnknownReason = "the flavor's extra specs name a capability hosts do not have";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.CapabilitySpecs.Count == 0 ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        var specs = request.CapabilitySpecs;
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (spec.Attribute is not { } attribute)
            {
                return FilterResult.Fail(UnknownReason);
            }

            var matches = attribute.Kind switch
            {
                HostValueKind.Number => spec.Matches(attribute.ReadNumber(host)),
                HostValueKind.String => spec.Matches(attribute.ReadString(host)),
                _ => spec.Matches(attribute.ReadList(host)),
            };
            if (!matches)
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
        foreach (var spec in request.CapabilitySpecs)
        {
            if (spec.Attribute is not { } attribute)
            {
                return 0;
            }

            if (attribute.Kind == HostValueKind.Number)
            {
                // Numbers change with usage: read them host by host.
                var m = 0;
                for (var k = 0; k < n; k++)
                {
                    var i = output[k];
                    if (spec.Matches(attribute.ReadNumber(hosts[i])))
                    {
                        output[m++] = i;
                    }
                }

                n = m;
                continue;
            }

            // Strings and lists never change: decide once per distinct value.
            var column = hosts.Attribute(attribute);
            var verdicts = ArrayPool<bool>.Shared.Rent(Math.Max(1, column.Count));
            for (var v = 0; v < column.Count; v++)
            {
                verdicts[v] = attribute.Kind == HostValueKind.String ? spec.Matches(column.Texts[v]) : spec.Matches(column.Lists[v]!);
            }

            n = HostSelection.ByValue(column.Ids, verdicts, output, n);
            ArrayPool<bool>.Shared.Return(verdicts);
        }

        return n;
    }
}
