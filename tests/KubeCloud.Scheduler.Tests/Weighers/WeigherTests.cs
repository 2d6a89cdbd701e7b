using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Tests.Fixtures;
using KubeCloud.Scheduler.Weighers;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Weighers;

/// <summary>A named row: a weigher, a host, a request and the raw weight nova's weigher returns.</summary>
public sealed record WeigherCase(string Name, IHostWeigher Weigher, HostState Host, Requests.ScheduleRequest Request, double Raw)
{
    public override string ToString() => Name;
}

public sealed class WeigherTests
{
    public static TheoryData<WeigherCase> RawCases => new()
    {
        new WeigherCase("RAMWeigher: free RAM less reserved and used", new RAMWeigher(1), Host().WithMemory(8192, usedMb: 1024, reservedMb: 512), Request(), 6656),
        new WeigherCase("RAMWeigher: negative when overcommitted", new RAMWeigher(1), Host().WithMemory(4096, usedMb: 6144, ratio: 2), Request(), -2048),
        new WeigherCase("CPUWeigher: total * ratio - used", new CPUWeigher(1), Host().WithVcpus(8, used: 10, ratio: 4), Request(), 22),
        new WeigherCase("DiskWeigher: free disk", new DiskWeigher(1), Host().WithDisk(10240, usedMb: 4096), Request(), 6144),
        new WeigherCase("NumInstancesWeigher: instances", new NumInstancesWeigher(1), Host().WithInstances(7), Request(), 7),
        new WeigherCase("IoOpsWeigher: io ops", new IoOpsWeigher(-1), Host().WithIoOps(3), Request(), 3),
        new WeigherCase("soft affinity: members on host", new ServerGroupSoftAffinityWeigher(1), Host("h1"), Request().InGroup(ServerGroupPolicy.SoftAffinity, new() { ["h1"] = 2 }), 2),
        new WeigherCase("soft affinity: other policy weighs 0", new ServerGroupSoftAffinityWeigher(1), Host("h1"), Request().InGroup(ServerGroupPolicy.SoftAntiAffinity, new() { ["h1"] = 2 }), 0),
        new WeigherCase("soft anti-affinity: minus the members on host", new ServerGroupSoftAntiAffinityWeigher(1), Host("h1"), Request().InGroup(ServerGroupPolicy.SoftAntiAffinity, new() { ["h1"] = 3 }), -3),
        new WeigherCase("soft anti-affinity: no group", new ServerGroupSoftAntiAffinityWeigher(1), Host("h1"), Request(), 0),
    };

    [Theory]
    [MemberData(nameof(RawCases))]
    public void Returns_novas_raw_weight(WeigherCase c)
    {
        Assert.Equal(c.Raw, c.Weigher.Weigh(c.Host, c.Request));
        var raw = new double[1];
        c.Weigher.WeighHosts(HostTable.Create([c.Host]), [0], raw, c.Request);
        Assert.Equal(c.Raw, raw[0]);
    }

    [Fact]
    public void Soft_anti_affinity_negates_its_raw_weight_not_its_multiplier_as_nova_does() =>
        Assert.Equal(2.0, new ServerGroupSoftAntiAffinityWeigher(2.0).Multiplier);

    [Theory]
    [InlineData("spread: most free RAM wins", 1.0, "big")]
    [InlineData("stack: least free RAM wins", -1.0, "small")]
    public void The_sign_of_the_multiplier_spreads_or_stacks(string name, double multiplier, string winner)
    {
        var scheduler = Only(new RAMWeigher(multiplier));
        HostState[] hosts = [Host("small").WithMemory(4096), Host("medium").WithMemory(8192), Host("big").WithMemory(16384)];
        Assert.True(scheduler.Select(hosts, Request()).HostName == winner, name);
    }

    [Fact]
    public void Weights_are_normalised_to_0_1_and_scaled()
    {
        var scheduler = Only(new RAMWeigher(2.0));
        HostState[] hosts = [Host("a").WithMemory(1512, reservedMb: 512), Host("b").WithMemory(2512, reservedMb: 512), Host("c").WithMemory(3512, reservedMb: 512)];
        var result = scheduler.Select(hosts, Request());
        Assert.Equal([new WeighedHost("c", 2.0), new WeighedHost("b", 1.0), new WeighedHost("a", 0.0)], result.TopHosts);
    }

    [Fact]
    public void All_equal_raw_values_weigh_zero_and_the_first_host_wins()
    {
        var scheduler = Only(new RAMWeigher(1.0));
        HostState[] hosts = [Host("a"), Host("b"), Host("c")];
        var result = scheduler.Select(hosts, Request());
        Assert.Equal("a", result.HostName);
        Assert.All(result.TopHosts, h => Assert.Equal(0.0, h.Weight));
    }

    [Fact]
    public void Weighers_sum_after_normalising()
    {
        var scheduler = new FilterScheduler(SchedulerOptions.Default, [], [new RAMWeigher(1.0), new CPUWeigher(3.0)]);
        // ram: a best (1), b worst (0); cpu: b best (3), a worst (0): b wins 3 to 1.
        HostState[] hosts = [Host("a").WithMemory(65536).WithVcpus(4), Host("b").WithMemory(8192).WithVcpus(64)];
        var result = scheduler.Select(hosts, Request());
        Assert.Equal([new WeighedHost("b", 3.0), new WeighedHost("a", 1.0)], result.TopHosts);
    }

    [Fact]
    public void Soft_affinity_prefers_the_members_host()
    {
        var scheduler = new FilterScheduler(SchedulerOptions.Default, [], [new RAMWeigher(1.0), new ServerGroupSoftAffinityWeigher(2.0)]);
        HostState[] hosts = [Host("roomy").WithMemory(65536), Host("member").WithMemory(8192)];
        var request = Request().InGroup(ServerGroupPolicy.SoftAffinity, new() { ["member"] = 1 });
        Assert.Equal("member", scheduler.Select(hosts, request).HostName);
    }

    [Fact]
    public void Soft_anti_affinity_avoids_the_members_host_but_does_not_forbid_it()
    {
        var scheduler = new FilterScheduler(SchedulerOptions.Default, [], [new ServerGroupSoftAntiAffinityWeigher(1.0)]);
        var request = Request().InGroup(ServerGroupPolicy.SoftAntiAffinity, new() { ["h1"] = 1 });
        Assert.Equal("h2", scheduler.Select([Host("h1"), Host("h2")], request).HostName);
        Assert.Equal("h1", scheduler.Select([Host("h1")], request).HostName);
    }

    [Fact]
    public void Io_ops_default_multiplier_prefers_idle_hosts()
    {
        var scheduler = Only(new IoOpsWeigher(SchedulerOptions.Default.IoOpsWeightMultiplier));
        Assert.Equal("idle", scheduler.Select([Host("busy").WithIoOps(5), Host("idle").WithIoOps(0)], Request()).HostName);
    }

    private static FilterScheduler Only(IHostWeigher weigher) =>
        new(SchedulerOptions.Default, Array.Empty<IHostFilter>(), [weigher]);
}
