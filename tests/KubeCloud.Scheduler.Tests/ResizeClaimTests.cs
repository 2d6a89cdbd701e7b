using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using KubeCloud.Scheduler.Weighers;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests;

/// <summary>What happens after the resize claim.</summary>
public enum ResizeStep
{
    None,
    Confirm,
    Revert,
    Delete,
}

/// <summary>A named row: resize from h1 to <see cref="Target"/>, then <see cref="Step"/>; the usage each host must show after.</summary>
public sealed record ResizeCase(string Name, string Target, ResizeStep Step, HostUsage H1, HostUsage H2, string? Node, string? SourceNode)
{
    public override string ToString() => Name;
}

public sealed class ResizeClaimTests
{
    private static readonly ResourceAmounts Old = new(2, 4096, 10240);
    private static readonly ResourceAmounts New = new(4, 8192, 20480);
    private static readonly ServerRef Vm1 = new(UidOf("demo", "vm1"), "demo", "vm1");

    public static TheoryData<ResizeCase> Cases => new()
    {
        new ResizeCase("another host: both claims held", "h2", ResizeStep.None, new(2, 4096, 10240, 1, 0), new(4, 8192, 20480, 1, 1), "h2", "h1"),
        new ResizeCase("another host: confirm releases the old", "h2", ResizeStep.Confirm, HostUsage.None, new(4, 8192, 20480, 1, 1), "h2", null),
        new ResizeCase("another host: revert releases the new", "h2", ResizeStep.Revert, new(2, 4096, 10240, 1, 0), HostUsage.None, "h1", null),
        new ResizeCase("another host: deleting mid-resize releases both", "h2", ResizeStep.Delete, HostUsage.None, HostUsage.None, null, null),
        new ResizeCase("same host: both amounts count, one instance", "h1", ResizeStep.None, new(6, 12288, 30720, 1, 1), HostUsage.None, "h1", "h1"),
        new ResizeCase("same host: confirm keeps the new", "h1", ResizeStep.Confirm, new(4, 8192, 20480, 1, 1), HostUsage.None, "h1", null),
        new ResizeCase("same host: revert keeps the old", "h1", ResizeStep.Revert, new(2, 4096, 10240, 1, 0), HostUsage.None, "h1", null),
        new ResizeCase("same host: deleting mid-resize releases both", "h1", ResizeStep.Delete, HostUsage.None, HostUsage.None, null, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_resize_holds_both_flavors_until_confirmed_or_reverted(ResizeCase c)
    {
        var ledger = new AllocationLedger();
        Assert.Equal(ClaimStatus.Claimed, ledger.TryClaim(Vm1, Host("h1"), Old).Status);
        ledger.MarkBuilt(Vm1.Uid);
        Assert.Equal(ClaimStatus.Claimed, ledger.TryClaimResize(Vm1, Host(c.Target), New).Status);
        Assert.Equal(ClaimStatus.AlreadyClaimed, ledger.TryClaimResize(Vm1, Host(c.Target), New).Status);

        // Twice: every step is idempotent.
        for (var round = 0; round < 2; round++)
        {
            var changed = c.Step switch
            {
                ResizeStep.Confirm => ledger.ConfirmResize(Vm1.Uid),
                ResizeStep.Revert => ledger.RevertResize(Vm1.Uid),
                ResizeStep.Delete => ledger.Release(Vm1.Uid),
                _ => round == 0,
            };
            Assert.Equal(round == 0, changed);
            Assert.Equal(c.H1, ledger.UsageOf("h1"));
            Assert.Equal(c.H2, ledger.UsageOf("h2"));
            Assert.Equal(c.Node, ledger.AllocationOf(Vm1.Uid)?.Host);
            Assert.Equal(c.Node, ledger.NodeOf("demo", "vm1"));
            Assert.Equal(c.SourceNode, ledger.ResizeSourceOf(Vm1.Uid)?.Host);
        }
    }

    [Theory]
    [InlineData("same host: old and new must fit together", "h1", ClaimStatus.InsufficientCapacity)]
    [InlineData("another host: only the new must fit", "h2", ClaimStatus.Claimed)]
    public void A_resize_claim_checks_room_with_the_old_claim_still_held(string name, string target, ClaimStatus expected)
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Vm1, Host("h1").WithVcpus(4), Old);
        var outcome = ledger.TryClaimResize(Vm1, Host(target).WithVcpus(4), New);
        Assert.True(expected == outcome.Status, $"{name}: {outcome.Status}");
    }

    [Fact]
    public void A_resize_needs_a_placed_server_and_only_one_is_open_at_a_time()
    {
        var ledger = new AllocationLedger();
        Assert.Equal(ClaimStatus.NotPlaced, ledger.TryClaimResize(Vm1, Host("h1"), New).Status);
        ledger.TryClaim(Vm1, Host("h1"), Old);
        ledger.TryClaimResize(Vm1, Host("h2"), New);
        var again = ledger.TryClaimResize(Vm1, Host("h3"), New);
        Assert.Equal((ClaimStatus.ClaimedElsewhere, "h2"), (again.Status, again.Host));
        Assert.Equal(ClaimStatus.ClaimedElsewhere, ledger.TryClaim(Vm1, Host("h2"), New).Status);
        Assert.False(ledger.ConfirmResize("no-such-uid"));
        Assert.False(ledger.RevertResize("no-such-uid"));
    }

