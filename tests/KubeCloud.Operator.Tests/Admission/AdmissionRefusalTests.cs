using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;
using KubeCloud.Operator.Tests.Fixtures;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Admission;

/// <summary>
/// Issue 11's table of bad inputs refused at admission: each a request by bob (a member of p1)
/// unless it says otherwise, the objects it needs beyond <see cref="AdmissionWorld"/>'s, and the
/// refusal it must get (field path, rule, and the message kubectl shows).
/// </summary>
public sealed class AdmissionRefusalTests
{
    private static readonly AdmissionCaller Bob = Callers.Member;

    private sealed record Case(Func<object> Request, string Field, string Rule, string Message, params object[] Extra);

    private static AdmissionRequest<Server> NewServer(Action<ServerSpec>? configure = null, string flavor = "m1.small", string? image = "debian") =>
        AdmissionRequest.Create(Server("p1", "vm", flavor, image, configure), Bob);

    /// <summary>A resize of a scheduled m1.small server (which the cache holds) to <paramref name="to"/>.</summary>
    private static Case Resize(string to, string field, string rule, string message, params object[] extra)
    {
        var old = Server("p1", "vm", "m1.small");
        old.Status = new ServerStatus { Flavor = new FlavorSnapshot { Name = "m1.small", Vcpus = 1, Memory = Quantity.Parse("1Gi"), RootDisk = Quantity.Parse("10Gi") } };
        var changed = Copy(old);
        changed.Spec.FlavorRef.Name = to;
        return new Case(() => AdmissionRequest.Update(changed, old, Bob), field, rule, message, [old, .. extra]);
    }

    private static ServerNetwork OnNetwork(string name, string? ns = null, string? fixedIP = null) =>
        new() { NetworkRef = new NamespacedObjectReference { Name = name, Namespace = ns }, FixedIP = fixedIP };

    private static ProjectQuota P1Quota(Action<QuotaAmounts> limits) => QuotaOf("p1", limits);

    private static AdmissionRequest<Port> NewPort(Action<PortSpec>? configure = null, string network = "net", string? networkNs = null) =>
        AdmissionRequest.Create(Port("p1", "new-port", network, networkNs, p => configure?.Invoke(p.Spec)), Bob);

    private static AdmissionRequest<Network> NewNetwork(Action<NetworkSpec> configure, params Subnet[] subnets) =>
        AdmissionRequest.Create(Network("p1", "new-net", configure, subnets), Bob);

