using System.Net;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.IntegrationTests.Rbac;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>
/// Issue 11's bad inputs, refused at admission through the real API server: each sent by bob (a member of project-a)
/// with his own token, answered with the HTTP status the webhook chose (403 for a missing grant, 422 for wrong input),
/// a message naming the field and the rule, and nothing stored.
/// </summary>
public sealed class AdmissionRefusalTests(AdmissionCloud cloud) : IClassFixture<AdmissionCloud>
{
    private const string Bob = CloudUsers.MemberA;
    private const int Forbidden = 403;
    private const int Invalid = 422;

    private sealed record Case(AdmissionAttempt Attempt, int Code, string Field, string Rule);

    private static Server NewServer(Action<ServerSpec>? configure = null, string flavor = "m1.small", string? image = "debian", string ns = "project-a") =>
        Server(ns, "new-vm", flavor, image, configure);

    private static ServerNetwork OnNetwork(string name, string? ns = null, string? fixedIP = null) =>
        new() { NetworkRef = new NamespacedObjectReference { Name = name, Namespace = ns }, FixedIP = fixedIP };

    private static ServerVolume Disk(string name) => new() { VolumeRef = new LocalObjectReference { Name = name } };

    private static Case NewServerCase(int code, string field, string rule, Action<ServerSpec>? configure = null, string flavor = "m1.small", string? image = "debian", string ns = "project-a") =>
        new(AdmissionAttempt.Create(Bob, NewServer(configure, flavor, image, ns)), code, field, rule);

    private static Case NewPortCase(int code, string field, string rule, Action<PortSpec>? configure = null, string network = "net", string? networkNs = null, string ns = "project-a") =>
        new(AdmissionAttempt.Create(Bob, Port(ns, "new-port", network, networkNs, p => configure?.Invoke(p.Spec))), code, field, rule);

    private static Case NewNetworkCase(int code, string field, string rule, Action<NetworkSpec> configure, string ns = "project-a", params Subnet[] subnets) =>
        new(AdmissionAttempt.Create(Bob, Network(ns, "new-net", configure, subnets)), code, field, rule);

