using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.IntegrationTests.Rbac;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>
/// A small cloud behind the webhook, for the admission tables: the local control plane, the chart's roles and
/// <see cref="CloudUsers"/>, an operator serving only the webhook (no controller rewrites the statuses set here by
/// hand, as the operator and node daemon would have written them), and the objects the refusals need:
/// project-a (bob's) with images, a network with two ports holding addresses, volumes free, busy and broken;
/// project-b (carol's) with a private, a shared and a public object of each; a namespace per quota that is full.
/// </summary>
public sealed class AdmissionCloud : IAsyncLifetime
{
    public OperatorCluster Cluster { get; private set; } = null!;

    public CloudUsers Users { get; private set; } = null!;

    public RunningOperator Operator { get; private set; } = null!;

    public KubeClient Admin { get; private set; } = null!;

    /// <summary>The quota namespaces, each with one limit reached, bob a member of each.</summary>
    public static readonly string[] QuotaProjects = ["quota-servers", "quota-vcpus", "quota-ports", "quota-networks", "quota-volumes"];

    public async Task InitializeAsync()
    {
        Cluster = await OperatorCluster.StartAsync();
        Users = await CloudUsers.CreateAsync(Cluster);
        Admin = Cluster.NewClient();
        Operator = await Cluster.StartOperatorAsync(webhook: true, controllers: false);

        foreach (var flavor in new[]
        {
            Flavor("m1.small", 1, "1Gi", "10Gi"),
            Flavor("m1.tiny", 1, "256Mi", "1Gi"),
            Flavor("m1.large", 8, "16Gi", "80Gi"),
            Flavor("small-disk", 1, "1Gi", "2Gi"),
            Flavor("gpu", 4, "8Gi", "40Gi", f => { f.Public = false; f.Projects = ["project-c"]; }),
        })
        {
            await CreateAsync(flavor);
        }

        await CreateAsync(Image("project-a", "debian", i => { i.MinMemory = Quantity.Parse("512Mi"); i.MinDisk = Quantity.Parse("5Gi"); }));
        await CreateAsync(Image("project-a", "broken"), i => i.Status = new ImageStatus { Phase = ImagePhase.Error });
        await CreateAsync(Image("project-b", "secret"));
        await CreateAsync(Image("project-b", "shared-img", i => { i.Visibility = ImageVisibility.Shared; i.SharedWith = ["project-c"]; }));
        await CreateAsync(Image("project-b", "shared-with-a", i => { i.Visibility = ImageVisibility.Shared; i.SharedWith = ["project-a"]; }));
        await CreateAsync(Image("project-b", "public-img", i => i.Visibility = ImageVisibility.Public));

        await CreateAsync(Network("project-a", "net", Subnet("s1", "10.0.0.0/24")));
        await CreateAsync(Network("project-b", "private-net", Subnet("s1", "10.1.0.0/24")));
        await CreateAsync(Network("project-b", "shared-net", n => n.Shared = true, Subnet("s1", "10.2.0.0/24")));
        await CreateAsync(Network("project-b", "granted-net", Subnet("s1", "10.4.0.0/24")));
        var portA = PortHolding("project-a", "port-a", "net", "fa:16:3e:00:00:50", ("s1", "10.0.0.50"));
        await CreateAsync(portA, p => p.Status = portA.Status);
        var bound = PortHolding("project-a", "bound-port", "net", "fa:16:3e:00:00:51", ("s1", "10.0.0.51"));
        bound.Status!.ServerRef = new LocalObjectReference { Name = "other-vm" };
        await CreateAsync(bound, p => p.Status = bound.Status);

        await CreateAsync(Volume("project-a", "data"));
        await CreateAsync(VolumeAttachedTo("project-a", "busy", false, "other-vm"), v => v.Status = new VolumeStatus
        {
            Phase = VolumePhase.InUse,
            Attachments = [new VolumeAttachment { Server = "other-vm", AttachedAt = DateTimeOffset.UnixEpoch }],
        });
        await CreateAsync(Volume("project-a", "broken-vol"), v => v.Status = new VolumeStatus { Phase = VolumePhase.Error });
        await CreateAsync(Group("project-a", "group"));
        await CreateAsync(Server("project-a", "vm-a"));

        foreach (var project in QuotaProjects)
        {
            await Admin.CreateAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = project } });
            await Users.AddMemberAsync(CloudUsers.MemberA, project);
        }

        await CreateAsync(Server("quota-servers", "existing", image: null, configure: s => s.ImageRef = PublicImage));
        await CreateAsync(QuotaOf("quota-servers", q => q.Servers = 1));
        await CreateAsync(QuotaOf("quota-vcpus", q => q.Vcpus = 4));
        await CreateAsync(Network("quota-ports", "net", Subnet("s1", "10.9.0.0/24")));
        await CreateAsync(Port("quota-ports", "existing", "net"));
        await CreateAsync(QuotaOf("quota-ports", q => q.Ports = 1));
        await CreateAsync(Network("quota-networks", "existing", Subnet("s1", "10.9.0.0/24")));
        await CreateAsync(QuotaOf("quota-networks", q => q.Networks = 1));
        await CreateAsync(Volume("quota-volumes", "existing", "15Gi"));
        await CreateAsync(QuotaOf("quota-volumes", q => q.VolumeStorage = Quantity.Parse("20Gi")));
    }

    /// <summary>The public image of project-b, usable from every project.</summary>
    public static NamespacedObjectReference PublicImage => new() { Name = "public-img", Namespace = "project-b" };

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Cluster.DisposeAsync();
    }

    /// <summary>Creates the object as the admin (through the webhook), then writes the status it was built with.</summary>
    private async Task CreateAsync<T>(T obj, Action<T>? status = null)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        obj.Metadata.Uid = null;
        obj.Metadata.CreationTimestamp = null;
        var created = await Admin.CreateAsync(obj);
        if (status is not null)
        {
            status(created);
            await Admin.UpdateStatusAsync(created);
        }
    }
}
