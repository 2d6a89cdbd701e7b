using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator.Tests.Volumes;

public sealed class VolumeSchedulerTests
{
    private static StorageBackend Backend(string name, double free, double total = 1000, string[]? types = null, bool ready = true, bool disabled = false) => new()
    {
        Name = name,
        TotalCapacityGb = total,
        FreeCapacityGb = free,
        ProvisionedCapacityGb = total - free,
        ThinProvisioningSupport = false,
        VolumeTypes = new HashSet<string>(types ?? [], StringComparer.Ordinal),
        Ready = ready,
        Disabled = disabled,
    };

    private static readonly VolumeScheduler Default = new(new VolumeSchedulerOptions());

    [Fact]
    public void Spreads_to_the_backend_with_most_free_capacity_by_default()
    {
        var placement = Default.Place([Backend("a", 100), Backend("b", 400), Backend("c", 250)], new VolumePlacementRequest("p1/v", 10));
        Assert.Equal("b", placement.Backend!.Name);
        Assert.Equal(["b", "c", "a"], placement.TopBackends.Select(t => t.Host));
    }

    [Fact]
    public void A_negative_multiplier_stacks_onto_the_fullest_backend_that_fits()
    {
        var stacking = new VolumeScheduler(new VolumeSchedulerOptions { CapacityWeightMultiplier = -1 });
        var placement = stacking.Place([Backend("a", 100), Backend("b", 400), Backend("tiny", 5)], new VolumePlacementRequest("p1/v", 10));
        Assert.Equal("a", placement.Backend!.Name);
    }

    [Fact]
    public void Consuming_the_winner_moves_the_next_volume_elsewhere()
    {
        var backends = new List<StorageBackend> { Backend("a", 300), Backend("b", 290) };
        var first = Default.Place(backends, new VolumePlacementRequest("p1/v1", 20));
        Assert.Equal("a", first.Backend!.Name);
        backends[0] = first.Backend.Consume(20);
        Assert.Equal("b", Default.Place(backends, new VolumePlacementRequest("p1/v2", 20)).Backend!.Name);
    }

    [Fact]
    public void An_unknown_capacity_weighs_last_when_spreading_without_flattening_the_others()
    {
        var unknown = Backend("unknown", 0) with { FreeCapacityGb = null, TotalCapacityGb = null };
        var placement = Default.Place([unknown, Backend("a", 100), Backend("b", 101)], new VolumePlacementRequest("p1/v", 10));
        Assert.Equal(["b", "a", "unknown"], placement.TopBackends.Select(t => t.Host));
    }

    [Fact]
    public void No_valid_backend_says_which_filter_removed_how_many()
    {
        var placement = Default.Place(
            [Backend("down", 500, ready: false), Backend("off", 500, disabled: true), Backend("ssd", 3, types: ["ssd"]), Backend("full", 5), Backend("full2", 1)],
            new VolumePlacementRequest("p1/v", 10));
        Assert.False(placement.Succeeded);
        Assert.Equal("No valid backend was found. There are not enough hosts available. 5 hosts: BackendStateFilter removed 2, CapacityFilter removed 3.", placement.FaultMessage);
        Assert.StartsWith("BackendStateFilter removed 2 of 5 (e.g. backend's storage daemon is not reporting); CapacityFilter removed 3 of 3 (e.g. insufficient free space", placement.FaultDetails);
    }

    [Fact]
    public void A_typed_volume_goes_only_to_backends_serving_the_type()
    {
        var placement = Default.Place([Backend("big", 900), Backend("ssd", 100, types: ["ssd"])], new VolumePlacementRequest("p1/v", 10, "ssd"));
        Assert.Equal("ssd", placement.Backend!.Name);
        Assert.Equal(new KubeCloud.Scheduler.FilterStep(VolumeTypeFilter.FilterName, 2, 1, false, "backend does not serve volume type ssd"), placement.Filters[1]);
    }

    [Fact]
    public void Provisioned_capacity_is_counted_from_the_volumes_placed_on_each_backend()
    {
        var onA = Fixtures.Build.Volume("p1", "v1", "10Gi", v => v.Status = new() { BackendNode = "a" });
        var grown = Fixtures.Build.Volume("p1", "v2", "5Gi", v => v.Status = new() { BackendNode = "a", Capacity = KubeCloud.Api.Quantity.Parse("8Gi") });
        var onB = Fixtures.Build.Volume("p2", "v3", "1500Mi", v => v.Status = new() { BackendNode = "b" });
        var unplaced = Fixtures.Build.Volume("p1", "v4", "100Gi");
        var totals = ProvisionedCapacity.ByBackend([onA, grown, onB, unplaced]);
        Assert.Equal(18, totals["a"]);
        Assert.Equal(2, totals["b"]);
        Assert.Equal(2, totals.Count);
    }
}