    private static Case NewVolumeCase(int code, string field, string rule, string size, Action<VolumeSpec>? configure = null, string ns = "project-a") =>
        new(AdmissionAttempt.Create(Bob, Volume(ns, "new-vol", size, v => configure?.Invoke(v.Spec))), code, field, rule);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Servers: references and the right to use them.
        ["server: flavor that does not exist"] = NewServerCase(Invalid, "spec.flavorRef.name", AdmissionRules.ReferenceExists, flavor: "m9.huge"),
        ["server: a flavor you have no access to"] = NewServerCase(Forbidden, "spec.flavorRef.name", AdmissionRules.FlavorAccess, flavor: "gpu"),
        ["server: image that does not exist"] = NewServerCase(Invalid, "spec.imageRef", AdmissionRules.ReferenceExists, image: "gentoo"),
        ["server: another project's private image"] = NewServerCase(Forbidden, "spec.imageRef", AdmissionRules.ImageAccess,
            s => s.ImageRef = new NamespacedObjectReference { Name = "secret", Namespace = "project-b" }),
        ["server: an image not shared with you"] = NewServerCase(Forbidden, "spec.imageRef", AdmissionRules.ImageAccess,
            s => s.ImageRef = new NamespacedObjectReference { Name = "shared-img", Namespace = "project-b" }),
        ["server: image in Error"] = NewServerCase(Invalid, "spec.imageRef", AdmissionRules.ImageUsable, image: "broken"),
        ["server: flavor memory below the image's minMemory"] = NewServerCase(Invalid, "spec.flavorRef.name", AdmissionRules.FlavorMemoryTooSmall, flavor: "m1.tiny"),
        ["server: flavor disk below the image's minDisk"] = NewServerCase(Invalid, "spec.flavorRef.name", AdmissionRules.FlavorDiskSmallerThanMinDisk, flavor: "small-disk"),
        ["server: boot volume that does not exist"] = NewServerCase(Invalid, "spec.bootVolumeRef.name", AdmissionRules.ReferenceExists,
            s => s.BootVolumeRef = new LocalObjectReference { Name = "nope" }, image: null),
        ["server: boot volume in use by another server"] = NewServerCase(Invalid, "spec.bootVolumeRef.name", AdmissionRules.VolumeInUse,
            s => s.BootVolumeRef = new LocalObjectReference { Name = "busy" }, image: null),
        ["server: network that does not exist"] = NewServerCase(Invalid, "spec.networks[0].networkRef", AdmissionRules.ReferenceExists, s => s.Networks = [OnNetwork("nope")]),
        ["server: another project's private network"] = NewServerCase(Forbidden, "spec.networks[1].networkRef", AdmissionRules.NetworkAccess,
            s => s.Networks = [OnNetwork("net"), OnNetwork("private-net", "project-b")]),
        ["server: fixed IP outside the network"] = NewServerCase(Invalid, "spec.networks[0].fixedIP", IpamRules.AddressInsideSubnet, s => s.Networks = [OnNetwork("net", fixedIP: "10.9.0.5")]),
        ["server: fixed IP is the gateway"] = NewServerCase(Invalid, "spec.networks[0].fixedIP", IpamRules.AddressNotGateway, s => s.Networks = [OnNetwork("net", fixedIP: "10.0.0.1")]),
        ["server: a fixed IP that is taken"] = NewServerCase(Invalid, "spec.networks[0].fixedIP", IpamRules.AddressFree, s => s.Networks = [OnNetwork("net", fixedIP: "10.0.0.50")]),
        ["server: port that does not exist"] = NewServerCase(Invalid, "spec.networks[0].portRef.name", AdmissionRules.ReferenceExists,
            s => s.Networks = [new ServerNetwork { PortRef = new LocalObjectReference { Name = "nope" } }]),
        ["server: port bound to another server"] = NewServerCase(Invalid, "spec.networks[0].portRef.name", AdmissionRules.PortInUse,
            s => s.Networks = [new ServerNetwork { PortRef = new LocalObjectReference { Name = "bound-port" } }]),
        ["server: volume that does not exist"] = NewServerCase(Invalid, "spec.volumes[0].volumeRef.name", AdmissionRules.ReferenceExists, s => s.Volumes = [Disk("nope")]),
        ["server: a volume already in use"] = NewServerCase(Invalid, "spec.volumes[1].volumeRef.name", AdmissionRules.VolumeInUse, s => s.Volumes = [Disk("data"), Disk("busy")]),
        ["server: a volume in Error"] = NewServerCase(Invalid, "spec.volumes[0].volumeRef.name", AdmissionRules.VolumeUsable, s => s.Volumes = [Disk("broken-vol")]),
        ["server: forceNode as a member"] = NewServerCase(Forbidden, "spec.forceNode", AdmissionRules.AdminOnly, s => s.ForceNode = "node-1"),
        ["server: server group that does not exist"] = NewServerCase(Invalid, "spec.schedulerHints.serverGroup", AdmissionRules.ReferenceExists,
            s => s.SchedulerHints = new SchedulerHints { ServerGroup = "nope" }),
        ["server: servers quota exceeded"] = NewServerCase(Invalid, "metadata.name", AdmissionRules.QuotaExceeded,
            s => s.ImageRef = AdmissionCloud.PublicImage, image: null, ns: "quota-servers"),
        ["server: vcpus quota exceeded"] = NewServerCase(Invalid, "metadata.name", AdmissionRules.QuotaExceeded,
            s => s.ImageRef = AdmissionCloud.PublicImage, flavor: "m1.large", image: null, ns: "quota-vcpus"),
        ["server: resize to a flavor you have no access to"] = new(AdmissionAttempt.Update<Server>(Bob, "project-a", "vm-a", s => s.Spec.FlavorRef.Name = "gpu"),
            Forbidden, "spec.flavorRef.name", AdmissionRules.FlavorAccess),
        ["server: forceNode in another project"] = NewServerCase(Forbidden, "spec.forceNode", AdmissionRules.AdminOnly,
            s => { s.ForceNode = "node-1"; s.ImageRef = AdmissionCloud.PublicImage; }, image: null, ns: "quota-vcpus"),

        // Ports.
        ["port: network that does not exist"] = NewPortCase(Invalid, "spec.networkRef", AdmissionRules.ReferenceExists, network: "nope"),
        ["port: another project's private network"] = NewPortCase(Forbidden, "spec.networkRef", AdmissionRules.NetworkAccess, network: "private-net", networkNs: "project-b"),
        ["port: subnet that does not exist"] = NewPortCase(Invalid, "spec.fixedIPs[0].subnet", IpamRules.SubnetExists, p => p.FixedIPs = [new FixedIP { Subnet = "s9" }]),
        ["port: a fixed IP that is taken"] = NewPortCase(Invalid, "spec.fixedIPs[0].ipAddress", IpamRules.AddressFree,
            p => p.FixedIPs = [new FixedIP { Subnet = "s1", IPAddress = "10.0.0.51" }]),
        ["port: the broadcast address"] = NewPortCase(Invalid, "spec.fixedIPs[0].ipAddress", IpamRules.AddressNotNetworkOrBroadcast,
            p => p.FixedIPs = [new FixedIP { IPAddress = "10.0.0.255" }]),
        ["port: a MAC that is taken"] = NewPortCase(Invalid, "spec.macAddress", IpamRules.MacAddressFree, p => p.MacAddress = "fa:16:3e:00:00:50"),
        ["port: a multicast MAC"] = NewPortCase(Invalid, "spec.macAddress", IpamRules.MacAddressValid, p => p.MacAddress = "01:00:5e:00:00:01"),
        ["port: ports quota exceeded"] = NewPortCase(Invalid, "metadata.name", AdmissionRules.QuotaExceeded, ns: "quota-ports"),

