using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Filters;

public sealed class RamFilterTests
{
    public static FilterCases Cases => new()
    {
        { "fits with room", Host().WithMemory(4096), Request().WithResources(1, 1024), true },
        { "exact fit", Host().WithMemory(4096, usedMb: 3072), Request().WithResources(1, 1024), true },
        { "one MiB short", Host().WithMemory(4096, usedMb: 3073), Request().WithResources(1, 1024), false },
        { "reserved memory is not usable", Host().WithMemory(4096, reservedMb: 512), Request().WithResources(1, 4096), false },
        { "reserved memory exact fit", Host().WithMemory(4096, reservedMb: 512), Request().WithResources(1, 3584), true },
        { "overcommit ratio 1.5 allows more than physical", Host().WithMemory(4096, usedMb: 4096, ratio: 1.5), Request().WithResources(1, 2048), true },
        { "overcommit ratio 1.5 exhausted", Host().WithMemory(4096, usedMb: 4096, ratio: 1.5), Request().WithResources(1, 2049), false },
        { "ratio below 1 shrinks the host", Host().WithMemory(4096, ratio: 0.5), Request().WithResources(1, 2049), false },
        { "host without capacity", Host().WithMemory(0, reservedMb: 0), Request().WithResources(1, 1), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filters_by_usable_memory(FilterCase c) => FilterAssert.Verdict(new RamFilter(), c);
}

public sealed class CoreFilterTests
{
    public static FilterCases Cases => new()
    {
        { "fits", Host().WithVcpus(8), Request().WithResources(4, 512), true },
        { "exact fit", Host().WithVcpus(8, used: 4), Request().WithResources(4, 512), true },
        { "one vCPU short", Host().WithVcpus(8, used: 5), Request().WithResources(4, 512), false },
        { "cpu ratio 4 overcommits", Host().WithVcpus(8, used: 28, ratio: 4.0), Request().WithResources(4, 512), true },
        { "cpu ratio 4 exhausted", Host().WithVcpus(8, used: 29, ratio: 4.0), Request().WithResources(4, 512), false },
        { "reserved cpus come off before the ratio", Host().WithVcpus(8, reserved: 2, ratio: 2.0), Request().WithResources(13, 512), false },
        { "reserved cpus exact fit", Host().WithVcpus(8, reserved: 2, ratio: 2.0), Request().WithResources(12, 512), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filters_by_vcpus(FilterCase c) => FilterAssert.Verdict(new CoreFilter(), c);
}

public sealed class DiskFilterTests
{
    public static FilterCases Cases => new()
    {
        { "fits", Host().WithDisk(20480), Request().WithResources(1, 512, 10240), true },
        { "exact fit", Host().WithDisk(20480, usedMb: 10240), Request().WithResources(1, 512, 10240), true },
        { "short", Host().WithDisk(20480, usedMb: 10241), Request().WithResources(1, 512, 10240), false },
        { "reserved disk", Host().WithDisk(20480, reservedMb: 10241), Request().WithResources(1, 512, 10240), false },
        { "disk ratio 2", Host().WithDisk(20480, usedMb: 20480, ratio: 2.0), Request().WithResources(1, 512, 20480), true },
        { "no disk asked of a full host", Host().WithDisk(20480, usedMb: 20480), Request().WithResources(1, 512, 0), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filters_by_disk(FilterCase c) => FilterAssert.Verdict(new DiskFilter(), c);
}

public sealed class NumInstancesFilterTests
{
    public static FilterCases Cases => new()
    {
        { "below the limit", Host().WithInstances(3, max: 4), Request(), true },
        { "at the limit", Host().WithInstances(4, max: 4), Request(), false },
        { "limit zero takes nothing", Host().WithInstances(0, max: 0), Request(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Limits_servers_per_host(FilterCase c) => FilterAssert.Verdict(new NumInstancesFilter(), c);
}

public sealed class IoOpsFilterTests
{
    public static FilterCases Cases => new()
    {
        { "idle", Host().WithIoOps(0, max: 8), Request(), true },
        { "one below the limit", Host().WithIoOps(7, max: 8), Request(), true },
        { "at the limit", Host().WithIoOps(8, max: 8), Request(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Limits_io_ops_in_flight(FilterCase c) => FilterAssert.Verdict(new IoOpsFilter(), c);
}
