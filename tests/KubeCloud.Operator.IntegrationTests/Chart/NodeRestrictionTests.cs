using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Controllers.Volumes;
using KubeCloud.Operator.IntegrationTests.Admission;
using KubeCloud.Operator.IntegrationTests.Volumes;
using KubeCloud.Testing;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Chart;

/// <summary>
/// NodeRestriction: the node daemon of n1, with the chart's RBAC (rendered by helm) and a token bound to its pod on n1
/// (TokenRequest, as the kubelet projects it), writes its own Hypervisor and the Servers bound to n1, and is refused
/// (403, rule NodeRestriction) on n2's; likewise the Volumes it serves or that are attached on n1, the Ports on n1, and
/// only its own DHCP port to create and delete, only its own entry of an Image's status.nodes; a token of the same account that names no node is refused too.
/// </summary>
public sealed class NodeRestrictionTests(NodeRestrictionTests.NodeCloud cloud) : IClassFixture<NodeRestrictionTests.NodeCloud>
{
    [Fact]
    public async Task The_token_of_a_pod_names_the_pods_node_in_the_users_extra()
    {
        var review = await cloud.Admin.Kubernetes.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = cloud.PodToken },
        });
        Assert.True(review.Status.Authenticated, review.Status.Error);
        Assert.Equal("system:serviceaccount:kubecloud-system:kubecloud-node", review.Status.User.Username);
        Assert.Equal(["n1"], review.Status.User.Extra[NodeRestriction.NodeNameExtra]);
        Assert.Equal([cloud.NodeUid], review.Status.User.Extra["authentication.kubernetes.io/node-uid"]);
    }

    [Fact]
    public async Task The_daemon_writes_its_own_hypervisor_and_not_another_nodes()
    {
        using var daemon = cloud.Daemon();
        var own = await daemon.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = "n1" } });
        await NodeReports.HeartbeatAsync(daemon, own);

        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => daemon.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = "n3" } }));
        Assert.Contains("may write only its own Hypervisor (n1), not n3 [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        var other = await cloud.Admin.GetAsync<Hypervisor>("n2");
        refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.HeartbeatAsync(daemon, other));
        Assert.Contains("not n2 [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        Assert.Null((await cloud.Admin.GetAsync<Hypervisor>("n2")).Status?.LastHeartbeatTime);
    }

    [Fact]
    public async Task The_daemon_writes_the_servers_bound_to_its_node_only()
    {
        using var daemon = cloud.Daemon();
        var mine = await daemon.GetAsync<Server>("on-n1", "project-a");
        mine = await Finalizers.AddAsync(daemon, mine, NodeRestriction.CleanupFinalizer);
        await NodeReports.SpawnedAsync(daemon, mine);

        var theirs = await daemon.GetAsync<Server>("on-n2", "project-a");
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => Finalizers.AddAsync(daemon, theirs, NodeRestriction.CleanupFinalizer));
        Assert.Contains("may write only Servers bound to n1; project-a/on-n2 is bound to node n2 [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.SpawnedAsync(daemon, theirs));

        mine = await daemon.GetAsync<Server>("on-n1", "project-a");
        mine.Metadata.Labels[ApiGroup.NodeLabel] = "n2";
        refused = await Assert.ThrowsAsync<ForbiddenException>(() => daemon.UpdateAsync(mine));
        Assert.Contains("may not move project-a/on-n1 to node n2", refused.Message, StringComparison.Ordinal);
        var stored = await cloud.Admin.GetAsync<Server>("on-n2", "project-a");
        Assert.DoesNotContain(NodeRestriction.CleanupFinalizer, stored.Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task The_daemon_writes_the_volumes_it_serves_or_that_are_attached_on_its_node_only()
    {
        using var daemon = cloud.Daemon();
        await NodeReports.ExportAsync(daemon, await daemon.GetAsync<Volume>("served-by-n1", "project-a"));
        await Finalizers.AddAsync(daemon, await daemon.GetAsync<Volume>("attached-on-n1", "project-a"), VolumeConditions.StorageCleanupFinalizer);

        var theirs = await daemon.GetAsync<Volume>("served-by-n2", "project-a");
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ExportAsync(daemon, theirs));
        Assert.Contains("may write only Volumes served by or attached on n1; project-a/served-by-n2 is served by node n2 and attached on no node [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ApplyStatusAsync(daemon, theirs, new VolumeStatus { Capacity = theirs.Spec.Size }));
        Assert.Contains("[NodeRestriction]", refused.Message, StringComparison.Ordinal);

        var mine = await daemon.GetAsync<Volume>("served-by-n1", "project-a");
        refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ApplyStatusAsync(daemon, mine, new VolumeStatus { BackendNode = "n2" }));
        Assert.Contains("project-a/served-by-n1 would be served by node n2 and attached on no node [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        var stored = await cloud.Admin.GetAsync<Volume>("served-by-n2", "project-a");
        Assert.DoesNotContain(VolumeConditions.StorageCleanupFinalizer, stored.Metadata.Finalizers ?? []);
        Assert.Null(stored.Status!.Capacity);
    }

    [Fact]
    public async Task The_daemon_writes_the_ports_on_its_node_and_creates_and_deletes_only_its_own_dhcp_port()
    {
        using var daemon = cloud.Daemon();
        await NodeReports.ApplyStatusAsync(daemon, await cloud.Admin.GetAsync<Port>("port-on-n1", "project-a"), new PortStatus { InterfaceName = "tap-n1" });
        var theirs = await cloud.Admin.GetAsync<Port>("port-on-n2", "project-a");
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ApplyStatusAsync(daemon, theirs, new PortStatus { InterfaceName = "tap-n2" }));
        Assert.Contains("may write only Ports on n1; project-a/port-on-n2 is on node n2 [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        Assert.Null((await cloud.Admin.GetAsync<Port>("port-on-n2", "project-a")).Status!.InterfaceName);

        var own = await daemon.CreateAsync(DhcpPortOf("n1", DhcpPort.NameFor("n1", "private")));
        Assert.Equal("dhcp-n1-private", own.Metadata.Name);
        await daemon.DeleteAsync<Port>(own.Metadata.Name, "project-a");
        foreach (var port in new[] { DhcpPortOf("n2", DhcpPort.NameFor("n2", "private")), DhcpPortOf("n1", "not-dhcp"), DhcpPortOf("n1", DhcpPort.NameFor("n1", "other")) })
        {
            refused = await Assert.ThrowsAsync<ForbiddenException>(() => daemon.CreateAsync(port));
            Assert.Contains($"may create and delete only its own DHCP ports (dhcp-n1-<network> on <network> in its namespace, labelled kubecloud.io/dhcp-node=n1), not project-a/{port.Metadata.Name} [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        }

        refused = await Assert.ThrowsAsync<ForbiddenException>(() => daemon.DeleteAsync<Port>("port-on-n1", "project-a"));
        Assert.Contains("not project-a/port-on-n1 [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(await cloud.Admin.GetAsync<Port>("port-on-n1", "project-a"));
    }

    private static Port DhcpPortOf(string node, string name) =>
        Port("project-a", name, "private", configure: p => p.Metadata.Labels = new Dictionary<string, string> { [DhcpPort.NodeLabel] = node }).Unstamped();

    [Fact]
    public async Task The_daemon_writes_its_own_entry_of_an_images_status_nodes_only()
    {
        using var daemon = cloud.Daemon();
        var image = await cloud.Admin.GetAsync<Image>("debian", "project-a"); // the daemon lists and watches Images, it does not get them
        ImageStatus Entry(string node) => new() { Nodes = [new ImageNodeStatus { Node = node, State = ImageCacheState.Cached, LastUsedTime = DateTimeOffset.UtcNow }] };

        await NodeReports.ApplyStatusAsync(daemon, image, Entry("n1"), "kubecloud-node.n1");

        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ApplyStatusAsync(daemon, image, Entry("n2"), "kubecloud-node.n2"));
        Assert.Contains("may write only the status.nodes entry of n1 of Image project-a/debian, not another node's entry or another field [NodeRestriction]", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ForbiddenException>(() => NodeReports.ApplyStatusAsync(daemon, image, new ImageStatus { Phase = ImagePhase.Error }, "kubecloud-node.n1"));
        var stored = await cloud.Admin.GetAsync<Image>("debian", "project-a");
        Assert.Equal(["n1"], stored.Status!.Nodes!.Select(n => n.Node));
        Assert.NotEqual(ImagePhase.Error, stored.Status.Phase);
    }

    [Fact]
    public async Task A_token_of_the_daemons_account_without_a_node_is_refused()
    {
        using var daemon = cloud.Cluster.NewClient(cloud.Cluster.ConfigFor(cloud.UnboundToken));
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => daemon.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = "n4" } }));
        Assert.Contains("its token names no node (authentication.kubernetes.io/node-name)", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The local control plane, the chart's node RBAC, a webhook-only operator narrowing kubecloud-system/kubecloud-node, nodes n1 and n2, a daemon pod on n1.</summary>
    public sealed class NodeCloud : IAsyncLifetime
    {
        public OperatorCluster Cluster { get; private set; } = null!;

        public KubeClient Admin { get; private set; } = null!;

        public string PodToken { get; private set; } = "";

        public string UnboundToken { get; private set; } = "";

        public string NodeUid { get; private set; } = "";

        public KubeClient Daemon() => Cluster.NewClient(Cluster.ConfigFor(PodToken));

        public async Task InitializeAsync()
        {
            Cluster = await OperatorCluster.StartAsync();
            Admin = Cluster.NewClient();
            foreach (var obj in await ChartRendering.RenderAsync("templates/node-rbac.yaml"))
            {
                await ChartRendering.CreateAsync(Admin, obj);
            }

            await Cluster.StartOperatorAsync(webhook: true, controllers: false, nodeServiceAccounts: ["kubecloud-system/kubecloud-node"]);
            var k8s = Admin.Kubernetes;
            foreach (var node in new[] { "n1", "n2" })
            {
                var created = await k8s.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node } });
                NodeUid = node == "n1" ? created.Metadata.Uid : NodeUid;
            }

            await k8s.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "kubecloud-node-n1" },
                Spec = new V1PodSpec
                {
                    NodeName = "n1",
                    ServiceAccountName = "kubecloud-node",
                    Containers = [new V1Container { Name = "node", Image = "kubecloud/node:test" }],
                },
            }, "kubecloud-system");
            PodToken = (await k8s.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec
                {
                    Audiences = [],
                    BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = "kubecloud-node-n1" },
                },
            }, "kubecloud-node", "kubecloud-system")).Status.Token;
            UnboundToken = (await k8s.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec { Audiences = [] },
            }, "kubecloud-node", "kubecloud-system")).Status.Token;

            await Admin.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = "n2" } });
            await Admin.CreateAsync(Flavor("m1.small", 1, "1Gi", "10Gi").Unstamped());
            await Admin.CreateAsync(Image("project-a", "debian").Unstamped());
            foreach (var (name, node) in new[] { ("on-n1", "n1"), ("on-n2", "n2") })
            {
                var server = Server("project-a", name).Unstamped();
                server.Metadata.Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = node };
                await Admin.CreateAsync(server);
            }

            // As the operator would have placed them: volumes served by n1 and n2, one of n2's attached on n1; ports on n1 and n2.
            await Admin.CreateAsync(Network("project-a", "private", Subnet("v4", "10.0.0.0/24")).Unstamped());
            foreach (var (name, backend, attachedOn) in new[] { ("served-by-n1", "n1", (string?)null), ("served-by-n2", "n2", null), ("attached-on-n1", "n2", "n1") })
            {
                var volume = await Admin.CreateAsync(Volume("project-a", name).Unstamped());
                await NodeReports.ApplyStatusAsync(Admin, volume, new VolumeStatus
                {
                    BackendNode = backend,
                    Attachments = attachedOn is null ? null : [new VolumeAttachment { Server = "on-n1", Node = attachedOn }],
                }, StatusApply.FieldManager);
            }

            foreach (var (name, node) in new[] { ("port-on-n1", "n1"), ("port-on-n2", "n2") })
            {
                var port = await Admin.CreateAsync(Port("project-a", name, "private").Unstamped());
                await NodeReports.ApplyStatusAsync(Admin, port, new PortStatus { Node = node }, StatusApply.FieldManager);
            }
        }

        public async Task DisposeAsync()
        {
            Admin.Dispose();
            await Cluster.DisposeAsync();
        }
    }
}
