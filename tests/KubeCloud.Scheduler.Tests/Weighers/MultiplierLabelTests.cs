using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Tests.Fixtures;
using KubeCloud.Scheduler.Weighers;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Weighers;

/// <summary>A named row: a host's labels, and the multipliers (by nova key) and number of warnings they give.</summary>
public sealed record MultiplierLabelCase(string Name, Dictionary<string, string> Labels, Dictionary<string, double> Multipliers, int Warnings)
{
    public override string ToString() => Name;
}

public sealed class MultiplierLabelTests
{
    private const string Ram = "kubecloud.io/ram-weight-multiplier";

    public static TheoryData<string, double?> Values => new()
    {
        { "2", 2.0 },
        { "0.5", 0.5 },
        { "0", 0.0 },
        { "neg1.0", -1.0 },
        { "-1.5", -1.5 },
        { "+2", 2.0 },
        { "abc", null },
        { "1e3", null },
        { "NaN", null },
        { "Infinity", null },
        { "1,5", null },
        { " 1", null },
        { "", null },
        { "neg-1", null },
        { "--1", null },
        { "1.", null },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_label_value_is_a_plain_decimal_number(string text, double? expected)
    {
        var parsed = WeightMultiplierLabels.TryParse(text, out var value);
        Assert.Equal(expected is not null, parsed);
        Assert.Equal(expected ?? 0, value);
    }

    public static TheoryData<MultiplierLabelCase> Labels => new()
    {
        new MultiplierLabelCase("no multiplier labels", new() { ["ssd"] = "true", ["kubecloud.io/filter-tenant-id"] = "demo" }, [], 0),
        new MultiplierLabelCase("one aggregate", new() { [Ram] = "neg1.0" }, new() { ["ram_weight_multiplier"] = -1.0 }, 0),
        new MultiplierLabelCase("several aggregates: the smallest wins", new() { [Ram] = "2", [Ram + ".gpu-pool"] = "0.5", [Ram + ".fast"] = "3" }, new() { ["ram_weight_multiplier"] = 0.5 }, 0),
        new MultiplierLabelCase("one bad value: the configured one, as nova", new() { [Ram] = "2", [Ram + ".gpu-pool"] = "lots" }, [], 1),
        new MultiplierLabelCase("a bad value spoils only its own weigher", new() { [Ram] = "lots", ["kubecloud.io/cpu-weight-multiplier"] = "neg2" }, new() { ["cpu_weight_multiplier"] = -2.0 }, 1),
        new MultiplierLabelCase("every weigher has a label", new()
        {
            ["kubecloud.io/cpu-weight-multiplier"] = "1", ["kubecloud.io/disk-weight-multiplier"] = "2", ["kubecloud.io/io-ops-weight-multiplier"] = "3",
            ["kubecloud.io/num-instances-weight-multiplier"] = "4", ["kubecloud.io/soft-affinity-weight-multiplier"] = "5", ["kubecloud.io/soft-anti-affinity-weight-multiplier"] = "6",
        }, new()
        {
            ["cpu_weight_multiplier"] = 1, ["disk_weight_multiplier"] = 2, ["io_ops_weight_multiplier"] = 3,
            ["num_instances_weight_multiplier"] = 4, ["soft_affinity_weight_multiplier"] = 5, ["soft_anti_affinity_weight_multiplier"] = 6,
        }, 0),
        new MultiplierLabelCase("an unknown multiplier is named in a warning", new() { ["kubecloud.io/gpu-weight-multiplier"] = "2" }, [], 1),
        new MultiplierLabelCase("a longer label name is not a multiplier", new() { [Ram + "s"] = "2", ["example.com/ram-weight-multiplier"] = "2" }, [], 0),
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void Labels_give_per_host_multipliers(MultiplierLabelCase c)
    {
        var warnings = new List<string>();
        var multipliers = WeightMultiplierLabels.Read("h1", c.Labels, warnings);
        Assert.Equal(c.Multipliers.OrderBy(p => p.Key), multipliers.OrderBy(p => p.Key));
        Assert.True(c.Warnings == warnings.Count, $"{c.Name}: {string.Join(" | ", warnings)}");
        Assert.All(warnings, w => Assert.Contains("host h1: label kubecloud.io/", w, StringComparison.Ordinal));
    }

    public static TheoryData<string, string?, string?, string> Winners => new()
    {
        // a: 65536 MiB free, b: 32768, c: 16384; configured RAM multiplier 1 spreads.
        { "no labels: most free RAM", null, null, "a" },
        { "a and c stack, b keeps the default: b", "neg1.0", "neg1.0", "b" },
        { "a switched off (0): b", "0", null, "b" },
        { "a stacks, c keeps the default: b", "neg1.0", null, "b" },
        { "c's label is not a number: the default, so a", null, "oops", "a" },
    };

    [Theory]
    [MemberData(nameof(Winners))]
    public void The_host_multiplier_scales_its_normalised_weight(string name, string? onA, string? onC, string winner)
    {
        var scheduler = new FilterScheduler(SchedulerOptions.Default, Array.Empty<IHostFilter>(), [new RAMWeigher(1.0)]);
        var a = Host("a").WithMemory(65536);
        var c = Host("c").WithMemory(16384);
        if (onA is not null)
        {
            a.WithLabel(Ram, onA);
        }

        if (onC is not null)
        {
            c.WithLabel(Ram, onC);
        }

        var result = scheduler.Select([a, Host("b").WithMemory(32768), c], Request());
        Assert.True(winner == result.HostName, $"{name}: {result.Explain()}");
    }

    [Fact]
    public void A_weigher_configured_at_0_runs_where_a_label_gives_it_a_multiplier()
    {
        var options = SchedulerOptions.Default with { EnabledFilters = [] };
        var scheduler = new FilterScheduler(options, Array.Empty<IHostFilter>(), WeigherRegistry.CreateAll(options with { RamWeightMultiplier = 0, CpuWeightMultiplier = 0, DiskWeightMultiplier = 0, IoOpsWeightMultiplier = 0 }));
        HostState busy = Host("busy").WithInstances(9);
        HostState idle = Host("idle").WithInstances(1);
        Assert.Equal("busy", scheduler.Select([busy, idle], Request()).HostName);
        const string label = "kubecloud.io/num-instances-weight-multiplier";
        var result = scheduler.Select([Host("busy").WithInstances(9).WithLabel(label, "neg1"), Host("idle").WithInstances(1).WithLabel(label, "neg1")], Request());
        Assert.Equal("idle", result.HostName);
        Assert.Equal(new WeighedHost("busy", -1.0), result.TopHosts[1]);
    }

    [Fact]
    public void Hypervisor_labels_set_multipliers_and_a_bad_one_is_a_warning_not_a_crash()
    {
        var good = ApiObjects.Hypervisor("h1");
        good.Metadata.Labels![Ram] = "neg1.0";
        var bad = ApiObjects.Hypervisor("h2");
        bad.Metadata.Labels![Ram] = "-1,0";
        var inventory = new HostInventory(SchedulerOptions.Default, new AllocationLedger(), new ApiObjects.FixedTime(ApiObjects.Now));

        inventory.Refresh([good, bad]);

        Assert.Equal(-1.0, ((IHostWeigher)new RAMWeigher(1.0)).MultiplierFor(inventory.Find("h1")!));
        Assert.Equal(1.0, ((IHostWeigher)new RAMWeigher(1.0)).MultiplierFor(inventory.Find("h2")!));
        var warning = Assert.Single(inventory.Warnings);
        Assert.Contains("host h2: label kubecloud.io/ram-weight-multiplier=\"-1,0\" is not a number", warning, StringComparison.Ordinal);
        Assert.Contains("using the configured ram_weight_multiplier", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Hypervisor_annotations_take_negative_values_as_they_are_and_join_the_labels_smallest_wins()
    {
        var annotated = ApiObjects.Hypervisor("h1");
        (annotated.Metadata.Annotations ??= new Dictionary<string, string>())[Ram] = "-1.0";
        var both = ApiObjects.Hypervisor("h2");
        both.Metadata.Labels![Ram + ".gpu-pool"] = "2";
        (both.Metadata.Annotations ??= new Dictionary<string, string>())[Ram] = "0.5";
        var inventory = new HostInventory(SchedulerOptions.Default, new AllocationLedger(), new ApiObjects.FixedTime(ApiObjects.Now));

        inventory.Refresh([annotated, both]);

        Assert.Equal(-1.0, ((IHostWeigher)new RAMWeigher(1.0)).MultiplierFor(inventory.Find("h1")!));
        Assert.Equal(0.5, ((IHostWeigher)new RAMWeigher(1.0)).MultiplierFor(inventory.Find("h2")!));
        Assert.Empty(inventory.Warnings);
    }
}
