using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Hypervisors;
using KubeCloud.Operator.IntegrationTests.Volumes;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using static KubeCloud.Operator.IntegrationTests.Volumes.NodeReports;

namespace KubeCloud.Operator.IntegrationTests.Hypervisors;

/// <summary>The Hypervisor controller: heartbeat grace and allocations; the tests play the node daemon and the Server controller's placement.</summary>
public sealed class HypervisorTests
{
    [Fact]
    public async Task A_heartbeat_going_stale_turns_the_hypervisor_not_Ready_and_the_next_report_brings_it_back()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "c1");
        await cluster.StartOperatorAsync(s =>
        {
            s.Controllers = [HypervisorReconciler.ControllerName];
            s.HeartbeatGrace = TimeSpan.FromSeconds(2);
        });

        var stale = await ObjectWait.UntilAsync<Hypervisor>(client, "c1", null,
            h => Conditions.Find(h?.Status, ConditionTypes.Ready) is { Status: ConditionStatus.False, Reason: HypervisorReconciler.HeartbeatStale }, "Ready False HeartbeatStale");
        var ready = Conditions.Find(stale!.Status, ConditionTypes.Ready)!;
        Assert.StartsWith("the node daemon has not reported since ", ready.Message, StringComparison.Ordinal);
        Assert.EndsWith("(grace period 2 s)", ready.Message, StringComparison.Ordinal);
        Assert.NotNull(stale.Status!.Capacity); // the daemon's fields survive the operator's apply

        // The scheduler's ComputeFilter refuses a host whose Ready is False (it also checks the heartbeat itself).
        var host = HostStateFactory.FromHypervisor(stale, new SchedulerOptions(), new HostUsage(), stale.Status.LastHeartbeatTime!.Value);
        Assert.Equal(ComputeFilter.NotReadyReason, new ComputeFilter().HostPasses(host, new ScheduleRequest { Namespace = "project-a", Name = "vm", Uid = "u" }).Reason);

        // The daemon reports again: Ready is its own again, until the heartbeat goes stale once more.
        await HeartbeatAsync(client, stale);
        await ObjectWait.UntilAsync<Hypervisor>(client, "c1", null,
            h => Conditions.Find(h?.Status, ConditionTypes.Ready) is { Status: ConditionStatus.True, Reason: "KubeletReady" }, "Ready True from the daemon");
        await ObjectWait.UntilAsync<Hypervisor>(client, "c1", null,
            h => Conditions.Find(h?.Status, ConditionTypes.Ready)?.Reason == HypervisorReconciler.HeartbeatStale, "stale again");
    }

    [Fact]
    public async Task Allocated_and_instances_are_counted_from_the_servers_placed_on_the_hypervisor()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "c1");
        await HypervisorAsync(client, "c2");
        await cluster.StartOperatorAsync(s => s.Controllers = [HypervisorReconciler.ControllerName]);
        var flavor = new FlavorSnapshot { Name = "m1.small", Vcpus = 2, Memory = Quantity.Parse("4Gi"), RootDisk = Quantity.Parse("20Gi"), Swap = Quantity.Parse("1Gi") };

        foreach (var (name, node) in new[] { ("vm1", "c1"), ("vm2", "c1"), ("vm3", "c2") })
        {
            await PlaceAsync(client, await client.CreateAsync(Server("project-a", name)), node, flavor);
        }

        var c1 = await ObjectWait.UntilAsync<Hypervisor>(client, "c1", null, h => h?.Status?.Instances == 2, "2 instances");
        Assert.Equal((4, Quantity.Parse("8Gi"), Quantity.Parse("42Gi")), (c1!.Status!.Allocated!.Vcpus, c1.Status.Allocated.Memory, c1.Status.Allocated.Disk));
        Assert.True(Conditions.IsTrue(c1.Status, ConditionTypes.Ready), "a fresh heartbeat leaves the daemon's Ready alone");

        await client.DeleteAsync<Server>("vm1", "project-a");
        c1 = await ObjectWait.UntilAsync<Hypervisor>(client, "c1", null, h => h?.Status?.Instances == 1, "1 instance after a delete");
        Assert.Equal((2, Quantity.Parse("4Gi")), (c1!.Status!.Allocated!.Vcpus, c1.Status.Allocated.Memory));
        Assert.Equal(1, (await client.GetAsync<Hypervisor>("c2")).Status!.Instances);
    }
}
