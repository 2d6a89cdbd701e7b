using FsCheck;
using FsCheck.Fluent;
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

/// <summary>
/// The pipeline runs the filters' and weighers' batch forms over a <see cref="HostTable"/>; the tests
/// of each filter exercise the per-host predicate. These properties check that the two agree on
/// random fleets and requests, and that the pipeline reports exactly what nova's ordered per-host
/// pipeline would.
/// </summary>
public sealed class BatchAgreementTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static readonly string[] Nodes = [.. Enumerable.Range(0, 12).Select(i => $"h{i}")];

    /// <summary>Aggregate multiplier labels: none mostly, one or several aggregates, bad values.</summary>
    private static readonly Gen<(string Label, string Value)[]> MultiplierLabelGen = Gen.Elements<(string, string)[]>(
        [], [], [],
        [("kubecloud.io/ram-weight-multiplier", "neg1.0")],
        [("kubecloud.io/ram-weight-multiplier", "2"), ("kubecloud.io/ram-weight-multiplier.b", "0.5")],
        [("kubecloud.io/cpu-weight-multiplier", "abc"), ("kubecloud.io/disk-weight-multiplier", "0.25")],
        [("kubecloud.io/num-instances-weight-multiplier", "3"), ("kubecloud.io/io-ops-weight-multiplier", "0")],
        [("kubecloud.io/soft-anti-affinity-weight-multiplier", "4"), ("kubecloud.io/soft-affinity-weight-multiplier", "neg2")],
        [("kubecloud.io/ram-weight-multiplier", "1.5"), ("kubecloud.io/ram-weight-multiplier.x", "1e9")]);

    private static readonly Gen<HostState> HostGen =
        from vcpus in Gen.Choose(1, 64)
        from usedVcpus in Gen.Choose(0, 80)
        from cpuRatio in Gen.Elements(0.5, 1.0, 4.0, 16.0)
        from memoryGb in Gen.Choose(1, 64)
        from usedMemoryGb in Gen.Choose(0, 80)
        from reservedMb in Gen.Elements(0L, 512L, 2048L)
        from ramRatio in Gen.Elements(1.0, 1.5)
        from diskGb in Gen.Choose(0, 500)
        from usedDiskGb in Gen.Choose(0, 500)
        from zone in Gen.Elements("az1", "az2", "az3")
        from health in Gen.Elements(0, 0, 0, 1, 2)
        from ssd in Gen.Elements("true", "false", "", "-")
        from tier in Gen.Elements("gold", "silver", "-")
        from tenant in Gen.Elements("-", "-", "-", "tenant-a", "tenant-a,tenant-b")
        from isolated in Gen.Elements(false, false, true)
        from architecture in Gen.Elements<CpuArchitecture?>(CpuArchitecture.X8664, CpuArchitecture.X8664, CpuArchitecture.Aarch64, null)
        from hypervisor in Gen.Elements<HypervisorType?>(HypervisorType.Kvm, HypervisorType.Kvm, HypervisorType.Qemu, null)
        from features in Gen.Elements<string[]>(["sse4_2", "avx2"], ["avx2", "sse4_2"], ["sse4_2", "avx2", "avx512f"], [], ["asimd"])
        from ip in Gen.Choose(-1, 1023)
        from ipv6 in Gen.Elements(false, false, false, true)
        from instances in Gen.Choose(0, 10)
        from maxInstances in Gen.Choose(1, 10)
        from ioOps in Gen.Choose(0, 8)
        from maxIoOps in Gen.Choose(1, 8)
        from multipliers in MultiplierLabelGen
        select MakeHost(
            (vcpus, usedVcpus, cpuRatio), (memoryGb, usedMemoryGb, reservedMb, ramRatio), (diskGb, usedDiskGb), zone, health,
            (ssd, tier, tenant), isolated, (architecture, hypervisor, features), (ip, ipv6), (instances, maxInstances, ioOps, maxIoOps), multipliers);

    private static readonly Gen<string[]> NodeSet = Gen.Elements(Nodes).ArrayOf().Select(a => a.Distinct().ToArray());

    private static readonly Gen<ScheduleRequest> RequestGen =
        from vcpus in Gen.Choose(1, 16)
        from memoryMb in Gen.Elements(256L, 4096L, 16384L, 65536L)
        from diskGb in Gen.Choose(0, 200)
        from ns in Gen.Elements("demo", "tenant-a", "tenant-b")
        from zone in Gen.Elements<string?>(null, "az1", "az2", "az9")
        from specs in Gen.Elements(
            new Dictionary<string, string>(),
            new() { ["aggregate_instance_extra_specs:ssd"] = "true" },
            new() { ["ssd"] = "true", ["tier"] = "<or> gold <or> platinum" },
            new() { ["aggregate_instance_extra_specs:tier"] = "s!= gold" },
            new() { ["capabilities:hypervisor_type"] = "s== kvm", ["capabilities:cpu_info:features"] = "<all-in> avx2 sse4_2" },
            new() { ["capabilities:cpu_info:arch"] = "x86_64", ["capabilities:vcpus_total"] = ">= 16" },
            new() { ["capabilities:free_ram_mb"] = ">= 8192" },
            new() { ["capabilities:host"] = "<or> h1 <or> h3" },
            new() { ["capabilities:no_such_thing"] = "1" })
        from image in Gen.Elements<(string?, CpuArchitecture?, HypervisorType?)>(
            (null, null, null), ("demo/debian", null, null), ("demo/debian", CpuArchitecture.X8664, null),
            ("demo/arm", CpuArchitecture.Aarch64, HypervisorType.Kvm), ("secure/golden", null, HypervisorType.Qemu))
        from policy in Gen.Elements<ServerGroupPolicy?>(null, ServerGroupPolicy.Affinity, ServerGroupPolicy.AntiAffinity, ServerGroupPolicy.SoftAffinity, ServerGroupPolicy.SoftAntiAffinity)
        from members in NodeSet
        from memberCount in Gen.Choose(1, 3)
        from maxPerHost in Gen.Choose(1, 2)
        from hint in Gen.Choose(0, 11)
        from hintNodes in NodeSet
        select MakeRequest(vcpus, memoryMb, diskGb, ns, zone, specs, image, (policy, members, memberCount, maxPerHost), hint, hintNodes);

    [Fact]
    public void Every_filters_batch_form_keeps_exactly_the_hosts_its_predicate_passes()
    {
        var cases = Gen.Zip(Gen.Zip(Gen.NonEmptyListOf(HostGen), RequestGen), Gen.Elements(false, true)).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var ((hosts, request), restrict) = input;
            var states = Name(hosts);
            var table = HostTable.Create(states);
            var options = SchedulerOptions.Default with { IsolatedImages = ["secure/golden"], RestrictIsolatedHostsToIsolatedImages = restrict };
            foreach (var name in FilterRegistry.Names)
            {
                var filter = FilterRegistry.Create(name, options);
                foreach (var form in new[] { filter, filter.ForRequest(request) })
                {
                    if (form is null)
                    {
                        continue;
                    }

                    // Over every host, and over an ascending subset as a later filter sees it.
                    foreach (var input2 in new[] { Enumerable.Range(0, states.Length).ToArray(), Enumerable.Range(0, states.Length).Where(i => i % 3 != 1).ToArray() })
                    {
                        var expected = input2.Where(i => form.HostPasses(states[i], request).Passed).ToArray();
                        var output = new int[input2.Length];
                        var kept = form.FilterHosts(table, input2, output, request);
                        Assert.True(expected.AsSpan().SequenceEqual(output.AsSpan(0, kept)), $"{name} disagrees on {request}: per host [{string.Join(",", expected)}], batch [{string.Join(",", output.Take(kept))}]");
                    }
                }
            }
        }).Check(Runs);
    }

    [Fact]
    public void Every_weighers_batch_form_returns_its_raw_weights()
    {
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), RequestGen).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, request) = input;
            var states = Name(hosts);
            var table = HostTable.Create(states);
            var indexes = Enumerable.Range(0, states.Length).Where(i => i % 4 != 2).ToArray();
            foreach (var weigher in WeigherRegistry.CreateAll(SchedulerOptions.Default))
            {
                var expected = indexes.Select(i => weigher.Weigh(states[i], request)).ToArray();
                var raw = new double[indexes.Length];
                weigher.WeighHosts(table, indexes, raw, request);
                Assert.Equal(expected, raw);

                // The table's multiplier column agrees with the weigher's per-host multiplier.
                var overrides = table.MultiplierOverrides(weigher.MultiplierKey!).ToArray();
                var batch = indexes.Select(i => overrides.Length == 0 || double.IsNaN(overrides[i]) ? weigher.Multiplier : overrides[i]);
                Assert.Equal(indexes.Select(i => weigher.MultiplierFor(states[i])), batch);
            }
        }).Check(Runs);
    }

    [Fact]
    public void The_pipeline_reports_what_novas_ordered_per_host_pipeline_would()
    {
        var options = SchedulerOptions.Default with
        {
            EnabledFilters = [.. FilterRegistry.Names],
            IsolatedImages = ["secure/golden"],
            NumInstancesWeightMultiplier = -1,
        };
        var scheduler = new FilterScheduler(options);
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), RequestGen).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, request) = input;
            var states = Name(hosts);
            var result = scheduler.Select(states, request);
            Assert.Equal(Reference(scheduler.Filters, states, request), result.Filters);
            if (result.Succeeded)
            {
                Assert.True(scheduler.PassesAll(result.Host!, request, out var failed), $"chose {result.HostName}, which {failed} refuses");
            }
        }).Check(Runs);
    }

    [Fact]
    public void The_pipelines_weights_are_novas_per_host_weights_with_aggregate_multipliers()
    {
        var options = SchedulerOptions.Default with
        {
            EnabledFilters = [.. FilterRegistry.Names],
            NumInstancesWeightMultiplier = 0,
            ReportedTopHosts = 1000,
        };
        var scheduler = new FilterScheduler(options);
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), RequestGen).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, request) = input;
            var states = Name(hosts);
            var result = scheduler.Select(states, request);
            if (!result.Succeeded)
            {
                return;
            }

            // nova's weights.py host by host: normalise each weigher's raw values over the survivors, times weight_multiplier(host).
            var survivors = states.Where(h => scheduler.PassesAll(h, request, out _)).ToArray();
            var expected = survivors.ToDictionary(h => h.Name, _ => 0.0);
            foreach (var weigher in WeigherRegistry.CreateAll(options).Where(w => w.AppliesTo(request)))
            {
                var raw = survivors.Select(h => weigher.Weigh(h, request)).ToArray();
                var (min, max) = (raw.Min(), raw.Max());
                for (var i = 0; i < survivors.Length && max > min; i++)
                {
                    expected[survivors[i].Name] += weigher.MultiplierFor(survivors[i]) * ((raw[i] - min) / (max - min));
                }
            }

            Assert.Equal(survivors.Length, result.TopHosts.Count);
            foreach (var (host, weight) in result.TopHosts)
            {
                Assert.True(Math.Abs(expected[host] - weight) < 1e-9, $"{host}: pipeline {weight}, per host {expected[host]}");
            }

            Assert.True(expected[result.HostName!] >= expected.Values.Max() - 1e-9, $"chose {result.HostName} ({expected[result.HostName!]}), best is {expected.Values.Max()}");
        }).Check(Runs);
    }

    [Fact]
    public void A_claim_updates_the_hosts_row_in_the_table()
    {
        var cases = Gen.Zip(Gen.NonEmptyListOf(HostGen), Gen.NonEmptyListOf(RequestGen)).ToArbitrary();
        Prop.ForAll(cases, input =>
        {
            var (hosts, requests) = input;
            var options = SchedulerOptions.Default with { EnabledFilters = [RamFilter.FilterName, CoreFilter.FilterName, DiskFilter.FilterName] };
            var inventory = new HostInventory(options, new AllocationLedger());
            inventory.Load(Name(hosts));
            var scheduler = new FilterScheduler(options, new Random(7));
            var n = 0;
            foreach (var request in requests)
            {
                scheduler.Schedule(inventory, request with { Name = $"vm{n}", Uid = $"uid-{n++}" });
            }

            var table = inventory.Table;
            var fresh = HostTable.Create(inventory.Hosts);
            Assert.Equal(fresh.VcpuRoom.ToArray(), table.VcpuRoom.ToArray());
            Assert.Equal(fresh.MemoryRoomMb.ToArray(), table.MemoryRoomMb.ToArray());
            Assert.Equal(fresh.DiskRoomMb.ToArray(), table.DiskRoomMb.ToArray());
            Assert.Equal(fresh.InstanceRoom.ToArray(), table.InstanceRoom.ToArray());
            Assert.Equal(fresh.IoOpsRoom.ToArray(), table.IoOpsRoom.ToArray());
            Assert.Equal(fresh.FreeRamMb.ToArray(), table.FreeRamMb.ToArray());
            Assert.Equal(fresh.FreeDiskMb.ToArray(), table.FreeDiskMb.ToArray());
            Assert.Equal(fresh.FreeVcpus.ToArray(), table.FreeVcpus.ToArray());
            Assert.Equal(fresh.NumInstances.ToArray(), table.NumInstances.ToArray());
            Assert.Equal(fresh.NumIoOps.ToArray(), table.NumIoOps.ToArray());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void Hosts_that_share_a_name_are_judged_alike()
    {
        HostState[] hosts = [Host("twin"), Host("other"), Host("twin")];
        var table = HostTable.Create(hosts);
        var output = new int[3];
        Assert.Equal(1, new DifferentHostFilter().FilterHosts(table, [0, 1, 2], output, Request().DifferentHostFrom("twin")));
        Assert.Equal(2, new SameHostFilter().FilterHosts(table, [0, 1, 2], output, Request().SameHostAs("twin")));
        Assert.Equal([0, 2], output.Take(2));
        var raw = new double[3];
        new ServerGroupSoftAffinityWeigher(1).WeighHosts(table, [0, 1, 2], raw, Request().InGroup(ServerGroupPolicy.SoftAffinity, new() { ["twin"] = 2 }));
        Assert.Equal([2.0, 0.0, 2.0], raw);
    }

    /// <summary>nova's filters.py, host by host: each enabled filter over the survivors of the ones before it, stopping at zero.</summary>
    private static List<FilterStep> Reference(IReadOnlyList<IHostFilter> filters, HostState[] hosts, ScheduleRequest request)
    {
        var steps = new List<FilterStep>();
        IReadOnlyList<HostState> survivors = hosts;
        foreach (var filter in filters)
        {
            var prepared = filter.ForRequest(request);
            var before = survivors.Count;
            string? sample = null;
            if (prepared is not null)
            {
                var kept = new List<HostState>();
                foreach (var host in survivors)
                {
                    var verdict = prepared.HostPasses(host, request);
                    if (verdict.Passed)
                    {
                        kept.Add(host);
                    }
                    else
                    {
                        sample ??= verdict.Reason;
                    }
                }

                survivors = kept;
            }

            steps.Add(new FilterStep(filter.Name, before, survivors.Count, prepared is null, sample));
            if (survivors.Count == 0)
            {
                break;
            }
        }

        return steps;
    }

    private static HostState[] Name(IEnumerable<HostState> hosts) => [.. hosts.Select((h, i) => h with { Name = $"h{i}" })];

    private static HostState MakeHost(
        (int Total, int Used, double Ratio) cpu,
        (int TotalGb, int UsedGb, long ReservedMb, double Ratio) memory,
        (int TotalGb, int UsedGb) disk,
        string zone,
        int health,
        (string Ssd, string Tier, string Tenant) labels,
        bool isolated,
        (CpuArchitecture? Architecture, HypervisorType? Hypervisor, string[] Features) cpuInfo,
        (int Number, bool V6) ip,
        (int Instances, int MaxInstances, int IoOps, int MaxIoOps) load,
        (string Label, string Value)[] multipliers)
    {
        var host = Host("h").InZone(zone)
            .WithVcpus(cpu.Total, used: cpu.Used, ratio: cpu.Ratio)
            .WithMemory(memory.TotalGb * 1024L, usedMb: memory.UsedGb * 1024L, reservedMb: memory.ReservedMb, ratio: memory.Ratio)
            .WithDisk(disk.TotalGb * 1024L, usedMb: disk.UsedGb * 1024L)
            .WithCpu("Skylake-Server", "Intel", cpuInfo.Architecture, cpuInfo.Features)
            .WithHypervisorType(cpuInfo.Hypervisor)
            .WithInstances(load.Instances, load.MaxInstances)
            .WithIoOps(load.IoOps, load.MaxIoOps);
        if (labels.Ssd != "-")
        {
            host.WithLabel("ssd", labels.Ssd);
        }

        if (labels.Tier != "-")
        {
            host.WithLabel("tier", labels.Tier);
        }

        foreach (var (label, value) in multipliers)
        {
            host.WithLabel(label, value);
        }

        if (labels.Tenant != "-")
        {
            host.WithLabel(HostStateFactory.TenantLabel, labels.Tenant);
        }

        if (health == 1)
        {
            host.Disabled();
        }
        else if (health == 2)
        {
            host.NotReady();
        }

        if (isolated)
        {
            host.Isolated();
        }

        if (ip.Number >= 0)
        {
            host.WithTunnelIP(ip.V6 ? $"fd00::{ip.Number:x}" : $"10.0.{ip.Number / 256}.{ip.Number % 256}");
        }

        return host;
    }

    private static ScheduleRequest MakeRequest(
        int vcpus,
        long memoryMb,
        int diskGb,
        string ns,
        string? zone,
        Dictionary<string, string> specs,
        (string? Key, CpuArchitecture? Architecture, HypervisorType? Hypervisor) image,
        (ServerGroupPolicy? Policy, string[] Members, int Count, int MaxPerHost) group,
        int hint,
        string[] hintNodes)
    {
        var request = Request("vm1", ns).WithResources(vcpus, memoryMb, diskGb * 1024L);
        if (zone is not null)
        {
            request.InZone(zone);
        }

        foreach (var (key, value) in specs)
        {
            request.WithExtraSpec(key, value);
        }

        if (image.Key is not null)
        {
            request.WithImage(image.Key, image.Architecture, image.Hypervisor);
        }

        if (group.Policy is { } policy)
        {
            request.InGroup(policy, group.Members.ToDictionary(m => m, _ => group.Count), group.MaxPerHost);
        }

        switch (hint)
        {
            case 1:
                request.SameHostAs(hintNodes);
                break;
            case 2:
                request.DifferentHostFrom(hintNodes);
                break;
            case 3:
                request.Tried(hintNodes);
                break;
            case 4:
                request.WithQuery("[\"and\", [\">=\", \"$free_ram_mb\", 4096], [\"=\", \"$hypervisor_type\", \"kvm\"]]");
                break;
            case 5:
                request.BuildNear("10.0.1.7", 23);
                break;
            case 6:
                request.WithQuery("[\"or\", [\"<\", \"$num_instances\", 3], [\"in\", \"$availability_zone\", \"az1\", \"az3\"]]");
                break;
            case 7:
                request.BuildNear("fd00::1", 120);
                break;
            case 8:
                request.WithQuery("[\"not\", [\"=\", \"$hypervisor_type\", \"qemu\"], [\">\", \"$vcpus_used\", 20]]");
                break;
            case 9:
                request.WithQuery("[\"and\", [\"<=\", \"$free_disk_mb\", \"$free_ram_mb\", 300000], [\">=\", \"$num_io_ops\", 2], [\"or\", [\"=\", \"$host\", \"h1\", \"h2\"], [\"in\", \"$cpu_info:arch\", \"aarch64\"], true]]");
                break;
            case 10:
                request.BuildNear("10.0.2.1", 0);
                break;
            case 11:
                request.WithQuery("[\">\", \"$cpu_allocation_ratio\", 1]");
                break;
        }

        return request;
    }
}
