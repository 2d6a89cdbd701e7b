using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests;

public sealed class ClaimTests
{
    private static readonly ResourceAmounts OneCpu = new(1, 1024, 0);

    private static ServerRef Vm(string name, string ns = "demo") => new(RequestBuilder.UidOf(ns, name), ns, name);

    [Fact]
    public void Concurrent_claims_on_one_host_never_overcommit_it()
    {
        var ledger = new AllocationLedger();
        HostState host = Host("h1").WithVcpus(16).WithMemory(65536);
        var won = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (ledger.TryClaim(Vm($"vm{i}"), host, OneCpu).Status == ClaimStatus.Claimed)
            {
                Interlocked.Increment(ref won);
            }
        });

        Assert.Equal(16, won);
        Assert.Equal(16, ledger.UsageOf("h1").Vcpus);
    }

    [Fact]
    public void Concurrent_scheduling_from_many_threads_never_overcommits_any_host()
    {
        var options = SchedulerOptions.Default with { CpuAllocationRatio = 1.0, ReservedHostMemoryMb = 0, EnabledFilters = ["ComputeFilter", "RamFilter", "CoreFilter", "DiskFilter"] };
        var ledger = new AllocationLedger();
        var inventory = new HostInventory(options, ledger);
        inventory.Load(Enumerable.Range(0, 20).Select(i => (HostState)Host($"h{i}").WithVcpus(8 + (i % 3 * 4)).WithMemory(65536)));
        var capacity = inventory.Hosts.Sum(h => h.VcpuLimit);
        var scheduler = new FilterScheduler(options with { HostSubsetSize = 3 }, new Random(7));

        var placed = 0;
        Parallel.For(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (scheduler.Schedule(inventory, Request($"vm{i}").WithResources(1, 1024)).Succeeded)
            {
                Interlocked.Increment(ref placed);
            }
        });

        Assert.Equal(capacity, placed);
        foreach (var host in inventory.Hosts)
        {
            var usage = ledger.UsageOf(host.Name);
            Assert.True(usage.Vcpus <= host.VcpuLimit, $"{host.Name}: {usage.Vcpus} vCPUs claimed of {host.VcpuLimit}");
            Assert.Equal(usage.Vcpus, host.UsedVcpus);
        }
    }

    [Fact]
    public void A_repeated_claim_is_idempotent()
    {
        var ledger = new AllocationLedger();
        HostState host = Host("h1");
        Assert.Equal(ClaimStatus.Claimed, ledger.TryClaim(Vm("vm1"), host, OneCpu).Status);
        var again = ledger.TryClaim(Vm("vm1"), host, OneCpu);
        Assert.Equal(ClaimStatus.AlreadyClaimed, again.Status);
        Assert.True(again.Succeeded);
        Assert.Equal(new HostUsage(1, 1024, 0, 1, 1), ledger.UsageOf("h1"));
        Assert.Equal(ClaimStatus.ClaimedElsewhere, ledger.TryClaim(Vm("vm1"), Host("h2"), OneCpu).Status);
    }

    [Fact]
    public void Release_gives_the_resources_back()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Vm("vm1"), Host("h1"), OneCpu);
        ledger.TryClaim(Vm("vm2"), Host("h1"), OneCpu);
        Assert.True(ledger.Release(Vm("vm1").Uid));
        Assert.False(ledger.Release(Vm("vm1").Uid));
        Assert.Equal(new HostUsage(1, 1024, 0, 1, 1), ledger.UsageOf("h1"));
        Assert.Null(ledger.NodeOf("demo", "vm1"));
        Assert.Equal("h1", ledger.NodeOf("demo", "vm2"));
    }

    [Fact]
    public void Mark_built_ends_the_io_op_but_keeps_the_claim()
    {
        var ledger = new AllocationLedger();
        ledger.TryClaim(Vm("vm1"), Host("h1"), OneCpu);
        Assert.True(ledger.MarkBuilt(Vm("vm1").Uid));
        Assert.Equal(new HostUsage(1, 1024, 0, 1, 0), ledger.UsageOf("h1"));
    }

    [Fact]
    public void A_lost_claim_moves_on_to_the_next_host()
    {
        var options = SchedulerOptions.Default with { CpuAllocationRatio = 1.0, EnabledFilters = ["CoreFilter"] };
        var ledger = new AllocationLedger();
        var inventory = new HostInventory(options, ledger);
        inventory.Load([Host("big").WithVcpus(4).WithMemory(65536), Host("small").WithVcpus(4).WithMemory(16384)]);
        var stale = inventory.Hosts[0];

        // Another decision fills "big" behind this inventory's back; the state it holds is stale.
        for (var i = 0; i < 4; i++)
        {
            ledger.TryClaim(Vm($"vm{i}", "other"), stale, OneCpu);
        }

        var result = new FilterScheduler(options).Schedule(inventory, Request().WithResources(1, 1024));
        Assert.Equal("small", result.HostName);
        Assert.Equal(2, result.ClaimAttempts);
        Assert.Equal(4, inventory.Find("big")!.UsedVcpus);
    }

    [Fact]
    public void The_next_decision_sees_the_claim()
    {
        var options = SchedulerOptions.Default with { EnabledFilters = ["RamFilter"] };
        var inventory = new HostInventory(options, new AllocationLedger());
        inventory.Load([Host("a").WithMemory(8192, reservedMb: 0), Host("b").WithMemory(8192, reservedMb: 0)]);
        var scheduler = new FilterScheduler(options);
        var first = scheduler.Schedule(inventory, Request("vm1").WithResources(1, 6000));
        var second = scheduler.Schedule(inventory, Request("vm2").WithResources(1, 6000));
        Assert.NotEqual(first.HostName, second.HostName);
        var third = scheduler.Schedule(inventory, Request("vm3").WithResources(1, 6000));
        Assert.False(third.Succeeded);
        Assert.Equal("No valid host was found. There are not enough hosts available. 2 hosts: RamFilter removed 2.", third.FaultMessage);
    }

    [Fact]
    public void The_ledger_rebuilds_from_placed_servers()
    {
        var small = ApiObjects.Flavor("m1.small", vcpus: 1, memory: "2Gi", rootDisk: "20Gi");
        var large = ApiObjects.Flavor("m1.large", vcpus: 4, memory: "8Gi", rootDisk: "80Gi");
        var ledger = new AllocationLedger();
        ledger.TryClaim(Vm("stale"), Host("h9"), OneCpu);

        ledger.Rebuild(
        [
            ApiObjects.Server("a", node: "h1", flavor: small),
            ApiObjects.Server("b", node: "h1", flavor: large, phase: ServerPhase.Building),
            ApiObjects.Server("c", ns: "other", node: "h2", flavor: small),
            ApiObjects.Server("pending"),
        ]);

        Assert.Equal(3, ledger.Count);
        Assert.Equal(new HostUsage(5, 10240, 102400, 2, 1), ledger.UsageOf("h1"));
        Assert.Equal(new HostUsage(1, 2048, 20480, 1, 0), ledger.UsageOf("h2"));
        Assert.Equal(HostUsage.None, ledger.UsageOf("h9"));
        Assert.Equal("h2", ledger.NodeResolver("other")("c"));
    }

    [Fact]
    public void A_rebuild_collected_page_by_page_equals_one_from_the_whole_list()
    {
        var small = ApiObjects.Flavor("m1.small", vcpus: 1, memory: "2Gi", rootDisk: "20Gi");
        Server[] servers =
        [
            ApiObjects.Server("a", node: "h1", flavor: small),
            ApiObjects.Server("b", node: "h1", flavor: small, phase: ServerPhase.Building),
            ApiObjects.Server("c", ns: "other", node: "h2", flavor: small),
            ApiObjects.Server("pending"),
        ];
        var whole = new AllocationLedger();
        whole.Rebuild(servers);
        var paged = new AllocationLedger();
        paged.TryClaim(Vm("stale"), Host("h9"), OneCpu);
        var builder = new AllocationLedger.Builder();
        builder.Add(servers[..2]);
        builder.Add(servers[1..]); // a server on two pages counts once

        paged.Rebuild(builder);

        Assert.Equal(whole.Count, paged.Count);
        Assert.Equal(whole.UsageOf("h1"), paged.UsageOf("h1"));
        Assert.Equal(whole.UsageOf("h2"), paged.UsageOf("h2"));
        Assert.Equal(HostUsage.None, paged.UsageOf("h9"));
    }

    [Fact]
    public void Host_states_come_from_hypervisors_and_the_ledger()
    {
        var ledger = new AllocationLedger();
        ledger.Rebuild([ApiObjects.Server("a", node: "h1", phase: ServerPhase.Building)]);
        var hypervisors = new[]
        {
            ApiObjects.Hypervisor("h1", zone: "az1"),
            ApiObjects.Hypervisor("stale", heartbeat: ApiObjects.Now.AddMinutes(-5)),
            ApiObjects.Hypervisor("down", ready: false),
        };
        hypervisors[0].Spec.CpuAllocationRatio = 2.0;
        hypervisors[0].Spec.ReservedMemory = KubeCloud.Api.Quantity.Parse("1Gi");
        hypervisors[0].Metadata.Labels!["ssd"] = "true";
        var inventory = new HostInventory(SchedulerOptions.Default, ledger, new ApiObjects.FixedTime(ApiObjects.Now));
        inventory.Refresh(hypervisors);

        var h1 = inventory.Find("h1")!;
        Assert.Equal(("az1", 2.0, 1.0, 1024L, 32768L, 31744L), (h1.Zone, h1.CpuAllocationRatio, h1.RamAllocationRatio, h1.ReservedMemoryMb, h1.TotalMemoryMb, h1.MemoryLimitMb));
        Assert.Equal((1, 2048L, 1, 1), (h1.UsedVcpus, h1.UsedMemoryMb, h1.NumInstances, h1.NumIoOps));
        Assert.Equal("true", h1.Labels["ssd"]);
        Assert.True(h1.Ready);
        Assert.Equal("nova", inventory.Find("stale")!.Zone);
        Assert.False(inventory.Find("stale")!.Ready);
        Assert.False(inventory.Find("down")!.Ready);
        Assert.Equal(50, h1.MaxInstances);
    }

    [Fact]
    public void A_refresh_reuses_an_unchanged_hypervisor_but_takes_the_ledger_and_the_clock_now_and_rereads_a_changed_one()
    {
        var ledger = new AllocationLedger();
        var clock = new MovableTime { Now = ApiObjects.Now };
        var inventory = new HostInventory(SchedulerOptions.Default, ledger, clock);
        var h1 = ApiObjects.Hypervisor("h1", zone: "az1");
        var gone = ApiObjects.Hypervisor("gone");
        inventory.Refresh([h1, gone]);
        Assert.Equal((0, true), (inventory.Find("h1")!.UsedVcpus, inventory.Find("h1")!.Ready));

        // Same object: the ledger's new claim counts, and a heartbeat gone stale since is judged at the new time.
        ledger.Rebuild([ApiObjects.Server("a", node: "h1", phase: ServerPhase.Building)]);
        clock.Now = ApiObjects.Now.AddMinutes(5);
        inventory.Refresh([h1]);
        Assert.Equal((1, 2048L, 1, 1, false), (inventory.Find("h1")!.UsedVcpus, inventory.Find("h1")!.UsedMemoryMb, inventory.Find("h1")!.NumInstances, inventory.Find("h1")!.NumIoOps, inventory.Find("h1")!.Ready));
        Assert.Null(inventory.Find("gone"));

        // A new object for the same host (the informer replaces it on every change) is read again.
        var changed = ApiObjects.Hypervisor("h1", zone: "az2", heartbeat: clock.Now);
        inventory.Refresh([changed]);
        Assert.Equal(("az2", true, 1), (inventory.Find("h1")!.Zone, inventory.Find("h1")!.Ready, inventory.Find("h1")!.UsedVcpus));
    }

    private sealed class MovableTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Requests_come_from_the_server_and_what_it_names()
    {
        var ledger = new AllocationLedger();
        ledger.Rebuild([ApiObjects.Server("web-1", node: "h1"), ApiObjects.Server("web-2", node: "h2"), ApiObjects.Server("db", node: "h3")]);
        var server = ApiObjects.Server("web-3");
        server.Spec.AvailabilityZone = "az1";
        server.Spec.SchedulerHints = new SchedulerHints { ServerGroup = "web", DifferentHost = ["db"], Query = "[\">=\", \"$free_ram_mb\", 1024]", BuildNearHostIP = "10.1.2.3" };
        server.Status = new ServerStatus { TriedNodes = ["h7"] };
        var group = new ServerGroup { Metadata = new() { Name = "web", NamespaceProperty = "demo" } };
        group.Spec.Policy = ServerGroupPolicy.AntiAffinity;
        group.Spec.Rules = new ServerGroupRules { MaxServerPerHost = 2 };
        group.Status = new ServerGroupStatus { Members = ["web-1", "web-2", "web-3", "web-9"] };
        var image = new Image { Metadata = new() { Name = "cirros", NamespaceProperty = "demo" } };
        image.Spec.Properties = new ImageProperties { Architecture = CpuArchitecture.X8664 };
        var flavor = ApiObjects.Flavor(extraSpecs: new() { ["capabilities:hypervisor_type"] = "kvm", ["aggregate_instance_extra_specs:ssd"] = "true", ["hw:cpu_policy"] = "shared" });

        var request = ScheduleRequestFactory.Create(server, flavor, image, group, ledger.NodeResolver("demo"));

        Assert.Equal("demo/web-3", request.ServerKey);
        Assert.Equal(new ResourceAmounts(1, 2048, 20480), request.Resources);
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 1, ["h2"] = 1 }, request.GroupMembersPerNode);
        Assert.Equal((ServerGroupPolicy?)ServerGroupPolicy.AntiAffinity, request.GroupPolicy);
        Assert.Equal(2, request.MaxServerPerHost);
        Assert.Equal(new HashSet<string> { "h3" }, request.DifferentHostNodes);
        Assert.Null(request.SameHostNodes);
        Assert.Equal("10.1.2.0/24", request.BuildNearNetwork.ToString());
        Assert.Contains("h7", request.TriedNodes);
        Assert.Equal("demo/cirros", request.ImageKey);
        Assert.Equal(["hypervisor_type"], request.CapabilitySpecs.Select(s => s.Key));
        Assert.Equal(["ssd"], request.AggregateSpecs.Select(s => s.Key));
        Assert.NotNull(request.Query);
    }

    [Fact]
    public void Boot_from_volume_claims_no_root_disk()
    {
        var flavor = ApiObjects.Flavor(rootDisk: "20Gi");
        flavor.Spec.Swap = KubeCloud.Api.Quantity.Parse("1Gi");
        Assert.Equal(new ResourceAmounts(1, 2048, 1024), ScheduleRequestFactory.Resources(flavor.Spec, null, bootFromVolume: true));
        Assert.Equal(new ResourceAmounts(1, 2048, 21504), ScheduleRequestFactory.Resources(flavor.Spec, null, bootFromVolume: false));
    }
}
