using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Tests.Fixtures;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Admission;

/// <summary>
/// A small cloud for the admission tables: project p1 (bob's, a member), project p2 (someone
/// else's), flavors, images, networks, ports and volumes in both; and every validator wired to it.
/// </summary>
internal sealed class AdmissionWorld
{
    public AdmissionWorld(params object[] extra)
    {
        Objects = new InMemoryObjects(
            Flavor("m1.small", 1, "1Gi", "10Gi"),
            Flavor("m1.tiny", 1, "256Mi", "1Gi"),
            Flavor("m1.large", 8, "16Gi", "80Gi"),
            Flavor("gpu", 4, "8Gi", "40Gi", f => { f.Public = false; f.Projects = ["p3"]; }),
            Image("p1", "debian", i => { i.MinMemory = Quantity.Parse("512Mi"); i.MinDisk = Quantity.Parse("5Gi"); }),
            Image("p1", "windows", i => i.MinMemory = Quantity.Parse("4Gi")),
            WithPhase(Image("p1", "broken"), ImagePhase.Error),
            Image("p2", "secret"),
            Image("p2", "shared-img", i => { i.Visibility = ImageVisibility.Shared; i.SharedWith = ["p3"]; }),
            Image("p2", "shared-with-p1", i => { i.Visibility = ImageVisibility.Shared; i.SharedWith = ["p1"]; }),
            Image("p2", "public-img", i => i.Visibility = ImageVisibility.Public),
            Network("p1", "net", Subnet("s1", "10.0.0.0/24")),
            Network("p2", "private-net", Subnet("s1", "10.1.0.0/24")),
            Network("p2", "shared-net", n => n.Shared = true, Subnet("s1", "10.2.0.0/24")),
            Network("admin", "provider-net", n => { n.ProviderType = ProviderType.Vlan; n.PhysicalNetwork = "physnet1"; n.SegmentationId = 100; }, Subnet("s1", "192.0.2.0/24")),
            WithVni(Network("p2", "vxlan-net", Subnet("s1", "10.3.0.0/24")), 5001),
            PortHolding("p1", "port-a", "net", "fa:16:3e:00:00:50", ("s1", "10.0.0.50")),
            Bound(PortHolding("p1", "bound-port", "net", "fa:16:3e:00:00:51", ("s1", "10.0.0.51")), "other-vm"),
            Volume("p1", "data"),
            VolumeAttachedTo("p1", "busy", false, "other-vm"),
            VolumeAttachedTo("p1", "shared-disk", true, "other-vm"),
            Volume("p1", "broken-vol", configure: v => v.Status = new VolumeStatus { Phase = VolumePhase.Error }),
            Group("p1", "group"));
        Objects.Add(extra);
        Authorizer = new TableAuthorizer();
    }

    public InMemoryObjects Objects { get; }

    public TableAuthorizer Authorizer { get; }

    public ValueTask<AdmissionVerdict> ValidateAsync(object request) => request switch
    {
        AdmissionRequest<Server> r => new ServerAdmission(Objects, Authorizer).ValidateAsync(r),
        AdmissionRequest<Port> r => new PortAdmission(Objects, Authorizer).ValidateAsync(r),
        AdmissionRequest<Network> r => new NetworkAdmission(Objects, Authorizer).ValidateAsync(r),
        AdmissionRequest<Volume> r => new VolumeAdmission(Objects, Authorizer).ValidateAsync(r),
        AdmissionRequest<Image> r => new ImageAdmission(Objects, Authorizer).ValidateAsync(r),
        AdmissionRequest<ServerGroup> r => new ServerGroupAdmission(Objects).ValidateAsync(r),
        AdmissionRequest<ProjectQuota> r => new ProjectQuotaAdmission().ValidateAsync(r),
        _ => throw new ArgumentException($"no validator for {request.GetType().Name}", nameof(request)),
    };

    private static Image WithPhase(Image image, ImagePhase phase)
    {
        image.Status = new ImageStatus { Phase = phase };
        return image;
    }

    private static Network WithVni(Network network, int vni)
    {
        network.Status = new NetworkStatus { SegmentationId = vni };
        return network;
    }

    private static Port Bound(Port port, string server)
    {
        port.Status!.ServerRef = new LocalObjectReference { Name = server };
        return port;
    }
}
