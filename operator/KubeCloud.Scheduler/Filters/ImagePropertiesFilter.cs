using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's ImagePropertiesFilter: the image's architecture and hypervisor type, when set, match the
/// host's. A host that has not reported them cannot take an image that needs them.
/// </summary>
public sealed class ImagePropertiesFilter : IHostFilter
{
    public const string FilterName = "ImagePropertiesFilter";
    public const string ArchitectureReason = "host CPU architecture does not match the image's";
    public const string HypervisorTypeReason = "host hypervisor type does not match the image's";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) =>
        request.ImageArchitecture is null && request.ImageHypervisorType is null ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        if (request.ImageArchitecture is { } architecture && host.CpuArchitecture != architecture)
        {
            return FilterResult.Fail(ArchitectureReason);
        }

        if (request.ImageHypervisorType is { } type && host.HypervisorType != type)
        {
            return FilterResult.Fail(HypervisorTypeReason);
        }

        return FilterResult.Pass;
    }

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        var n = request.ImageArchitecture is { } architecture
            ? HostSelection.Equal(hosts.Architecture, HostTable.Code(architecture), input, output)
            : HostSelection.All(input, output);
        if (request.ImageHypervisorType is { } type)
        {
            var column = hosts.HypervisorType;
            var code = HostTable.Code(type);
            var m = 0;
            for (var k = 0; k < n; k++)
            {
                var i = output[k];
                if (column[i] == code)
                {
                    output[m++] = i;
                }
            }

            n = m;
        }

        return n;
    }
}
