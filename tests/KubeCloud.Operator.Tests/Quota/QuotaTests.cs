using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Quota;

public sealed class QuotaTests
{
    private static readonly Flavor Small = Flavor("m1.small", 1, "1Gi");
    private static readonly Flavor Large = Flavor("m1.large", 4, "8Gi");

    private static Flavor? FlavorOf(string name) => name switch
    {
        "m1.small" => Small,
        "m1.large" => Large,
        _ => null,
    };

    [Fact]
    public void Usage_is_counted_from_the_objects()
    {
        var scheduled = Server("p1", "a", "m1.small", configure: null);
        scheduled.Status = new ServerStatus { Flavor = new FlavorSnapshot { Name = "m1.large", Vcpus = 4, Memory = Quantity.Parse("8Gi") } };
        var pending = Server("p1", "b", "m1.small");
        var resizing = Server("p1", "c", "m1.large");
        resizing.Status = new ServerStatus
        {
            Flavor = new FlavorSnapshot { Name = "m1.large", Vcpus = 4, Memory = Quantity.Parse("8Gi") },
            Resize = new ServerResize { SourceNode = "n1", OldFlavor = new FlavorSnapshot { Name = "m1.small", Vcpus = 1, Memory = Quantity.Parse("1Gi") } },
        };
        var flavorGone = Server("p1", "d", "deleted-flavor");
        var deleting = Server("p1", "e", "m1.small");
        deleting.Metadata.DeletionTimestamp = DateTime.UnixEpoch;
        var grown = Volume("p1", "v2", "5Gi", v => v.Status = new VolumeStatus { Capacity = Quantity.Parse("6Gi") });
        var objects = new ProjectObjects(
            [scheduled, pending, resizing, flavorGone, deleting],
            [Volume("p1", "v1", "10Gi"), grown],
            [Network("p1", "n1")],
            [Port("p1", "port1", "n1"), Port("p1", "port2", "n1")],
            [Group("p1", "g1")]);

        var used = ProjectUsageCounter.Count(objects, FlavorOf);

        Assert.Equal(5, used.Servers);
        Assert.Equal(4 + 1 + 4 + 1 + 0 + 1, used.Vcpus);
        Assert.Equal(Quantity.Parse("19Gi"), used.Memory);
        Assert.Equal(2, used.Volumes);
        Assert.Equal(Quantity.Parse("16Gi"), used.VolumeStorage);
        Assert.Equal(1, used.Networks);
        Assert.Equal(2, used.Ports);
        Assert.Equal(1, used.ServerGroups);
        Assert.Equal(5, used.ToAmounts().Servers);
    }

    [Theory]
    [InlineData("vcpus over", 2, 6, 3, "quota exceeded for vcpus: limit 8, used 6, requested 3")]
    [InlineData("vcpus exactly at the limit", 0, 6, 2, null)]
    [InlineData("already over, asking nothing", 0, 10, 0, null)]
    public void Has_room_names_the_resource_limit_usage_and_request(string name, int servers, int usedVcpus, int requestedVcpus, string? message)
    {
        Assert.NotNull(name);
        var hard = new QuotaAmounts { Vcpus = 8, Servers = 10 };
        var excess = QuotaCheck.Exceeded(hard, new QuotaUsage { Vcpus = usedVcpus, Servers = servers }, new QuotaUsage { Vcpus = requestedVcpus });
        Assert.Equal(message, excess.SingleOrDefault()?.Message);
    }

    [Fact]
    public void Quantities_and_every_resource_are_checked_and_unset_limits_are_unlimited()
    {
        var hard = new QuotaAmounts { Memory = Quantity.Parse("4Gi"), VolumeStorage = Quantity.Parse("100Gi"), Ports = 2 };
        var used = new QuotaUsage { Memory = Quantity.Parse("3Gi"), VolumeStorage = Quantity.Parse("95Gi"), Ports = 2, Servers = 1000 };
        var requested = new QuotaUsage { Memory = Quantity.Parse("2Gi"), VolumeStorage = Quantity.Parse("10Gi"), Ports = 1, Servers = 1 };
        Assert.Equal(
            ["quota exceeded for memory: limit 4Gi, used 3Gi, requested 2Gi", "quota exceeded for volumeStorage: limit 100Gi, used 95Gi, requested 10Gi", "quota exceeded for ports: limit 2, used 2, requested 1"],
            QuotaCheck.Exceeded(hard, used, requested).Select(e => e.Message));
    }

    [Fact]
    public void Server_group_members_have_their_own_limit()
    {
        Assert.Equal("quota exceeded for serverGroupMembers: limit 3, used 3, requested 1", QuotaCheck.GroupMembers(new QuotaAmounts { ServerGroupMembers = 3 }, 3, 1)!.Message);
        Assert.Null(QuotaCheck.GroupMembers(new QuotaAmounts(), 300, 1));
    }

    [Theory]
    [InlineData("under every limit", 2, "3Gi", new string[0])]
    [InlineData("exactly at the limits", 4, "4Gi", new string[0])]
    [InlineData("a limit lowered under the usage", 5, "6Gi", new[] { "vcpus over quota: limit 4, used 5", "memory over quota: limit 4Gi, used 6Gi" })]
    public void Over_names_each_resource_already_past_its_limit(string name, int usedVcpus, string usedMemory, string[] messages)
    {
        Assert.NotNull(name);
        var hard = new QuotaAmounts { Vcpus = 4, Memory = Quantity.Parse("4Gi") };
        var used = new QuotaUsage { Vcpus = usedVcpus, Memory = Quantity.Parse(usedMemory), Servers = 1000 };
        Assert.Equal(messages, QuotaCheck.Over(hard, used).Select(e => e.Message));
    }
}