    private static AdmissionRequest<Volume> NewVolume(string size = "10Gi", Action<VolumeSpec>? configure = null) =>
        AdmissionRequest.Create(Volume("p1", "new-vol", size, v => configure?.Invoke(v.Spec)), Bob);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Servers: references, access, sizes.
        ["server: flavor that does not exist"] = new(() => NewServer(flavor: "m9.huge"),
            "spec.flavorRef.name", AdmissionRules.ReferenceExists, "flavor m9.huge does not exist"),
        ["server: private flavor without access"] = new(() => NewServer(flavor: "gpu"),
            "spec.flavorRef.name", AdmissionRules.FlavorAccess, "flavor gpu is private and p1 is not in its projects"),
        ["server: image that does not exist"] = new(() => NewServer(image: "gentoo"),
            "spec.imageRef", AdmissionRules.ReferenceExists, "image p1/gentoo does not exist"),
        ["server: another project's private image"] = new(() => NewServer(s => s.ImageRef = new NamespacedObjectReference { Name = "secret", Namespace = "p2" }),
            "spec.imageRef", AdmissionRules.ImageAccess, "image p2/secret is private and not shared with p1; using it needs the verb 'use' on images in p2"),
        ["server: an image shared with someone else"] = new(() => NewServer(s => s.ImageRef = new NamespacedObjectReference { Name = "shared-img", Namespace = "p2" }),
            "spec.imageRef", AdmissionRules.ImageAccess, "image p2/shared-img is shared and not shared with p1; using it needs the verb 'use' on images in p2"),
        ["server: image in Error"] = new(() => NewServer(image: "broken"),
            "spec.imageRef", AdmissionRules.ImageUsable, "image p1/broken is in Error and cannot be booted; fix or replace it"),
        ["server: flavor memory below the image's minMemory"] = new(() => NewServer(flavor: "m1.tiny"),
            "spec.flavorRef.name", AdmissionRules.FlavorMemoryTooSmall, "Flavor's memory is too small for requested image (FlavorMemoryTooSmall): flavor 'm1.tiny' has spec.memory 256Mi (256 MiB), image 'p1/debian' needs spec.minMemory 512Mi (512 MiB)."),
        ["server: flavor disk below the image's minDisk"] = new(() => NewServer(flavor: "small-disk"),
            "spec.flavorRef.name", AdmissionRules.FlavorDiskSmallerThanMinDisk, "Flavor's disk is smaller than the minimum size specified in image metadata (FlavorDiskSmallerThanMinDisk): flavor 'small-disk' has spec.rootDisk 2Gi (2048 MiB), image 'p1/debian' needs spec.minDisk 5Gi (5120 MiB).",
            Flavor("small-disk", 1, "1Gi", "2Gi")),
        ["server: boot volume that does not exist"] = new(() => NewServer(s => s.BootVolumeRef = new LocalObjectReference { Name = "nope" }, image: null),
            "spec.bootVolumeRef.name", AdmissionRules.ReferenceExists, "volume p1/nope does not exist"),
        ["server: boot volume in use by another server"] = new(() => NewServer(s => s.BootVolumeRef = new LocalObjectReference { Name = "busy" }, image: null),
            "spec.bootVolumeRef.name", AdmissionRules.VolumeInUse, "volume p1/busy is in use by server other-vm and is not multiattach"),
        ["server: network that does not exist"] = new(() => NewServer(s => s.Networks = [OnNetwork("nope")]),
            "spec.networks[0].networkRef", AdmissionRules.ReferenceExists, "network p1/nope does not exist"),
        ["server: another project's private network"] = new(() => NewServer(s => s.Networks = [OnNetwork("net"), OnNetwork("private-net", "p2")]),
            "spec.networks[1].networkRef", AdmissionRules.NetworkAccess, "network p2/private-net belongs to another project and is not shared; using it needs the verb 'use' on networks in p2"),
        ["server: fixed IP outside the network"] = new(() => NewServer(s => s.Networks = [OnNetwork("net", fixedIP: "10.9.0.5")]),
            "spec.networks[0].fixedIP", IpamRules.AddressInsideSubnet, "10.9.0.5 is not inside any subnet of network p1/net (10.0.0.0/24)"),
        ["server: fixed IP is the gateway"] = new(() => NewServer(s => s.Networks = [OnNetwork("net", fixedIP: "10.0.0.1")]),
            "spec.networks[0].fixedIP", IpamRules.AddressNotGateway, "10.0.0.1 is the gateway of subnet s1 (10.0.0.0/24)"),
        ["server: fixed IP another port has"] = new(() => NewServer(s => s.Networks = [OnNetwork("net", fixedIP: "10.0.0.50")]),
            "spec.networks[0].fixedIP", IpamRules.AddressFree, "10.0.0.50 is already allocated to another port on network p1/net"),
        ["server: port that does not exist"] = new(() => NewServer(s => s.Networks = [new ServerNetwork { PortRef = new LocalObjectReference { Name = "nope" } }]),
            "spec.networks[0].portRef.name", AdmissionRules.ReferenceExists, "port p1/nope does not exist"),
        ["server: port bound to another server"] = new(() => NewServer(s => s.Networks = [new ServerNetwork { PortRef = new LocalObjectReference { Name = "bound-port" } }]),
            "spec.networks[0].portRef.name", AdmissionRules.PortInUse, "port p1/bound-port is bound to server other-vm"),
        ["server: volume that does not exist"] = new(() => NewServer(s => s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "nope" } }]),
            "spec.volumes[0].volumeRef.name", AdmissionRules.ReferenceExists, "volume p1/nope does not exist"),
        ["server: a volume already in use"] = new(() => NewServer(s => s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "data" } }, new ServerVolume { VolumeRef = new LocalObjectReference { Name = "busy" } }]),
            "spec.volumes[1].volumeRef.name", AdmissionRules.VolumeInUse, "volume p1/busy is in use by server other-vm and is not multiattach"),
        ["server: a volume in Error"] = new(() => NewServer(s => s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "broken-vol" } }]),
            "spec.volumes[0].volumeRef.name", AdmissionRules.VolumeUsable, "volume p1/broken-vol is Error and cannot be attached"),
        ["server: forceNode as a member"] = new(() => NewServer(s => s.ForceNode = "node-1"),
            "spec.forceNode", AdmissionRules.AdminOnly, "forceNode is admin only: it needs the verb 'create' on servers/forcenode in p1"),
        ["server: server group that does not exist"] = new(() => NewServer(s => s.SchedulerHints = new SchedulerHints { ServerGroup = "nope" }),
            "spec.schedulerHints.serverGroup", AdmissionRules.ReferenceExists, "server group p1/nope does not exist"),
        ["server: server group full"] = new(() => NewServer(s => s.SchedulerHints = new SchedulerHints { ServerGroup = "group" }),
            "spec.schedulerHints.serverGroup", AdmissionRules.QuotaExceeded, "quota exceeded for serverGroupMembers: limit 1, used 1, requested 1 (server group group, ProjectQuota p1/quota)",
            P1Quota(q => q.ServerGroupMembers = 1), Server("p1", "member", configure: s => s.SchedulerHints = new SchedulerHints { ServerGroup = "group" })),
        ["server: servers quota exceeded"] = new(() => NewServer(),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for servers: limit 1, used 1, requested 1 (ProjectQuota p1/quota)",
            P1Quota(q => q.Servers = 1), Server("p1", "existing")),
        ["server: vcpus quota exceeded"] = new(() => NewServer(flavor: "m1.large"),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for vcpus: limit 8, used 1, requested 8 (ProjectQuota p1/quota)",
            P1Quota(q => q.Vcpus = 8), Server("p1", "existing")),
        ["server: memory quota exceeded"] = new(() => NewServer(),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for memory: limit 2Gi, used 2Gi, requested 1Gi (ProjectQuota p1/quota)",
            P1Quota(q => q.Memory = Quantity.Parse("2Gi")), Server("p1", "one"), Server("p1", "two")),
        ["server: its networks need more ports than the quota leaves"] = new(() => NewServer(s => s.Networks = [OnNetwork("net"), OnNetwork("shared-net", "p2")]),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for ports: limit 3, used 2, requested 2 (ProjectQuota p1/quota)",
            P1Quota(q => q.Ports = 3)),
        ["server: resize past the vcpus quota"] = Resize("m1.large",
            "spec.flavorRef.name", AdmissionRules.QuotaExceeded, "quota exceeded for vcpus: limit 4, used 1, requested 7 (ProjectQuota p1/quota)",
            P1Quota(q => q.Vcpus = 4)),
        ["server: resize to a smaller root disk"] = Resize("small-root",
            "spec.flavorRef.name", AdmissionRules.ResizeDiskDown, "flavor small-root has a 6Gi root disk, smaller than the 10Gi root disk the server has (flavor m1.small): a root disk cannot be resized down",
            Flavor("small-root", 2, "2Gi", "6Gi")),
        ["server: resize to a private flavor"] = Resize("gpu",
            "spec.flavorRef.name", AdmissionRules.FlavorAccess, "flavor gpu is private and p1 is not in its projects"),

        // Ports.
        ["port: network that does not exist"] = new(() => NewPort(network: "nope"),
            "spec.networkRef", AdmissionRules.ReferenceExists, "network p1/nope does not exist"),
        ["port: another project's private network"] = new(() => NewPort(network: "private-net", networkNs: "p2"),
            "spec.networkRef", AdmissionRules.NetworkAccess, "network p2/private-net belongs to another project and is not shared; using it needs the verb 'use' on networks in p2"),
        ["port: subnet that does not exist"] = new(() => NewPort(p => p.FixedIPs = [new FixedIP { Subnet = "s9" }]),
            "spec.fixedIPs[0].subnet", IpamRules.SubnetExists, "network p1/net has no subnet s9 (it has s1)"),
        ["port: address taken"] = new(() => NewPort(p => p.FixedIPs = [new FixedIP { Subnet = "s1", IPAddress = "10.0.0.51" }]),
            "spec.fixedIPs[0].ipAddress", IpamRules.AddressFree, "10.0.0.51 is already allocated to another port on network p1/net"),
        ["port: address is the broadcast address"] = new(() => NewPort(p => p.FixedIPs = [new FixedIP { IPAddress = "10.0.0.255" }]),
            "spec.fixedIPs[0].ipAddress", IpamRules.AddressNotNetworkOrBroadcast, "10.0.0.255 is the network or broadcast address of subnet s1 (10.0.0.0/24)"),
        ["port: MAC taken"] = new(() => NewPort(p => p.MacAddress = "fa:16:3e:00:00:50"),
            "spec.macAddress", IpamRules.MacAddressFree, "fa:16:3e:00:00:50 is already used by another port on the network"),
        ["port: multicast MAC"] = new(() => NewPort(p => p.MacAddress = "01:00:5e:00:00:01"),
            "spec.macAddress", IpamRules.MacAddressValid, "01:00:5e:00:00:01 is a multicast address (the lowest bit of the first octet is set); a port needs a unicast MAC"),
        ["port: ports quota exceeded"] = new(() => NewPort(),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for ports: limit 2, used 2, requested 1 (ProjectQuota p1/quota)",
            P1Quota(q => q.Ports = 2)),

        // Networks.
        ["network: gateway outside its CIDR"] = new(() => NewNetwork(_ => { }, Subnet("a", "10.5.0.0/24", "10.6.0.1")),
            "spec.subnets[0].gatewayIP", SubnetRules.GatewayInsideCidr, "10.6.0.1 is not inside 10.5.0.0/24"),
        ["network: pool outside its CIDR"] = new(() => NewNetwork(_ => { }, Subnet("a", "10.5.0.0/24", null, ("10.5.0.10", "10.5.1.10"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolInsideCidr, "10.5.0.10-10.5.1.10 is not inside 10.5.0.0/24"),
        ["network: overlapping subnets"] = new(() => NewNetwork(_ => { }, Subnet("a", "10.5.0.0/16"), Subnet("b", "10.5.1.0/24")),
            "spec.subnets[1].cidr", SubnetRules.SubnetsDisjoint, "10.5.1.0/24 overlaps 10.5.0.0/16 of spec.subnets[0]"),
        ["network: provider type as a member"] = new(() => NewNetwork(n => { n.ProviderType = ProviderType.Flat; n.PhysicalNetwork = "physnet1"; }, Subnet("a", "10.5.0.0/24")),
            "spec.providerType", AdmissionRules.AdminOnly, "providerType flat is admin only: it needs the verb 'create' on networks/provider in p1"),
        ["network: segmentation ID as a member"] = new(() => NewNetwork(n => n.SegmentationId = 7000, Subnet("a", "10.5.0.0/24")),
            "spec.segmentationId", AdmissionRules.AdminOnly, "segmentationId is admin only: it needs the verb 'create' on networks/provider in p1"),
        ["network: external as a member"] = new(() => NewNetwork(n => n.External = true, Subnet("a", "10.5.0.0/24")),
            "spec.external", AdmissionRules.AdminOnly, "external is admin only: it needs the verb 'create' on networks/provider in p1"),
        ["network: shared as a member"] = new(() => NewNetwork(n => n.Shared = true, Subnet("a", "10.5.0.0/24")),
            "spec.shared", AdmissionRules.AdminOnly, "shared is admin only: it needs the verb 'create' on networks/shared in p1"),
        ["network: networks quota exceeded"] = new(() => NewNetwork(_ => { }, Subnet("a", "10.5.0.0/24")),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for networks: limit 1, used 1, requested 1 (ProjectQuota p1/quota)",
            P1Quota(q => q.Networks = 1)),
        ["network: removing a subnet a port uses"] = new(() =>
            {
                var old = Network("p1", "net", Subnet("s1", "10.0.0.0/24"));
                return AdmissionRequest.Update(Network("p1", "net", Subnet("s2", "10.7.0.0/24")), old, Bob);
            },
            "spec.subnets", AdmissionRules.SubnetInUse, "subnet s1 cannot be removed: port p1/port-a has an address in it"),
        ["network: deleting a network with ports"] = new(() => AdmissionRequest.Delete(Network("p1", "net", Subnet("s1", "10.0.0.0/24")), Bob),
            "metadata.name", AdmissionRules.NetworkInUse, "network p1/net still has ports (for example p1/port-a); delete them, or the servers using them, first"),

        // Volumes.
        ["volume: source image not shared with you"] = new(() => NewVolume(configure: v => v.Source = new VolumeSource { ImageRef = new NamespacedObjectReference { Name = "secret", Namespace = "p2" } }),
            "spec.source.imageRef", AdmissionRules.ImageAccess, "image p2/secret is private and not shared with p1; using it needs the verb 'use' on images in p2"),
        ["volume: smaller than its image needs"] = new(() => NewVolume("2Gi", v => v.Source = new VolumeSource { ImageRef = new NamespacedObjectReference { Name = "debian" } }),
            "spec.size", AdmissionRules.VolumeSizeNotSmaller, "2Gi is smaller than image p1/debian needs (5Gi)"),
        ["volume: clone of a volume that does not exist"] = new(() => NewVolume(configure: v => v.Source = new VolumeSource { VolumeRef = new LocalObjectReference { Name = "nope" } }),
            "spec.source.volumeRef.name", AdmissionRules.ReferenceExists, "volume p1/nope does not exist"),
        ["volume: clone smaller than its source"] = new(() => NewVolume("5Gi", v => v.Source = new VolumeSource { VolumeRef = new LocalObjectReference { Name = "data" } }),
            "spec.size", AdmissionRules.VolumeSizeNotSmaller, "5Gi is smaller than the source volume data (10Gi)"),
        ["volume: shrinking"] = new(() =>
            {
                var old = Volume("p1", "data", "10Gi");
                return AdmissionRequest.Update(Volume("p1", "data", "5Gi"), old, Bob);
            },
            "spec.size", AdmissionRules.VolumeSizeNotSmaller, "a volume cannot shrink: 5Gi is smaller than 10Gi"),
        ["volume: growing past the storage quota"] = new(() =>
            {
                var old = Volume("p1", "data", "10Gi");
                return AdmissionRequest.Update(Volume("p1", "data", "30Gi"), old, Bob);
            },
            "spec.size", AdmissionRules.QuotaExceeded, "quota exceeded for volumeStorage: limit 50Gi, used 40Gi, requested 20Gi (ProjectQuota p1/quota)",
            P1Quota(q => q.VolumeStorage = Quantity.Parse("50Gi"))),
        ["volume: volumes quota exceeded"] = new(() => NewVolume(),
            "spec.size", AdmissionRules.QuotaExceeded, "quota exceeded for volumes: limit 3, used 4, requested 1 (ProjectQuota p1/quota)",
            P1Quota(q => q.Volumes = 3)),
        ["volume: multiattach off while two servers hold it"] = new(() =>
            {
                var old = VolumeAttachedTo("p1", "shared-disk", true, "vm1", "vm2");
                var changed = Copy(old);
                changed.Spec.Multiattach = false;
                return AdmissionRequest.Update(changed, old, Bob);
            },
            "spec.multiattach", AdmissionRules.MultiattachInUse, "the volume is attached to 2 servers; detach all but one before turning multiattach off"),
        ["volume: deleting a volume in use"] = new(() => AdmissionRequest.Delete(VolumeAttachedTo("p1", "busy", false, "other-vm"), Bob),
            "metadata.name", AdmissionRules.VolumeInUse, "the volume is attached to server(s) other-vm; detach it first"),

        // Images, server groups, quotas.
        ["image: public as a member"] = new(() => AdmissionRequest.Create(Image("p1", "mine", i => i.Visibility = ImageVisibility.Public), Bob),
            "spec.visibility", AdmissionRules.AdminOnly, "visibility public is admin only: it needs the verb 'create' on images/publicize in p1"),
        ["server group: quota exceeded"] = new(() => AdmissionRequest.Create(Group("p1", "another"), Bob),
            "metadata.name", AdmissionRules.QuotaExceeded, "quota exceeded for serverGroups: limit 1, used 1, requested 1 (ProjectQuota p1/quota)",
            P1Quota(q => q.ServerGroups = 1)),
        ["project quota: negative memory"] = new(() => AdmissionRequest.Create(QuotaOf("p1", q => q.Memory = Quantity.Parse("-1Gi")), Callers.Admin),
            "spec.hard.memory", AdmissionRules.QuotaValid, "-1Gi is negative"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Fact]
    public void The_table_has_at_least_thirty_bad_inputs() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Refuses_naming_the_field_and_the_rule(string name)
    {
        var test = Cases[name];
        var world = new AdmissionWorld(test.Extra);
        var verdict = await world.ValidateAsync(test.Request());
        Assert.False(verdict.Allowed, $"{name} was allowed");
        var error = Assert.Single(verdict.Errors);
        Assert.Equal((test.Field, test.Rule), (error.Field, error.Rule));
        Assert.Equal($"{test.Field}: {test.Message}", verdict.Message);
    }
}
