using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Networking;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Networking;

public sealed class SegmentationIdAllocatorTests
{
    private static Network Net(string name, int? requested = null, int? inStatus = null, ProviderType type = ProviderType.Vxlan) =>
        Network("p1", name, spec =>
        {
            spec.SegmentationId = requested;
            spec.ProviderType = type;
        }) is var n && inStatus is not null ? WithStatus(n, inStatus.Value) : n;

    private static Network WithStatus(Network network, int vni)
    {
        network.Status = new NetworkStatus { SegmentationId = vni };
        return network;
    }

    [Fact]
    public void Hands_out_each_vni_of_the_range_once_then_refuses_naming_the_range()
    {
        var allocator = new SegmentationIdAllocator(100, 102);
        var vnis = Enumerable.Range(0, 3).Select(i => allocator.Allocate(Net($"n{i}")).SegmentationId).ToList();
        Assert.Equal([100, 101, 102], vnis);
        var refused = allocator.Allocate(Net("n3"));
        Assert.False(refused.Succeeded);
        Assert.Equal("status.segmentationId: no VNI left in the range 100-102 (3 in use); widen the operator's VNI range", refused.Refusal);
    }

    [Fact]
    public void Is_idempotent_per_network_and_frees_on_release()
    {
        var allocator = new SegmentationIdAllocator(100, 101);
        var a = Net("a");
        Assert.Equal(100, allocator.Allocate(a).SegmentationId);
        Assert.Equal(100, allocator.Allocate(a).SegmentationId);
        Assert.True(allocator.Release(a.Metadata.Uid!));
        Assert.False(allocator.Release(a.Metadata.Uid!));
        Assert.Equal(0, allocator.Count);
    }

    [Fact]
    public void Honours_a_requested_vni_and_refuses_one_that_is_taken()
    {
        var allocator = new SegmentationIdAllocator(100, 200);
        Assert.Equal(5000, allocator.Allocate(Net("admin-net", requested: 5000)).SegmentationId);
        var refused = allocator.Allocate(Net("other", requested: 5000));
        Assert.Equal("spec.segmentationId: VNI 5000 is already used by network p1/admin-net", refused.Refusal);
    }

    [Fact]
    public void Rebuild_restores_every_network_and_reports_duplicates_to_the_younger()
    {
        var older = Net("older", inStatus: 150);
        var requested = Net("requested", requested: 7000);
        var younger = Net("younger", inStatus: 150);
        var vlan = Net("vlan", requested: 150, type: ProviderType.Vlan);
        var allocator = SegmentationIdAllocator.Rebuild(100, 200, [younger, vlan, requested, older], out var conflicts);

        Assert.Equal(older.Metadata.Uid, allocator.HolderOf(150));
        Assert.Equal(requested.Metadata.Uid, allocator.HolderOf(7000));
        Assert.Equal(["younger"], conflicts.Select(c => c.Metadata.Name));
        Assert.Equal(150, allocator.Allocate(older).SegmentationId);
        Assert.NotEqual(150, allocator.Allocate(Net("new")).SegmentationId);
    }

    [Fact]
    public void Concurrent_allocations_never_share_a_vni()
    {
        var allocator = new SegmentationIdAllocator(1, 1000);
        var networks = Enumerable.Range(0, 1000).Select(i => Net($"n{i}")).ToArray();
        var vnis = new int?[networks.Length];
        Parallel.For(0, networks.Length, i => vnis[i] = allocator.Allocate(networks[i]).SegmentationId);
        Assert.All(vnis, v => Assert.NotNull(v));
        Assert.Equal(networks.Length, vnis.Distinct().Count());
    }
}
