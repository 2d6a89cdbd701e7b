using FsCheck;
using FsCheck.Fluent;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests;

public sealed class PropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static readonly Gen<HostState> HostGen =
        from vcpus in Gen.Choose(1, 32)
        from memoryGb in Gen.Choose(1, 64)
        from diskGb in Gen.Choose(10, 500)
        from cpuRatio in Gen.Elements(0.5, 1.0, 2.0, 4.0, 16.0)
        from ramRatio in Gen.Elements(0.5, 1.0, 1.5)
        from diskRatio in Gen.Elements(1.0, 2.0)
        from reservedMb in Gen.Elements(0L, 512L, 2048L)
        from zone in Gen.Elements("az1", "az2")
        from disabled in Gen.Elements(false, false, false, true)
        from ready in Gen.Elements(true, true, true, false)
        from ssd in Gen.Elements("true", "false", "")
        select Make(vcpus, memoryGb, diskGb, cpuRatio, ramRatio, diskRatio, reservedMb, zone, disabled, ready, ssd);

    private static readonly Gen<ScheduleRequest> RequestGen =
        from vcpus in Gen.Choose(1, 8)
        from memoryMb in Gen.Elements(256L, 512L, 2048L, 4096L, 16384L)
        from diskGb in Gen.Choose(0, 80)
        from zone in Gen.Elements<string?>(null, null, "az1", "az2")
        from ssd in Gen.Elements<string?>(null, null, "true")
        select MakeRequest(vcpus, memoryMb, diskGb, zone, ssd);

    [Fact]
    public void No_decision_ever_exceeds_a_hosts_capacity_times_its_ratio()
    {
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), Gen.NonEmptyListOf(RequestGen)).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, requests) = input;
            var options = SchedulerOptions.Default with { EnabledFilters = [.. FilterRegistry.Names] };
            var inventory = new HostInventory(options, new AllocationLedger());
            inventory.Load(Distinct(hosts));
            var scheduler = new FilterScheduler(options with { HostSubsetSize = 2 }, new Random(1));
            var n = 0;
            foreach (var request in requests)
            {
                scheduler.Schedule(inventory, request with { Name = $"vm{n}", Uid = $"uid-{n++}" });
            }

            return WithinLimits(inventory);
        }).Check(Runs);
    }

    [Fact]
    public void Resizes_never_exceed_capacity_and_the_ledger_rebuilds_from_what_the_servers_record()
    {
        // Each op: which placed server, its new size, whether the resize may stay on its node, and what follows (0 nothing, 1 confirm, 2 revert, 3 delete, 4 build done).
        var ops = Gen.Zip(Gen.Zip(Gen.Choose(0, 1000), RequestGen), Gen.Zip(Gen.Elements(false, true), Gen.Choose(0, 4))).ListOf();
        var cases = Gen.Zip(Gen.Zip(Gen.NonEmptyListOf(HostGen), Gen.NonEmptyListOf(RequestGen)), ops).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var ((hosts, requests), resizes) = input;
            var options = SchedulerOptions.Default with { EnabledFilters = [.. FilterRegistry.Names] };
            var ledger = new AllocationLedger();
            var inventory = new HostInventory(options, ledger);
            inventory.Load(Distinct(hosts));
            var schedulers = new[] { false, true }.Select(same => new FilterScheduler(options with { HostSubsetSize = 2, AllowResizeToSameHost = same }, new Random(1))).ToArray();
            var placed = new List<ScheduleRequest>();
            var n = 0;
            foreach (var request in requests)
            {
                var named = request with { Name = $"vm{n}", Uid = $"uid-{n++}" };
                if (schedulers[0].Schedule(inventory, named).Succeeded)
                {
                    placed.Add(named);
                }
            }

            foreach (var ((pick, size), (sameHost, then)) in resizes)
            {
                if (placed.Count == 0)
                {
                    break;
                }

                var server = placed[pick % placed.Count];
                if (ledger.AllocationOf(server.Uid) is { } current && ledger.ResizeSourceOf(server.Uid) is null)
                {
                    var resize = server with { Resources = size.Resources, ResizeSourceNode = current.Host };
                    var result = schedulers[sameHost ? 1 : 0].Schedule(inventory, resize);
                    if (result.Succeeded && !sameHost && result.HostName == current.Host)
                    {
                        return false;
                    }
                }

                _ = then switch
                {
                    1 => ledger.ConfirmResize(server.Uid),
                    2 => ledger.RevertResize(server.Uid),
                    3 => ledger.Release(server.Uid),
                    4 => ledger.MarkBuilt(server.Uid),
                    _ => false,
                };
                foreach (var host in inventory.Hosts)
                {
                    inventory.Consume(host.Name);
                }

                if (!WithinLimits(inventory))
                {
                    return false;
                }
            }

            // The ledger holds exactly what the Servers' status would record.
            var rebuilt = new AllocationLedger();
            rebuilt.Rebuild(placed.Select(r => AsServer(r, ledger)).Where(s => s is not null)!);
            return WithinLimits(inventory)
                && inventory.Hosts.All(h => ledger.UsageOf(h.Name) == rebuilt.UsageOf(h.Name))
                && placed.All(r => ledger.AllocationOf(r.Uid) == rebuilt.AllocationOf(r.Uid) && ledger.ResizeSourceOf(r.Uid) == rebuilt.ResizeSourceOf(r.Uid));
        }).Check(Runs);
    }

    [Fact]
    public void Anti_affinity_members_never_share_a_host()
    {
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), Gen.Choose(1, 12)).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, members) = input;
            var ledger = new AllocationLedger();
            var inventory = new HostInventory(SchedulerOptions.Default, ledger);
            inventory.Load(Distinct(hosts));
            var scheduler = new FilterScheduler(SchedulerOptions.Default with { HostSubsetSize = 3 }, new Random(3));
            var placed = new List<string>();
            for (var i = 0; i < members; i++)
            {
                var perNode = placed.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
                var result = scheduler.Schedule(inventory, Request($"m{i}").WithResources(1, 256).InGroup(ServerGroupPolicy.AntiAffinity, perNode));
                if (result.Succeeded)
                {
                    placed.Add(result.HostName!);
                }
            }

            return placed.Distinct().Count() == placed.Count;
        }).Check(Runs);
    }

    [Fact]
    public void A_chosen_host_passes_every_enabled_filter_and_no_valid_host_means_none_did()
    {
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), RequestGen).ToArbitrary();
        var scheduler = new FilterScheduler(SchedulerOptions.Default with { EnabledFilters = [.. FilterRegistry.Names], IsolatedHosts = ["h0"] });
        Prop.ForAll(cases, input =>
        {
            var (hosts, request) = input;
            var states = Distinct(hosts);
            var result = scheduler.Select(states, request);
            return result.Succeeded
                ? scheduler.PassesAll(result.Host!, request, out _)
                : !states.Any(h => scheduler.PassesAll(h, request, out _));
        }).Check(Runs);
    }

    private static bool WithinLimits(HostInventory inventory) => inventory.Hosts.All(h =>
    {
        var used = inventory.Ledger.UsageOf(h.Name);
        // A host with nothing claimed is fine even if its reserve exceeds its size.
        return used.Instances == 0
            || (used.Vcpus <= h.VcpuLimit && used.MemoryMb <= h.MemoryLimitMb && used.DiskMb <= h.DiskLimitMb);
    });

    /// <summary>The Server the operator would have written for the request's claims (status.node, flavor, resize, phase, taskState), or null when it holds none.</summary>
    private static Server? AsServer(ScheduleRequest request, AllocationLedger ledger)
    {
        if (ledger.AllocationOf(request.Uid) is not { } current)
        {
            return null;
        }

        static FlavorSnapshot Snapshot(ResourceAmounts r) => new() { Name = "f", Vcpus = r.Vcpus, Memory = Quantity.Parse($"{r.MemoryMb}Mi"), RootDisk = Quantity.Parse($"{r.DiskMb}Mi") };
        var source = ledger.ResizeSourceOf(request.Uid);
        var server = new Server { Metadata = new() { Name = request.Name, NamespaceProperty = request.Namespace, Uid = request.Uid } };
        server.Spec.ImageRef = new NamespacedObjectReference { Name = "debian" };
        server.Status = new ServerStatus
        {
            Node = current.Host,
            Flavor = Snapshot(current.Resources),
            Phase = current.InFlight && source is null ? ServerPhase.Building : ServerPhase.Active,
            TaskState = current.InFlight && source is not null ? ServerTaskState.Resizing : null,
            Resize = source is null ? null : new ServerResize { SourceNode = source.Host, OldFlavor = Snapshot(source.Resources) },
        };
        return server;
    }

    private static HostState Make(int vcpus, int memoryGb, int diskGb, double cpuRatio, double ramRatio, double diskRatio, long reservedMb, string zone, bool disabled, bool ready, string ssd)
    {
        var host = Host("h").InZone(zone)
            .WithVcpus(vcpus, ratio: cpuRatio)
            .WithMemory(memoryGb * 1024L, reservedMb: reservedMb, ratio: ramRatio)
            .WithDisk(diskGb * 1024L, ratio: diskRatio);
        if (ssd.Length > 0)
        {
            host.WithLabel("ssd", ssd);
        }

        if (disabled)
        {
            host.Disabled();
        }

        if (!ready)
        {
            host.NotReady();
        }

        return host;
    }

    private static ScheduleRequest MakeRequest(int vcpus, long memoryMb, int diskGb, string? zone, string? ssd)
    {
        var request = Request().WithResources(vcpus, memoryMb, diskGb * 1024L);
        if (zone is not null)
        {
            request.InZone(zone);
        }

        if (ssd is not null)
        {
            request.WithExtraSpec("aggregate_instance_extra_specs:ssd", ssd);
        }

        return request;
    }

    private static HostState[] Distinct(IEnumerable<HostState> hosts) => [.. hosts.Select((h, i) => h with { Name = $"h{i}", Isolated = i == 0 })];
}
