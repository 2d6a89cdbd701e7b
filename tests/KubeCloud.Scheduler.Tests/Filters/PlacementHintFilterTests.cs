using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Filters;

public sealed class ServerGroupAffinityFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no group", Host("host1"), Request(), true },
        { "first member goes anywhere", Host("host1"), Request().InGroup(ServerGroupPolicy.Affinity), true },
        { "host runs a member", Host("host1"), Request().InGroup(ServerGroupPolicy.Affinity, new() { ["host1"] = 1 }), true },
        { "host runs no member", Host("host2"), Request().InGroup(ServerGroupPolicy.Affinity, new() { ["host1"] = 1 }), false },
        { "group with members on one host only", Host("host3"), Request().InGroup(ServerGroupPolicy.Affinity, new() { ["host1"] = 3 }), false },
        { "anti-affinity group is not this filter's business", Host("host2"), Request().InGroup(ServerGroupPolicy.AntiAffinity, new() { ["host1"] = 1 }), true },
        { "soft affinity is not enforced", Host("host2"), Request().InGroup(ServerGroupPolicy.SoftAffinity, new() { ["host1"] = 1 }), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Keeps_members_together(FilterCase c) => FilterAssert.Verdict(new ServerGroupAffinityFilter(), c);
}

public sealed class ServerGroupAntiAffinityFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no group", Host("host1"), Request(), true },
        { "empty group", Host("host1"), Request().InGroup(ServerGroupPolicy.AntiAffinity), true },
        { "host runs a member", Host("host1"), Request().InGroup(ServerGroupPolicy.AntiAffinity, new() { ["host1"] = 1 }), false },
        { "host runs no member", Host("host2"), Request().InGroup(ServerGroupPolicy.AntiAffinity, new() { ["host1"] = 1 }), true },
        { "maxServerPerHost 2 with one member", Host("host1"), Request().InGroup(ServerGroupPolicy.AntiAffinity, new() { ["host1"] = 1 }, maxServerPerHost: 2), true },
        { "maxServerPerHost 2 with two members", Host("host1"), Request().InGroup(ServerGroupPolicy.AntiAffinity, new() { ["host1"] = 2 }, maxServerPerHost: 2), false },
        { "soft anti-affinity is not enforced", Host("host1"), Request().InGroup(ServerGroupPolicy.SoftAntiAffinity, new() { ["host1"] = 5 }), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Keeps_members_apart(FilterCase c) => FilterAssert.Verdict(new ServerGroupAntiAffinityFilter(), c);
}

public sealed class SameHostFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no hint", Host("host1"), Request(), true },
        { "host runs a named server", Host("host1"), Request().SameHostAs("host1"), true },
        { "host runs none", Host("host2"), Request().SameHostAs("host1"), false },
        { "named servers not placed anywhere", Host("host1"), Request().SameHostAs(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Follows_the_named_servers(FilterCase c) => FilterAssert.Verdict(new SameHostFilter(), c);
}

public sealed class DifferentHostFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no hint", Host("host1"), Request(), true },
        { "host runs a named server", Host("host1"), Request().DifferentHostFrom("host1", "host3"), false },
        { "host runs none", Host("host2"), Request().DifferentHostFrom("host1", "host3"), true },
        { "named servers not placed anywhere", Host("host1"), Request().DifferentHostFrom(), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Avoids_the_named_servers(FilterCase c) => FilterAssert.Verdict(new DifferentHostFilter(), c);
}

public sealed class SimpleCIDRAffinityFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no hint", Host().WithTunnelIP("10.0.0.5"), Request(), true },
        { "same /24", Host().WithTunnelIP("10.0.0.5"), Request().BuildNear("10.0.0.200"), true },
        { "other /24", Host().WithTunnelIP("10.0.1.5"), Request().BuildNear("10.0.0.200"), false },
        { "wider /16", Host().WithTunnelIP("10.0.1.5"), Request().BuildNear("10.0.0.200", 16), true },
        { "/32 is the address itself", Host().WithTunnelIP("10.0.0.5"), Request().BuildNear("10.0.0.5", 32), true },
        { "host without tunnel IP", Host(), Request().BuildNear("10.0.0.200"), false },
        { "IPv6 /64", Host().WithTunnelIP("fd00::1:5"), Request().BuildNear("fd00::9", 64), true },
        { "IPv4 host, IPv6 hint", Host().WithTunnelIP("10.0.0.5"), Request().BuildNear("fd00::9", 64), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Keeps_to_the_network(FilterCase c) => FilterAssert.Verdict(new SimpleCIDRAffinityFilter(), c);
}

public sealed class IsolatedHostsFilterTests
{
    private static readonly SchedulerOptions RestrictedOptions = new() { IsolatedHosts = ["iso1"], IsolatedImages = ["demo/secure", "golden"] };
    private static readonly SchedulerOptions UnrestrictedOptions = RestrictedOptions with { RestrictIsolatedHostsToIsolatedImages = false };
    private static readonly SchedulerOptions HostsOnlyOptions = new() { IsolatedHosts = ["iso1"] };

    public static FilterCases RestrictedCases => new()
    {
        { "isolated image on isolated host", Host("iso1").Isolated(), Request().WithImage("demo/secure"), true },
        { "isolated image on ordinary host", Host("host1"), Request().WithImage("demo/secure"), false },
        { "ordinary image on isolated host", Host("iso1").Isolated(), Request().WithImage("demo/cirros"), false },
        { "ordinary image on ordinary host", Host("host1"), Request().WithImage("demo/cirros"), true },
        { "image listed by name alone, any namespace", Host("iso1").Isolated(), Request().WithImage("other/golden"), true },
        { "boot from volume on isolated host", Host("iso1").Isolated(), Request(), false },
    };

    public static FilterCases UnrestrictedCases => new()
    {
        { "isolated image on isolated host", Host("iso1").Isolated(), Request().WithImage("demo/secure"), true },
        { "isolated image on ordinary host", Host("host1"), Request().WithImage("demo/secure"), false },
        { "ordinary image on isolated host", Host("iso1").Isolated(), Request().WithImage("demo/cirros"), true },
    };

    public static FilterCases HostsOnlyCases => new()
    {
        { "no isolated images: isolated host refuses", Host("iso1").Isolated(), Request().WithImage("demo/cirros"), false },
        { "no isolated images: ordinary host takes", Host("host1"), Request().WithImage("demo/cirros"), true },
    };

    [Theory]
    [MemberData(nameof(RestrictedCases))]
    public void Restricted(FilterCase c) => FilterAssert.Verdict(new IsolatedHostsFilter(RestrictedOptions), c);

    [Theory]
    [MemberData(nameof(UnrestrictedCases))]
    public void Unrestricted_lets_ordinary_images_onto_isolated_hosts(FilterCase c) => FilterAssert.Verdict(new IsolatedHostsFilter(UnrestrictedOptions), c);

    [Theory]
    [MemberData(nameof(HostsOnlyCases))]
    public void Isolated_hosts_without_isolated_images(FilterCase c) => FilterAssert.Verdict(new IsolatedHostsFilter(HostsOnlyOptions), c);
}
