using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Tests.Fixtures;

internal static class FilterAssert
{
    /// <summary>Runs the case the way the pipeline does (prepared once) and directly; both must agree with the table.</summary>
    public static void Verdict(IHostFilter filter, FilterCase c)
    {
        var prepared = filter.ForRequest(c.Request);
        var viaPipeline = prepared is null ? FilterResult.Pass : prepared.HostPasses(c.Host, c.Request);
        Assert.True(viaPipeline.Passed == c.Passes, $"{c.Name}: expected {(c.Passes ? "pass" : "fail")}, got {viaPipeline}");
        Assert.Equal(c.Passes, filter.HostPasses(c.Host, c.Request).Passed);
        if (!viaPipeline.Passed)
        {
            Assert.False(string.IsNullOrWhiteSpace(viaPipeline.Reason), "a failing host needs a reason");
        }

        // The batch form the pipeline runs must agree, prepared or not.
        var table = HostTable.Create([c.Host]);
        Span<int> output = stackalloc int[1];
        if (prepared is not null)
        {
            Assert.True((prepared.FilterHosts(table, [0], output, c.Request) == 1) == c.Passes, $"{c.Name}: the batch form disagrees");
        }

        Assert.True((filter.FilterHosts(table, [0], output, c.Request) == 1) == c.Passes, $"{c.Name}: the unprepared batch form disagrees");
    }
}
