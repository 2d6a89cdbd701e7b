using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.IntegrationTests.Admission;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Rbac;

/// <summary>
/// RBAC as Keystone, with the chart's roles: alice the cloud admin, bob a member of project-a, carol a member of
/// project-b, dave a reader of project-a. What each may do is asked twice with the real kubectl (1.32): with the
/// user's own token, and as the cluster's admin impersonating them (<c>--as</c>); and tried with real requests.
/// </summary>
public sealed class KeystoneRoleTests(AdmissionCloud cloud) : IClassFixture<AdmissionCloud>
{
    private const string Alice = CloudUsers.Admin;
    private const string Bob = CloudUsers.MemberA;
    private const string Carol = CloudUsers.MemberB;
    private const string Dave = CloudUsers.ReaderA;

    /// <summary>user, `kubectl auth can-i` arguments, expected answer.</summary>
    public static TheoryData<string, string, string> Permissions => new()
    {
        // The cloud admin: everything, the webhook's admin-only questions included.
        { Alice, "create flavors.kubecloud.io", "yes" },
        { Alice, "list hypervisors.kubecloud.io", "yes" },
        { Alice, "update projectquotas.kubecloud.io -n project-b", "yes" },
        { Alice, "create servers.kubecloud.io --subresource=forcenode -n project-a", "yes" },
        { Alice, "create networks.kubecloud.io --subresource=provider -n project-a", "yes" },
        { Alice, "create networks.kubecloud.io --subresource=shared -n project-b", "yes" },
        { Alice, "create images.kubecloud.io --subresource=publicize -n project-a", "yes" },
        { Alice, "use networks.kubecloud.io/private-net -n project-b", "yes" },
        { Alice, "use flavors.kubecloud.io/gpu", "yes" },

        // A member: their project's cloud, nothing of another project, no admin-only field.
        { Bob, "create servers.kubecloud.io -n project-a", "yes" },
        { Bob, "delete volumes.kubecloud.io -n project-a", "yes" },
        { Bob, "use networks.kubecloud.io/net -n project-a", "yes" },
        { Bob, "use images.kubecloud.io -n project-a", "yes" },
        { Bob, "get servers.kubecloud.io --subresource=status -n project-a", "yes" },
        { Bob, "list projectquotas.kubecloud.io -n project-a", "yes" },
        { Bob, "update projectquotas.kubecloud.io -n project-a", "no" },
        { Bob, "patch servers.kubecloud.io --subresource=status -n project-a", "no" },
        { Bob, "create servers.kubecloud.io --subresource=forcenode -n project-a", "no" },
        { Bob, "create networks.kubecloud.io --subresource=provider -n project-a", "no" },
        { Bob, "create networks.kubecloud.io --subresource=shared -n project-a", "no" },
        { Bob, "create images.kubecloud.io --subresource=publicize -n project-a", "no" },
        { Bob, "use flavors.kubecloud.io/gpu", "no" },
        { Bob, "list servers.kubecloud.io -n project-b", "no" },
        { Bob, "use networks.kubecloud.io/private-net -n project-b", "no" },
        { Bob, "list flavors.kubecloud.io", "yes" },
        { Bob, "create flavors.kubecloud.io", "no" },
        { Bob, "list hypervisors.kubecloud.io", "no" },
        { Bob, "deletecollection servers.kubecloud.io -n project-a", "no" },

        // The other member: the mirror image.
        { Carol, "create servers.kubecloud.io -n project-b", "yes" },
        { Carol, "use networks.kubecloud.io/private-net -n project-b", "yes" },
        { Carol, "list servers.kubecloud.io -n project-a", "no" },
        { Carol, "use networks.kubecloud.io/net -n project-a", "no" },

        // A reader: sees the project, changes nothing.
        { Dave, "list servers.kubecloud.io -n project-a", "yes" },
        { Dave, "get volumes.kubecloud.io -n project-a", "yes" },
        { Dave, "list projectquotas.kubecloud.io -n project-a", "yes" },
        { Dave, "create servers.kubecloud.io -n project-a", "no" },
        { Dave, "delete networks.kubecloud.io -n project-a", "no" },
        { Dave, "use networks.kubecloud.io/net -n project-a", "no" },
        { Dave, "list servers.kubecloud.io -n project-b", "no" },
    };

