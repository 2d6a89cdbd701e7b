using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.IntegrationTests.Rbac;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>
/// Good requests pass the webhook and are stored; a RoleBinding granting <c>use</c> opens another project's network;
/// the cloud admin may set the admin-only fields; the webhook's metrics count what it answered.
/// </summary>
public sealed class AdmissionAcceptTests(AdmissionCloud cloud) : IClassFixture<AdmissionCloud>
{
    private static ServerNetwork OnNetwork(string name, string? ns = null, string? fixedIP = null) =>
        new() { NetworkRef = new NamespacedObjectReference { Name = name, Namespace = ns }, FixedIP = fixedIP };

    /// <summary>A request by a user: create the object, then read it back as the admin.</summary>
    private sealed record Good(string User, Func<KubeClient, Task> Create, Func<KubeClient, Task> Read)
    {
        public static Good Of<T>(string user, Func<T> build)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => new(
            user,
            client => client.CreateAsync(build().Unstamped()),
            async admin =>
            {
                var obj = build();
                Assert.NotNull(await admin.GetAsync<T>(obj.Metadata.Name, obj.Metadata.NamespaceProperty));
            });
    }

    private static readonly Dictionary<string, Good> Cases = new()
    {
        ["member: server on an own network with a volume"] = Good.Of(CloudUsers.MemberA, () => Server("project-a", "ok-own", configure: s =>
        {
            s.Networks = [OnNetwork("net")];
            s.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "data" } }];
        })),
        ["member: server on another project's shared network"] = Good.Of(CloudUsers.MemberA, () => Server("project-a", "ok-shared-net", configure: s => s.Networks = [OnNetwork("shared-net", "project-b")])),
        ["member: server from another project's public image"] = Good.Of(CloudUsers.MemberA, () => Server("project-a", "ok-public-img", image: null, configure: s => s.ImageRef = AdmissionCloud.PublicImage)),
        ["member: server from an image shared with the project"] = Good.Of(CloudUsers.MemberA, () => Server("project-a", "ok-shared-img", image: null,
            configure: s => s.ImageRef = new NamespacedObjectReference { Name = "shared-with-a", Namespace = "project-b" })),
        ["member: server with a free fixed IP"] = Good.Of(CloudUsers.MemberA, () => Server("project-a", "ok-fixed-ip", configure: s => s.Networks = [OnNetwork("net", fixedIP: "10.0.0.60")])),
        ["member: port with a free fixed IP and MAC"] = Good.Of(CloudUsers.MemberA, () => Port("project-a", "ok-port", "net", configure: p =>
        {
            p.Spec.FixedIPs = [new FixedIP { Subnet = "s1", IPAddress = "10.0.0.61" }];
            p.Spec.MacAddress = "fa:16:3e:00:00:61";
        })),
        ["member: network with two disjoint subnets"] = Good.Of(CloudUsers.MemberA, () => Network("project-a", "ok-net", Subnet("a", "10.20.0.0/24"), Subnet("b", "10.21.0.0/24", "10.21.0.254"))),
        ["member: volume from an image, large enough"] = Good.Of(CloudUsers.MemberA, () => Volume("project-a", "ok-vol", "10Gi",
            v => v.Spec.Source = new VolumeSource { ImageRef = new NamespacedObjectReference { Name = "debian" } })),
        ["member: private image"] = Good.Of(CloudUsers.MemberA, () => Image("project-a", "ok-image")),
        ["member: server group"] = Good.Of(CloudUsers.MemberA, () => Group("project-a", "ok-group")),
        ["admin: forceNode"] = Good.Of(CloudUsers.Admin, () => Server("project-a", "ok-forced", configure: s => s.ForceNode = "node-1")),
        ["admin: shared provider network"] = Good.Of(CloudUsers.Admin, () => Network("project-a", "ok-provider", n =>
        {
            n.Shared = true;
            n.ProviderType = ProviderType.Vlan;
            n.PhysicalNetwork = "physnet1";
            n.SegmentationId = 100;
        }, Subnet("a", "192.0.2.0/24"))),
        ["admin: public image"] = Good.Of(CloudUsers.Admin, () => Image("project-a", "ok-public", i => i.Visibility = ImageVisibility.Public)),
        ["admin: server in a private flavor"] = Good.Of(CloudUsers.Admin, () => Server("project-a", "ok-gpu", flavor: "gpu")),
        ["admin: project quota"] = Good.Of(CloudUsers.Admin, () => QuotaOf("project-b", q => q.Vcpus = 100)),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_good_request_is_admitted_and_stored(string name)
    {
        var good = Cases[name];
        using var client = cloud.Users.ClientFor(good.User);
        await good.Create(client);
        await good.Read(cloud.Admin);
    }

    [Fact]
    public async Task A_RoleBinding_granting_use_opens_another_projects_network()
    {
        using var bob = cloud.Users.ClientFor(CloudUsers.MemberA);
        Server Request() => Server("project-a", "on-granted-net", configure: s => s.Networks = [OnNetwork("granted-net", "project-b")]).Unstamped();

        var refusal = await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(Request()));
        Assert.Contains($"[{AdmissionRules.NetworkAccess}]", refusal.Status?.Message, StringComparison.Ordinal);

        await cloud.Admin.CreateAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "granted-net-users", NamespaceProperty = "project-b" },
            Rules = [new V1PolicyRule { ApiGroups = [ApiGroup.Name], Resources = ["networks"], ResourceNames = ["granted-net"], Verbs = ["use"] }],
        });
        await cloud.Admin.CreateAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bob-uses-granted-net", NamespaceProperty = "project-b" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "granted-net-users" },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = CloudUsers.MemberA }],
        });

        var created = await bob.CreateAsync(Request());
        Assert.Equal("granted-net", created.Spec.Networks![0].NetworkRef!.Name);

        // The grant names one network: the private one next to it stays closed.
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(
            Server("project-a", "on-private-net", configure: s => s.Networks = [OnNetwork("private-net", "project-b")]).Unstamped()));
    }

    [Fact]
    public async Task The_metrics_count_admission_requests_by_kind_operation_and_verdict()
    {
        using var bob = cloud.Users.ClientFor(CloudUsers.MemberA);
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(Server("project-a", "metrics-vm", configure: s => s.ForceNode = "node-1").Unstamped()));
        await bob.CreateAsync(Group("project-a", "metrics-group").Unstamped());

        using var http = new HttpClient { BaseAddress = cloud.Operator.HealthEndpoint };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Matches("""kubecloud_admission_requests_total\{kind="Server",operation="CREATE",allowed="false"\} [1-9]""", metrics);
        Assert.Matches("""kubecloud_admission_requests_total\{kind="ServerGroup",operation="CREATE",allowed="true"\} [1-9]""", metrics);
        Assert.Matches("""kubecloud_admission_duration_seconds_count\{kind="Server",operation="CREATE"\} [1-9]""", metrics);
    }
}

/// <summary>Builders stamp a uid and creation time for the unit tables; a create sends neither.</summary>
internal static class Unstamping
{
    public static T Unstamped<T>(this T obj)
        where T : k8s.IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata.Uid = null;
        obj.Metadata.CreationTimestamp = null;
        return obj;
    }
}