    [Fact]
    public void Starting_a_resize_ends_the_builds_io_op()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Vm1, Host("h1"), Old);
        ledger.TryClaimResize(Vm1, Host("h2"), New);
        Assert.Equal(0, ledger.UsageOf("h1").InFlight);
        Assert.Equal(1, ledger.UsageOf("h2").InFlight);
        Assert.True(ledger.MarkBuilt(Vm1.Uid));
        Assert.Equal(0, ledger.UsageOf("h2").InFlight);
    }

    [Theory]
    [InlineData("not allowed: the current node is left out", false, new[] { "current", "other" }, "other", null)]
    [InlineData("not allowed, no other node: no valid host, said why", false, new[] { "current" }, null, "No valid host was found. There are not enough hosts available. 1 hosts: IgnoreHosts removed 1.")]
    [InlineData("allowed: the current node may win", true, new[] { "current", "other" }, "current", null)]
    public void Resize_to_the_same_host_follows_allowResizeToSameHost(string name, bool allow, string[] hosts, string? expected, string? fault)
    {
        var options = SchedulerOptions.Default with { AllowResizeToSameHost = allow, EnabledFilters = ["RamFilter", "CoreFilter"] };
        var ledger = new AllocationLedger();
        var inventory = new HostInventory(options, ledger);

        // "current" has the most free RAM, so the RAM weigher prefers it.
        inventory.Load(hosts.Select(h => (HostState)Host(h).WithMemory(h == "current" ? 65536 : 32768, reservedMb: 0)));
        var scheduler = new FilterScheduler(options, FilterRegistry.CreateEnabled(options), [new RAMWeigher(1.0)]);
        Assert.True(scheduler.Schedule(inventory, Request("vm1").WithResources(2, 4096)).HostName == "current", name);

        var result = scheduler.Schedule(inventory, Request("vm1").WithResources(4, 8192).ResizingFrom("current"));

        Assert.True(expected == result.HostName, $"{name}: chose {result.HostName}");
        Assert.Equal(fault ?? string.Empty, result.FaultMessage);
        if (expected is not null)
        {
            Assert.Equal(expected, ledger.AllocationOf(Vm1.Uid)!.Host);
            Assert.Equal("current", ledger.ResizeSourceOf(Vm1.Uid)!.Host);
            var current = inventory.Find("current")!;
            Assert.Equal(expected == "current" ? 12288 : 4096, current.UsedMemoryMb);
        }
        else
        {
            Assert.Null(ledger.ResizeSourceOf(Vm1.Uid));
        }
    }

    [Fact]
    public void A_resize_request_comes_from_a_placed_server_and_the_new_flavor()
    {
        var small = ApiObjects.Flavor("m1.small", vcpus: 1, memory: "2Gi", rootDisk: "20Gi");
        var large = ApiObjects.Flavor("m1.large", vcpus: 4, memory: "8Gi", rootDisk: "80Gi");
        var server = ApiObjects.Server("vm1", node: "h1", flavor: small);
        server.Status!.TriedNodes = ["h7"];

        var request = ScheduleRequestFactory.ForResize(server, large, null, null, _ => null);

        Assert.Equal(("h1", new ResourceAmounts(4, 8192, 81920), "m1.large"), (request.ResizeSourceNode, request.Resources, request.FlavorName));
        Assert.Empty(request.TriedNodes);
        Assert.Throws<InvalidOperationException>(() => ScheduleRequestFactory.ForResize(ApiObjects.Server("unplaced"), large, null, null, _ => null));
        server.Status.Resize = new ServerResize { SourceNode = "h0", OldFlavor = server.Status.Flavor! };
        Assert.Contains("status.resize", Assert.Throws<InvalidOperationException>(() => ScheduleRequestFactory.ForResize(server, large, null, null, _ => null)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("another host", "h2", ServerTaskState.Resizing)]
    [InlineData("same host", "h1", ServerTaskState.Resizing)]
    [InlineData("another host, waiting for confirmation", "h2", null)]
    public void The_ledger_rebuilds_both_claims_of_a_server_mid_resize(string name, string target, ServerTaskState? task)
    {
        var small = ApiObjects.Flavor("m1.small", vcpus: 1, memory: "2Gi", rootDisk: "20Gi");
        var large = ApiObjects.Flavor("m1.large", vcpus: 4, memory: "8Gi", rootDisk: "80Gi");
        var resizing = ApiObjects.Server("vm1", node: target, flavor: large);
        resizing.Status!.TaskState = task;
        resizing.Status.Resize = new ServerResize { SourceNode = "h1", OldFlavor = ApiObjects.Server("x", node: "h1", flavor: small).Status!.Flavor! };

        // The same claims made live.
        var live = new AllocationLedger();
        live.TryClaim(Vm1, Host("h1"), new ResourceAmounts(1, 2048, 20480));
        live.MarkBuilt(Vm1.Uid);
        live.TryClaimResize(Vm1, Host(target), new ResourceAmounts(4, 8192, 81920));
        if (task is null)
        {
            live.MarkBuilt(Vm1.Uid);
        }

        var rebuilt = new AllocationLedger();
        rebuilt.Rebuild([resizing]);

        Assert.True(live.UsageOf("h1") == rebuilt.UsageOf("h1"), $"{name}: h1 {rebuilt.UsageOf("h1")}, live {live.UsageOf("h1")}");
        Assert.Equal(live.UsageOf("h2"), rebuilt.UsageOf("h2"));
        Assert.Equal(live.AllocationOf(Vm1.Uid), rebuilt.AllocationOf(Vm1.Uid));
        Assert.Equal(live.ResizeSourceOf(Vm1.Uid), rebuilt.ResizeSourceOf(Vm1.Uid));
        Assert.True(rebuilt.RevertResize(Vm1.Uid));
        Assert.Equal(new HostUsage(1, 2048, 20480, 1, 0), rebuilt.UsageOf("h1"));
    }
}
