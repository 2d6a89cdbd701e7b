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
}