        // Networks.
        ["network: a gateway outside its CIDR"] = NewNetworkCase(Invalid, "spec.subnets[0].gatewayIP", SubnetRules.GatewayInsideCidr, _ => { }, subnets: Subnet("a", "10.5.0.0/24", "10.6.0.1")),
        ["network: a pool outside its CIDR"] = NewNetworkCase(Invalid, "spec.subnets[0].allocationPools[0]", SubnetRules.PoolInsideCidr, _ => { },
            subnets: Subnet("a", "10.5.0.0/24", null, ("10.5.0.10", "10.5.1.10"))),
        ["network: overlapping subnets"] = NewNetworkCase(Invalid, "spec.subnets[1].cidr", SubnetRules.SubnetsDisjoint, _ => { },
            subnets: [Subnet("a", "10.5.0.0/16"), Subnet("b", "10.5.1.0/24")]),
        ["network: provider type as a member"] = NewNetworkCase(Forbidden, "spec.providerType", AdmissionRules.AdminOnly,
            n => { n.ProviderType = ProviderType.Flat; n.PhysicalNetwork = "physnet1"; }, subnets: Subnet("a", "10.5.0.0/24")),
        ["network: segmentation ID as a member"] = NewNetworkCase(Forbidden, "spec.segmentationId", AdmissionRules.AdminOnly, n => n.SegmentationId = 7000, subnets: Subnet("a", "10.5.0.0/24")),
        ["network: external as a member"] = NewNetworkCase(Forbidden, "spec.external", AdmissionRules.AdminOnly, n => n.External = true, subnets: Subnet("a", "10.5.0.0/24")),
        ["network: shared as a member"] = NewNetworkCase(Forbidden, "spec.shared", AdmissionRules.AdminOnly, n => n.Shared = true, subnets: Subnet("a", "10.5.0.0/24")),
        ["network: networks quota exceeded"] = NewNetworkCase(Invalid, "metadata.name", AdmissionRules.QuotaExceeded, _ => { }, ns: "quota-networks", subnets: Subnet("a", "10.5.0.0/24")),
        ["network: removing a subnet a port uses"] = new(AdmissionAttempt.Update<Network>(Bob, "project-a", "net", n => n.Spec.Subnets = [Subnet("s2", "10.7.0.0/24")]),
            Invalid, "spec.subnets", AdmissionRules.SubnetInUse),
        ["network: deleting a network with ports"] = new(AdmissionAttempt.Delete<Network>(Bob, "project-a", "net"), Invalid, "metadata.name", AdmissionRules.NetworkInUse),

        // Volumes.
        ["volume: a source image not shared with you"] = NewVolumeCase(Forbidden, "spec.source.imageRef", AdmissionRules.ImageAccess, "10Gi",
            v => v.Source = new VolumeSource { ImageRef = new NamespacedObjectReference { Name = "secret", Namespace = "project-b" } }),
        ["volume: smaller than its image needs"] = NewVolumeCase(Invalid, "spec.size", AdmissionRules.VolumeSizeNotSmaller, "2Gi",
            v => v.Source = new VolumeSource { ImageRef = new NamespacedObjectReference { Name = "debian" } }),
        ["volume: clone smaller than its source"] = NewVolumeCase(Invalid, "spec.size", AdmissionRules.VolumeSizeNotSmaller, "5Gi",
            v => v.Source = new VolumeSource { VolumeRef = new LocalObjectReference { Name = "data" } }),
        ["volume: shrinking"] = new(AdmissionAttempt.Update<Volume>(Bob, "project-a", "data", v => v.Spec.Size = Quantity.Parse("5Gi")),
            Invalid, "spec.size", AdmissionRules.VolumeSizeNotSmaller),
        ["volume: deleting a volume in use"] = new(AdmissionAttempt.Delete<Volume>(Bob, "project-a", "busy"), Invalid, "metadata.name", AdmissionRules.VolumeInUse),
        ["volume: storage quota exceeded"] = NewVolumeCase(Invalid, "spec.size", AdmissionRules.QuotaExceeded, "10Gi", ns: "quota-volumes"),

        // Images.
        ["image: public as a member"] = new(AdmissionAttempt.Create(Bob, Image("project-a", "mine", i => i.Visibility = ImageVisibility.Public)),
            Forbidden, "spec.visibility", AdmissionRules.AdminOnly),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Fact]
    public void The_table_has_at_least_thirty_bad_inputs() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Refused_at_admission_with_the_field_and_the_rule_and_nothing_stored(string name)
    {
        var test = Cases[name];
        var snapshot = await test.Attempt.SnapshotAsync(cloud.Admin);
        using var user = cloud.Users.ClientFor(test.Attempt.User);
        var refusal = await Assert.ThrowsAnyAsync<KubeApiException>(() => test.Attempt.SendAsync(user));

        var message = refusal.Status?.Message ?? string.Empty;
        Assert.True((int)refusal.StatusCode == test.Code, $"{name}: HTTP {(int)refusal.StatusCode}, expected {test.Code}: {message}");
        Assert.StartsWith("admission webhook \"v", message, StringComparison.Ordinal);
        Assert.Contains($"{test.Field}: ", message, StringComparison.Ordinal);
        Assert.Contains($"[{test.Rule}]", message, StringComparison.Ordinal);
        await test.Attempt.AssertNothingStoredAsync(cloud.Admin, snapshot);
    }
}
