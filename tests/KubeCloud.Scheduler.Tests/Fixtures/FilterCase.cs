using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Tests.Fixtures;

/// <summary>One named row of a filter table: a host, a request and whether the host passes.</summary>
public sealed record FilterCase(string Name, HostState Host, ScheduleRequest Request, bool Passes)
{
    public override string ToString() => Name;
}

/// <summary>Shorthand for building filter tables.</summary>
public sealed class FilterCases : TheoryData<FilterCase>
{
    public void Add(string name, HostStateBuilder host, RequestBuilder request, bool passes) =>
        Add(new FilterCase(name, host.Build(), request.Build(), passes));
}
