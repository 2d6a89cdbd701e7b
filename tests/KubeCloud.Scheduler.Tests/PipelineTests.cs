using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests;

public sealed class PipelineTests
{
    private static readonly SchedulerOptions Options = SchedulerOptions.Default;

    [Fact]
    public void No_valid_host_names_the_filters_and_their_counts()
    {
        var hosts = new List<HostState> { Host("h0").Disabled() };
        for (var i = 1; i < 10; i++)
        {
            hosts.Add(Host($"h{i}").WithMemory(2048, usedMb: 1024, reservedMb: 0));
        }

        var result = new FilterScheduler(Options).Select(hosts, Request().WithResources(1, 4096));

        Assert.False(result.Succeeded);
        Assert.Equal("No valid host was found. There are not enough hosts available. 10 hosts: ComputeFilter removed 1, RamFilter removed 9.", result.FaultMessage);
        Assert.Equal("RamFilter", result.EmptiedBy);
        Assert.Contains("Filter RamFilter returned 0 hosts", result.LogLines());
        Assert.Contains("Filter ComputeFilter returned 9 host(s)", result.LogLines());
        Assert.Contains("RamFilter removed 9 of 9 (e.g. insufficient usable RAM)", result.FaultDetails, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pipeline_counts_hosts_before_and_after_each_filter_and_stops_at_zero()
    {
        HostState[] hosts = [Host("a").InZone("az1"), Host("b").InZone("az2"), Host("c").InZone("az2").Disabled()];
        var result = new FilterScheduler(Options).Select(hosts, Request().InZone("az9"));
        var steps = result.Filters;
        Assert.Equal(("RetryFilter", 3, 3, true), (steps[0].Filter, steps[0].HostsBefore, steps[0].HostsAfter, steps[0].Skipped));
        Assert.Equal(("AvailabilityZoneFilter", 3, 0), (steps[1].Filter, steps[1].HostsBefore, steps[1].HostsAfter));
        Assert.Equal(2, steps.Count);
    }

    [Fact]
    public void No_hosts_at_all_says_so_and_no_filter_emptied_the_list()
    {
        var result = new FilterScheduler(Options).Select([], Request().Tried("a"));
        Assert.Equal("No valid host was found. There are no hosts.", result.FaultMessage);
        Assert.Null(result.EmptiedBy);
    }

    [Fact]
    public void The_filter_that_removed_the_last_host_emptied_the_list()
    {
        HostState[] hosts = [Host("a"), Host("b")];
        Assert.Equal("RetryFilter", new FilterScheduler(Options).Select(hosts, Request().Tried("a", "b")).EmptiedBy);
        Assert.Equal("AvailabilityZoneFilter", new FilterScheduler(Options).Select(hosts, Request().Tried("a").InZone("az9")).EmptiedBy);
    }

    [Fact]
    public void Success_reports_the_chosen_host_and_the_top_hosts()
    {
        HostState[] hosts = [Host("small").WithMemory(4096), Host("big").WithMemory(65536), Host("mid").WithMemory(16384)];
        var result = new FilterScheduler(Options).Select(hosts, Request());
        Assert.True(result.Succeeded);
        Assert.Equal("big", result.HostName);
        Assert.Equal(["big", "mid", "small"], result.TopHosts.Select(h => h.Host));
        Assert.StartsWith("demo/vm1: chose big of 3 hosts; top: big=", result.Explain(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.FaultMessage);
    }

    [Fact]
    public void Subset_choice_is_reproducible_with_a_seed_and_stays_in_the_top_n()
    {
        var options = Options with { HostSubsetSize = 3 };
        var hosts = Enumerable.Range(0, 10).Select(i => (HostState)Host($"h{i}").WithMemory(4096 + (i * 1024))).ToArray();
        string?[] Run(int seed)
        {
            var scheduler = new FilterScheduler(options, new Random(seed));
            return [.. Enumerable.Range(0, 50).Select(_ => scheduler.Select(hosts, Request()).HostName)];
        }

        var first = Run(42);
        Assert.Equal(first, Run(42));
        Assert.All(first, h => Assert.Contains(h, new[] { "h9", "h8", "h7" }));
        Assert.True(first.Distinct().Count() > 1, "a subset of 3 should not always pick the same host");
    }

    [Fact]
    public void A_forced_node_skips_the_filters()
    {
        HostState[] hosts = [Host("a"), Host("b").Disabled()];
        var result = new FilterScheduler(Options).Select(hosts, Request().ForcedTo("b"));
        Assert.Equal("b", result.HostName);
        Assert.Empty(result.Filters);
    }

    [Fact]
    public void An_unknown_forced_node_is_no_valid_host() =>
        Assert.Contains("forced node 'zz'", new FilterScheduler(Options).Select([Host("a")], Request().ForcedTo("zz")).FaultMessage, StringComparison.Ordinal);

    [Fact]
    public void A_chosen_host_passes_every_enabled_filter()
    {
        var scheduler = new FilterScheduler(Options with { EnabledFilters = [.. KubeCloud.Scheduler.Filters.FilterRegistry.Names] });
        HostState[] hosts = [Host("a").NotReady(), Host("b").WithMemory(1024), Host("c")];
        var request = Request().WithResources(2, 2048).Build();
        var result = scheduler.Select(hosts, request);
        Assert.Equal("c", result.HostName);
        Assert.True(scheduler.PassesAll(result.Host!, request, out var failed), failed);
    }
}
