using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator.Tests.Volumes;

public sealed class CapacityFilterTests
{
    private static StorageBackend Backend(double? total = 100, double? free = 100, double provisioned = 0, double reserved = 0, bool thin = false, double ratio = 20) => new()
    {
        Name = "storage-1",
        TotalCapacityGb = total,
        FreeCapacityGb = free,
        ProvisionedCapacityGb = provisioned,
        ReservedPercentage = reserved,
        ThinProvisioningSupport = thin,
        MaxOverSubscriptionRatio = ratio,
    };

    private static readonly Dictionary<string, (StorageBackend Backend, double Size, bool Thick, string? Reason)> Cases = new()
    {
        ["thick: fits exactly"] = (Backend(free: 10), 10, false, null),
        ["thick: too big"] = (Backend(free: 9), 10, false, "insufficient free space (requested 10 GiB, available 9 GiB after 0% reserved)"),
        ["thick: reserved percentage leaves too little"] = (Backend(total: 100, free: 20, reserved: 15), 10, false, "insufficient free space (requested 10 GiB, available 5 GiB after 15% reserved)"),
        ["thick: reserved is floored as cinder does"] = (Backend(total: 99, free: 24, reserved: 15), 10, false, null),
        ["unknown free capacity passes"] = (Backend(free: null), 1000, false, null),
        ["unknown total with nothing reserved passes"] = (Backend(total: null, free: 5), 10, false, null),
        ["unknown total with a reservation fails"] = (Backend(total: null, free: 500, reserved: 10), 10, false, "cannot reserve 10% of an unknown total capacity"),
        ["zero total fails"] = (Backend(total: 0, free: 0), 1, false, "total capacity is 0 GiB"),
        ["thin: over-subscribed within the ratio"] = (Backend(total: 100, free: 10, provisioned: 500, thin: true, ratio: 20), 100, false, null),
        ["thin: past the ratio"] = (Backend(total: 100, free: 90, provisioned: 1950, thin: true, ratio: 20), 100, false, "provisioned capacity over total would be 20.5, above the maximum over-subscription ratio 20"),
        ["thin: virtual free too small"] = (Backend(total: 100, free: 2, provisioned: 0, thin: true, ratio: 2), 10, false, "insufficient free virtual space (4 GiB) for a thin 10 GiB volume"),
        ["thin: ratio below 1 is invalid"] = (Backend(thin: true, ratio: 0.5), 1, false, "invalid maxOverSubscriptionRatio 0.5 (it must be at least 1)"),
        ["thin backend, thick volume: real free counts"] = (Backend(total: 100, free: 5, provisioned: 0, thin: true), 10, true, "insufficient free space (requested 10 GiB, available 5 GiB after 0% reserved)"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Passes_or_fails_with_cinders_arithmetic(string name)
    {
        var (backend, size, thick, reason) = Cases[name];
        var result = new CapacityFilter().BackendPasses(backend, new VolumePlacementRequest("p1/v", size, Thick: thick));
        Assert.Equal(reason is null, result.Passed);
        Assert.Equal(reason, result.Reason);
    }
}
