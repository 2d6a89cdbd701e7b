using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Filters;

public sealed class ComputeFilterTests
{
    public static FilterCases Cases => new()
    {
        { "enabled and ready", Host(), Request(), true },
        { "disabled host", Host().Disabled(), Request(), false },
        { "not-ready host", Host().NotReady(), Request(), false },
        { "disabled and not ready", Host().Disabled().NotReady(), Request(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Needs_an_enabled_ready_host(FilterCase c) => FilterAssert.Verdict(new ComputeFilter(), c);

    [Fact]
    public void Says_why()
    {
        Assert.Equal(ComputeFilter.DisabledReason, new ComputeFilter().HostPasses(Host().Disabled(), Request()).Reason);
        Assert.Equal(ComputeFilter.NotReadyReason, new ComputeFilter().HostPasses(Host().NotReady(), Request()).Reason);
    }
}

public sealed class AvailabilityZoneFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no zone asked", Host().InZone("az1"), Request(), true },
        { "same zone", Host().InZone("az1"), Request().InZone("az1"), true },
        { "other zone", Host().InZone("az2"), Request().InZone("az1"), false },
        { "default zone", Host(), Request().InZone("nova"), true },
        { "zone names are case sensitive", Host().InZone("AZ1"), Request().InZone("az1"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_zone(FilterCase c) => FilterAssert.Verdict(new AvailabilityZoneFilter(), c);
}

public sealed class RetryFilterTests
{
    public static FilterCases Cases => new()
    {
        { "first attempt", Host("host1"), Request(), true },
        { "tried elsewhere", Host("host1"), Request().Tried("host2"), true },
        { "tried here", Host("host1"), Request().Tried("host2", "host1"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Skips_tried_nodes(FilterCase c) => FilterAssert.Verdict(new RetryFilter(), c);
}

public sealed class AggregateMultiTenancyIsolationTests
{
    private const string Label = "kubecloud.io/filter-tenant-id";

    public static FilterCases Cases => new()
    {
        { "unlabelled host takes anyone", Host(), Request(ns: "team-a"), true },
        { "listed namespace", Host().WithLabel(Label, "team-a"), Request(ns: "team-a"), true },
        { "comma list", Host().WithLabel(Label, "team-b,team-a"), Request(ns: "team-a"), true },
        { "dot list (label values cannot hold commas)", Host().WithLabel(Label, "team-b.team-a"), Request(ns: "team-a"), true },
        { "other namespace", Host().WithLabel(Label, "team-b"), Request(ns: "team-a"), false },
        { "prefixed keys add tenants", Host().WithLabel(Label, "team-b").WithLabel(Label + "-2", "team-a"), Request(ns: "team-a"), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Restricts_labelled_hosts_to_their_namespaces(FilterCase c) => FilterAssert.Verdict(new AggregateMultiTenancyIsolation(), c);
}
