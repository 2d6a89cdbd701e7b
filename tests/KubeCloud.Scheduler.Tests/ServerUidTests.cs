using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests;

/// <summary>Claims are keyed by the Server's uid: a server deleted and recreated under its old name starts clean.</summary>
public sealed class ServerUidTests
{
    private static readonly ResourceAmounts OneCpu = new(1, 1024, 0);
    private static readonly ServerRef Old = new("uid-old", "demo", "web");
    private static readonly ServerRef Recreated = new("uid-new", "demo", "web");

    [Fact]
    public void A_recreated_server_does_not_inherit_the_stale_claim_of_its_name()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Old, Host("h1"), OneCpu);

        // The old server's release was missed; the new one with the same name claims afresh.
        var claim = ledger.TryClaim(Recreated, Host("h2"), OneCpu);

        Assert.Equal((ClaimStatus.Claimed, "h2"), (claim.Status, claim.Host));
        Assert.Equal("h2", ledger.NodeOf("demo", "web"));
        Assert.Equal("h1", ledger.AllocationOf("uid-old")!.Host);

        // Releasing the stale claim leaves the new server's claim and name alone.
        Assert.True(ledger.Release("uid-old"));
        Assert.Equal(HostUsage.None, ledger.UsageOf("h1"));
        Assert.Equal("h2", ledger.NodeOf("demo", "web"));
        Assert.True(ledger.Release("uid-new"));
        Assert.Null(ledger.NodeOf("demo", "web"));
    }

    [Fact]
    public void A_recreated_server_on_the_same_host_gets_a_claim_of_its_own()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Old, Host("h1"), OneCpu);
        Assert.Equal(ClaimStatus.Claimed, ledger.TryClaim(Recreated, Host("h1"), OneCpu).Status);
        Assert.Equal(new HostUsage(2, 2048, 0, 2, 2), ledger.UsageOf("h1"));
        Assert.False(ledger.MarkBuilt("uid-gone"));
    }

    [Theory]
    [InlineData("the stale server's uid", "uid-old", false)]
    [InlineData("the live server's uid", "uid-new", true)]
    public void Operations_by_uid_touch_only_that_servers_claim(string name, string uid, bool resized)
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Recreated, Host("h1"), OneCpu);
        var outcome = ledger.TryClaimResize(new ServerRef(uid, "demo", "web"), Host("h2"), OneCpu);
        Assert.True(resized == outcome.Succeeded, $"{name}: {outcome.Status}");
        Assert.Equal(resized ? "h1" : null, ledger.ResizeSourceOf("uid-new")?.Host);
    }

    [Fact]
    public void Rebuilding_from_the_live_servers_drops_a_stale_claim()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Old, Host("h1"), OneCpu);
        var recreated = ApiObjects.Server("web", node: "h2");
        recreated.Metadata.Uid = "uid-new";

        ledger.Rebuild([recreated]);

        Assert.Null(ledger.AllocationOf("uid-old"));
        Assert.Equal(HostUsage.None, ledger.UsageOf("h1"));
        Assert.Equal("h2", ledger.NodeOf("demo", "web"));
        Assert.Equal("h2", ledger.AllocationOf("uid-new")!.Host);
    }

    [Fact]
    public void The_scheduler_claims_under_the_requests_uid()
    {
        var inventory = new HostInventory(SchedulerOptions.Default, new AllocationLedger());
        inventory.Load([Host("h1")]);
        var scheduler = new FilterScheduler(SchedulerOptions.Default);
        Assert.True(scheduler.Schedule(inventory, Request("web").WithUid("uid-old")).Succeeded);
        Assert.True(scheduler.Schedule(inventory, Request("web").WithUid("uid-new")).Succeeded);
        Assert.Equal(2, inventory.Ledger.Count);
        Assert.Equal(2, inventory.Find("h1")!.NumInstances);
    }

    [Fact]
    public void A_server_without_a_uid_is_refused()
    {
        var server = ApiObjects.Server("web");
        server.Metadata.Uid = null;
        var error = Assert.Throws<ArgumentException>(() => ScheduleRequestFactory.Create(server, ApiObjects.Flavor(), null, null, _ => null));
        Assert.Contains("metadata.uid", error.Message, StringComparison.Ordinal);
    }
}
