using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Tests.Fixtures;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Admission;

/// <summary>Good requests pass, and the webhook asks the authorizer exactly the questions it should.</summary>
public sealed class AdmissionAcceptTests
{
    private static readonly AdmissionCaller Bob = Callers.Member;

    private static ServerNetwork OnNetwork(string name, string? ns = null, string? fixedIP = null) =>
        new() { NetworkRef = new NamespacedObjectReference { Name = name, Namespace = ns }, FixedIP = fixedIP };

    [Fact]
    public async Task A_member_creates_a_full_server_in_their_project_without_any_access_question()
    {
        var world = new AdmissionWorld(QuotaOf("p1", q => { q.Servers = 10; q.Vcpus = 10; q.Memory = Quantity.Parse("10Gi"); }));
        var server = Server("p1", "vm", configure: s =>
        {
            s.Networks = [OnNetwork("net", fixedIP: "10.0.0.77"), OnNetwork("shared-net", "p2"), new ServerNetwork { PortRef = new LocalObjectReference { Name = "port-a" } }];
            s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "data" } }, new ServerVolume { VolumeRef = new LocalObjectReference { Name = "shared-disk" } }];
            s.SchedulerHints = new SchedulerHints { ServerGroup = "group" };
        });

        var verdict = await world.ValidateAsync(AdmissionRequest.Create(server, Bob));

        Assert.True(verdict.Allowed, verdict.Message);
        Assert.Empty(world.Authorizer.Asked);
    }

    [Theory]
    [InlineData("a bigger root disk", "m1.large", null)]
    [InlineData("a revert of an open resize to the old, smaller flavor", "m1.small", "m1.small")]
    public async Task A_resize_that_does_not_shrink_the_root_disk_passes(string name, string to, string? openResizeFrom)
    {
        Assert.NotNull(name);
        var world = new AdmissionWorld();
        var held = openResizeFrom is null ? ("m1.small", "10Gi") : ("m1.large", "80Gi");
        var old = Server("p1", "vm");
        old.Status = new ServerStatus
        {
            Flavor = new FlavorSnapshot { Name = held.Item1, Vcpus = 1, Memory = Quantity.Parse("1Gi"), RootDisk = Quantity.Parse(held.Item2) },
            Resize = openResizeFrom is null ? null : new ServerResize { OldFlavor = new FlavorSnapshot { Name = openResizeFrom, Vcpus = 1, Memory = Quantity.Parse("1Gi"), RootDisk = Quantity.Parse("10Gi") } },
        };
        var changed = Server("p1", "vm");
        changed.Spec.FlavorRef.Name = to;

        var verdict = await world.ValidateAsync(AdmissionRequest.Update(changed, old, Bob));

        Assert.True(verdict.Allowed, verdict.Message);
    }

    [Theory]
    [InlineData("public image of another project", "public-img")]
    [InlineData("image shared with this project", "shared-with-p1")]
    public async Task Public_and_shared_images_need_no_grant(string name, string image)
    {
        Assert.NotNull(name);
        var world = new AdmissionWorld();
        var server = Server("p1", "vm", configure: s => s.ImageRef = new NamespacedObjectReference { Name = image, Namespace = "p2" });
        Assert.True((await world.ValidateAsync(AdmissionRequest.Create(server, Bob))).Allowed);
        Assert.Empty(world.Authorizer.Asked);
    }

    [Fact]
    public async Task The_verb_use_in_the_other_project_opens_its_private_network_and_image()
    {
        var world = new AdmissionWorld();
        world.Authorizer.Grant("bob", "use", "networks", "p2").Grant("bob", "use", "images", "p2");
        var server = Server("p1", "vm", configure: s =>
        {
            s.ImageRef = new NamespacedObjectReference { Name = "secret", Namespace = "p2" };
            s.Networks = [OnNetwork("private-net", "p2")];
        });

        var verdict = await world.ValidateAsync(AdmissionRequest.Create(server, Bob));

        Assert.True(verdict.Allowed, verdict.Message);
        Assert.Equal(
            [new AccessQuestion("use", "images", "p2", "secret"), new AccessQuestion("use", "networks", "p2", "private-net")],
            world.Authorizer.Asked);
    }

    [Fact]
    public async Task Admins_may_force_a_node_use_private_flavors_and_set_provider_fields()
    {
        var world = new AdmissionWorld();
        var server = Server("p1", "vm", "gpu", configure: s => s.ForceNode = "node-7");
        Assert.True((await world.ValidateAsync(AdmissionRequest.Create(server, Callers.Admin))).Allowed);
        Assert.Contains(new AccessQuestion("create", "servers", "p1", null, "forcenode"), world.Authorizer.Asked);

        var provider = Network("admin", "physnet-2", n => { n.ProviderType = ProviderType.Vlan; n.PhysicalNetwork = "physnet2"; n.SegmentationId = 100; n.Shared = true; }, Subnet("s", "198.51.100.0/24"));
        var verdict = await world.ValidateAsync(AdmissionRequest.Create(provider, Callers.Admin));
        Assert.True(verdict.Allowed, verdict.Message);
    }

    [Fact]
    public async Task A_segmentation_id_taken_in_the_same_segment_space_is_refused_even_for_admins()
    {
        var world = new AdmissionWorld();
        var vlan = Network("admin", "again", n => { n.ProviderType = ProviderType.Vlan; n.PhysicalNetwork = "physnet1"; n.SegmentationId = 100; }, Subnet("s", "198.51.100.0/24"));
        var vxlan = Network("admin", "vx", n => n.SegmentationId = 5001, Subnet("s", "198.51.101.0/24"));

        var refusedVlan = await world.ValidateAsync(AdmissionRequest.Create(vlan, Callers.Admin));
        var refusedVxlan = await world.ValidateAsync(AdmissionRequest.Create(vxlan, Callers.Admin));

        Assert.Equal("spec.segmentationId: segmentation ID 100 is already used by vlan network admin/provider-net", refusedVlan.Message);
        Assert.Equal("spec.segmentationId: segmentation ID 5001 is already used by vxlan network p2/vxlan-net", refusedVxlan.Message);
    }

    [Fact]
    public async Task A_private_flavor_is_usable_by_the_projects_it_lists()
    {
        var world = new AdmissionWorld(Image("p3", "debian"));
        var verdict = await world.ValidateAsync(AdmissionRequest.Create(Server("p3", "vm", "gpu"), Bob));
        Assert.True(verdict.Allowed, verdict.Message);
    }

    [Fact]
    public async Task An_update_rechecks_only_what_changed()
    {
        // The server already holds busy (its own attachment) and port-a's address; adding a volume checks only that one.
        var world = new AdmissionWorld();
        var old = Server("p1", "other-vm", configure: s =>
        {
            s.Networks = [OnNetwork("net", fixedIP: "10.0.0.50")];
            s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "busy" } }];
        });
        var changed = Copy(old);
        changed.Spec.Volumes!.Add(new ServerVolume { VolumeRef = new LocalObjectReference { Name = "data" } });

        var verdict = await world.ValidateAsync(AdmissionRequest.Update(changed, old, Bob));

        Assert.True(verdict.Allowed, verdict.Message);
    }

    [Fact]
    public async Task Several_refusals_are_reported_together()
    {
        var world = new AdmissionWorld();
        var server = Server("p1", "vm", "m9.huge", "gentoo", s => s.ForceNode = "n1");
        var verdict = await world.ValidateAsync(AdmissionRequest.Create(server, Bob));
        Assert.Equal(
            ["spec.flavorRef.name", "spec.imageRef", "spec.forceNode"],
            verdict.Errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("an unattached volume", "data")]
    [InlineData("a volume in Error", "broken-vol")]
    public async Task Deleting_a_volume_nobody_holds_is_allowed(string name, string volume)
    {
        Assert.NotNull(name);
        var world = new AdmissionWorld();
        var verdict = await world.ValidateAsync(AdmissionRequest.Delete(world.Objects.Get<Volume>("p1", volume)!, Bob));
        Assert.True(verdict.Allowed, verdict.Message);
    }

    [Fact]
    public async Task Quota_with_room_allows_and_a_namespace_without_quota_is_unlimited()
    {
        var limited = new AdmissionWorld(QuotaOf("p1", q => q.Volumes = 5));
        Assert.True((await limited.ValidateAsync(AdmissionRequest.Create(Volume("p1", "v5"), Bob))).Allowed);
        var unlimited = new AdmissionWorld();
        Assert.True((await unlimited.ValidateAsync(AdmissionRequest.Create(Volume("p1", "v5", "100Ti"), Bob))).Allowed);
    }
}