    [Theory]
    [MemberData(nameof(Permissions))]
    public async Task Kubectl_auth_can_i_answers_as_the_role_allows_with_the_users_token_and_as_impersonated(string user, string question, string expected)
    {
        var own = await cloud.Users.KubectlFor(user).RunAsync(KubeClients.Kubectl132, $"auth can-i {question}");
        Assert.True(own.Stdout.Trim() == expected, $"{user}: can-i {question}: {own}");
        var impersonated = await cloud.Users.KubectlAsClusterAdmin().RunAsync(KubeClients.Kubectl132, $"auth can-i {question} --as {user}");
        Assert.True(impersonated.Stdout.Trim() == expected, $"--as {user}: can-i {question}: {impersonated}");
    }

    [Fact]
    public async Task A_member_works_in_their_own_project_only()
    {
        using var bob = cloud.Users.ClientFor(Bob);
        await bob.CreateAsync(Server("project-a", "bobs-vm").Unstamped());
        Assert.Contains((await bob.ListAsync<Server>("project-a")).Items ?? [], s => s.Metadata.Name == "bobs-vm");
        Assert.NotEmpty((await bob.ListAsync<ProjectQuota>("quota-servers")).Items ?? []);
        Assert.NotEmpty((await bob.ListAsync<Flavor>()).Items ?? []);

        await Assert.ThrowsAsync<ForbiddenException>(() => bob.ListAsync<Server>("project-b"));
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(Server("project-b", "bobs-intruder", image: null,
            configure: s => s.ImageRef = AdmissionCloud.PublicImage).Unstamped()));
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(Flavor("bobs-flavor").Unstamped()));
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.CreateAsync(QuotaOf("project-a", q => q.Servers = 1000).Unstamped()));
        await Assert.ThrowsAsync<ForbiddenException>(() => bob.ListAsync<Hypervisor>());
    }

    [Fact]
    public async Task The_other_member_cannot_see_or_touch_the_first_members_project()
    {
        using var carol = cloud.Users.ClientFor(Carol);
        await Assert.ThrowsAsync<ForbiddenException>(() => carol.GetAsync<Server>("vm-a", "project-a"));
        await Assert.ThrowsAsync<ForbiddenException>(() => carol.DeleteAsync<Volume>("data", "project-a"));
        await carol.CreateAsync(Group("project-b", "carols-group").Unstamped());
        Assert.NotNull(await cloud.Admin.GetAsync<ServerGroup>("carols-group", "project-b"));
    }

    [Fact]
    public async Task A_reader_sees_the_project_and_changes_nothing()
    {
        using var dave = cloud.Users.ClientFor(Dave);
        Assert.Contains((await dave.ListAsync<Server>("project-a")).Items ?? [], s => s.Metadata.Name == "vm-a");
        Assert.NotNull(await dave.GetAsync<Network>("net", "project-a"));
        await Assert.ThrowsAsync<ForbiddenException>(() => dave.CreateAsync(Group("project-a", "daves-group").Unstamped()));
        await Assert.ThrowsAsync<ForbiddenException>(() => dave.DeleteAsync<Server>("vm-a", "project-a"));
        await Assert.ThrowsAsync<ForbiddenException>(() => dave.ListAsync<Server>("project-b"));
        Assert.NotNull(await cloud.Admin.GetAsync<Server>("vm-a", "project-a"));
    }

    [Fact]
    public async Task The_cloud_admin_manages_flavors_quotas_and_hypervisors()
    {
        using var alice = cloud.Users.ClientFor(Alice);
        await alice.CreateAsync(Flavor("alices-flavor", 2, "2Gi", "20Gi").Unstamped());
        await alice.CreateAsync(QuotaOf("project-a", q => q.Servers = 1000).Unstamped());
        Assert.Empty((await alice.ListAsync<Hypervisor>()).Items ?? []);
        Assert.Contains((await alice.ListAsync<Server>("project-a")).Items ?? [], s => s.Metadata.Name == "vm-a");
        Assert.NotNull(await cloud.Admin.GetAsync<Flavor>("alices-flavor"));
    }
}
