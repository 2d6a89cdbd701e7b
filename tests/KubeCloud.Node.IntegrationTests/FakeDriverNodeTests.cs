using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Heartbeat;
using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Node.IntegrationTests;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;
using HypervisorType = KubeCloud.Api.V1Alpha1.HypervisorType;

/// <summary>
/// One node daemon on the fake driver against the local API server, with the test playing the operator: the Server's
/// whole life (build, power changes, reboot, delete), what a restarted daemon adopts and removes, and the heartbeat.
/// </summary>
public sealed class FakeDriverNodeTests : IAsyncLifetime
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly string _state = Path.Combine(Path.GetTempPath(), "kc-node-it-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeHypervisorDriver _fake = new();
    private readonly InMemoryInstanceFiles _files = new();
    private readonly string _node = "node-" + Guid.NewGuid().ToString("N")[..6];
    private NodeCluster _cluster = null!;
    private CountingDriver _driver = null!;

    public async Task InitializeAsync()
    {
        _driver = new CountingDriver(_fake);
        _cluster = await NodeCluster.StartAsync();
        await _cluster.EnsureFlavorAndImageAsync(Sha);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _fake.Dispose();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, true);
        }
    }

    private Task<RunningNode> StartNodeAsync() => _cluster.StartNodeAsync(_node, _state, _driver, _files);

    private Task<Server> WaitAsync(string name, Func<Server, bool> condition, string what) =>
        NodeCluster.EventuallyAsync(() => _cluster.GetServerAsync(name), condition, $"{name}: {what}");

    [Fact]
    public async Task A_bound_server_is_built_and_reported_with_the_nodes_fields_only()
    {
        await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("web-1", _node);

        var server = await WaitAsync("web-1", s => NodeCluster.Spawned(s) && s.Status?.PowerState == ObservedPowerState.Running, "Spawned and Running");

        Assert.Contains(NodeStatusApply.CleanupFinalizer, server.Metadata.Finalizers!);
        Assert.Contains(NodeCluster.ServerFinalizer, server.Metadata.Finalizers!);
        var image = Conditions.Find(server.Status, ServerReasons.ImageReady)!;
        Assert.Equal((ConditionStatus.True, ServerReasons.ImageCached), (image.Status, image.Reason));
        Assert.Equal(ServerReasons.Converged, Conditions.Find(server.Status, ServerReasons.Spawned)!.Reason);
        Assert.Equal(HypervisorType.Qemu, server.Status!.HypervisorType);
        Assert.NotNull(server.Status.LaunchedAt);

        // The operator's fields are untouched, and the node's are under its own field manager.
        Assert.Equal((ServerPhase.Building, _node, "m1.tiny"), (server.Status.Phase, server.Status.Node, server.Status.Flavor?.Name));
        Assert.Null(server.Status.ObservedGeneration);
        var managers = server.Metadata.ManagedFields!.Where(m => m.Subresource == "status").Select(m => m.Manager).Order(StringComparer.Ordinal);
        Assert.Equal([NodeStatusApply.FieldManager, NodeCluster.OperatorManager], managers);

        var domain = _fake.Find("kc-project-a-web-1")!;
        Assert.Equal((DomainState.Running, Guid.Parse(server.Metadata.Uid)), (domain.Status.State, domain.Uuid));
        Assert.Contains(Sha, _files.CachedImages);
    }

    [Fact]
    public async Task A_server_with_a_port_gets_a_nic_with_the_ports_mac_and_waits_for_it_before()
    {
        await StartNodeAsync();
        await _cluster.Client.CreateAsync(new Network
        {
            Metadata = new() { Name = "private", NamespaceProperty = NodeCluster.Project },
            Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = "10.1.0.0/24" }] },
        });
        var port = await _cluster.Client.CreateAsync(new Port
        {
            // labelled with the node, as the operator labels a port bound to a server placed there (the node watches only those)
            Metadata = new() { Name = "web-2-port", NamespaceProperty = NodeCluster.Project, Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = _node } },
            Spec = new PortSpec { NetworkRef = new() { Name = "private" } },
        });
        await _cluster.CreateBoundServerAsync("web-2", _node, networks: [new ServerNetwork { PortRef = new() { Name = "web-2-port" } }]);

        var waiting = await WaitAsync("web-2", s => Conditions.Find(s.Status, ServerReasons.Spawned)?.Reason == ServerReasons.Waiting, "Spawned False, Waiting");
        Assert.Contains("MAC address of port web-2-port", Conditions.Find(waiting.Status, ServerReasons.Spawned)!.Message);
        Assert.Null(_fake.Find("kc-project-a-web-2"));

        await _cluster.ApplyOperatorStatusAsync(port, new PortStatus
        {
            Phase = PortPhase.Build,
            MacAddress = "fa:16:3e:00:00:42",
            FixedIPs = [new AllocatedIP { Subnet = "v4", IPAddress = "10.1.0.42" }],
            ServerRef = new() { Name = "web-2" },
            Node = _node,
        });

        await WaitAsync("web-2", NodeCluster.Spawned, "Spawned once the port has its MAC");
        Assert.Contains("fa:16:3e:00:00:42", _fake.GetXml("kc-project-a-web-2"));

        // The port's interfaceName is the node's field: the tap of its NIC, beside the operator's fields.
        var tap = Networking.DeviceNames.Tap(port.Metadata.Uid!);
        Assert.Contains($"dev=\"{tap}\"", _fake.GetXml("kc-project-a-web-2"));
        var reported = await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Port>("web-2-port", NodeCluster.Project),
            p => p.Status?.InterfaceName == tap, "the port's interfaceName");
        Assert.Equal(("fa:16:3e:00:00:42", _node), (reported.Status!.MacAddress, reported.Status.Node));
    }

    [Theory]
    [InlineData(DesiredPowerState.Stopped, ObservedPowerState.Shutoff)]
    [InlineData(DesiredPowerState.Paused, ObservedPowerState.Paused)]
    [InlineData(DesiredPowerState.Suspended, ObservedPowerState.Suspended)]
    public async Task Power_state_follows_the_spec_and_back(DesiredPowerState desired, ObservedPowerState observed)
    {
        await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("web-3", _node);
        await WaitAsync("web-3", s => NodeCluster.Spawned(s) && s.Status?.PowerState == ObservedPowerState.Running, "Running");

        await SetPowerAsync("web-3", desired);
        var changed = await WaitAsync("web-3", s => NodeCluster.Spawned(s) && s.Status?.PowerState == observed, $"{observed} for the new generation");
        Assert.Equal(changed.Metadata.Generation, Conditions.Find(changed.Status, ServerReasons.Spawned)!.ObservedGeneration);
        Assert.Equal(observed, PowerPlanner.Observe(_fake.GetStatus("kc-project-a-web-3"), _fake.HasManagedSaveImage("kc-project-a-web-3")));

        await SetPowerAsync("web-3", DesiredPowerState.Running);
        await WaitAsync("web-3", s => NodeCluster.Spawned(s) && s.Status?.PowerState == ObservedPowerState.Running, "Running again");
        Assert.Equal(DomainState.Running, _fake.GetStatus("kc-project-a-web-3").State);
    }

    [Fact]
    public async Task A_reboot_request_reboots_once_per_value_and_is_reported()
    {
        await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("web-4", _node);
        await WaitAsync("web-4", NodeCluster.Spawned, "Spawned");

        await AnnotateAsync("web-4", "2026-12-03T10:00:00Z");
        await WaitAsync("web-4", s => s.Status?.ObservedRebootRequest == "2026-12-03T10:00:00Z", "observedRebootRequest");
        Assert.Equal(1, _driver.Calls(nameof(IHypervisorDriver.Reboot)));

        await AnnotateAsync("web-4", "2026-12-03T10:05:00Z");
        await WaitAsync("web-4", s => s.Status?.ObservedRebootRequest == "2026-12-03T10:05:00Z", "the second observedRebootRequest");
        Assert.Equal(2, _driver.Calls(nameof(IHypervisorDriver.Reboot)));
    }

    [Fact]
    public async Task Deleting_a_server_removes_its_domain_and_files_then_the_nodes_finalizer()
    {
        await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("web-5", _node);
        await WaitAsync("web-5", NodeCluster.Spawned, "Spawned");
        var directory = Path.Combine(_state, "instances", "project-a_web-5");
        Assert.True(Directory.Exists(directory));

        await _cluster.Client.DeleteAsync<Server>("web-5", NodeCluster.Project);
        var deleting = await WaitAsync("web-5", s => s.Metadata.Finalizers?.Contains(NodeStatusApply.CleanupFinalizer) != true, "the node's finalizer removed");

        Assert.Equal([NodeCluster.ServerFinalizer], deleting.Metadata.Finalizers!); // the operator's is the operator's to remove
        Assert.Null(_fake.Find("kc-project-a-web-5"));
        Assert.False(Directory.Exists(directory));
        Assert.DoesNotContain(directory, _files.Instances.Keys);

        await _cluster.ReleaseServerAsync("web-5");
        await NodeCluster.EventuallyAsync(async () =>
        {
            try
            {
                await _cluster.GetServerAsync("web-5");
                return false;
            }
            catch (NotFoundException)
            {
                return true;
            }
        }, gone => gone, "web-5 gone");
    }

    [Fact]
    public async Task A_network_deleted_while_the_daemon_was_down_leaves_the_host_at_its_next_start()
    {
        // Real bridges and VXLAN devices (ip, root) beside the fake hypervisor, under a device prefix of this test's own.
        var prefix = "t" + Guid.NewGuid().ToString("N")[..3].Replace('0', 'z').Replace('1', 'y');
        RunningNode Start() => _cluster.StartNodeAsync(_node, _state, _driver, _files, o => o with { ManageNetworks = true, DevicePrefix = prefix }).GetAwaiter().GetResult();
        var first = Start();
        var network = await _cluster.Client.CreateAsync(new Network
        {
            Metadata = new() { Name = "gone", NamespaceProperty = NodeCluster.Project },
            Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = "10.9.0.0/24", EnableDHCP = false }] },
        });
        var vni = 4000 + Random.Shared.Next(1000);
        await _cluster.ApplyOperatorStatusAsync(network, new NetworkStatus { SegmentationId = vni });
        var port = await _cluster.Client.CreateAsync(new Port
        {
            Metadata = new() { Name = "gone-port", NamespaceProperty = NodeCluster.Project, Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = _node } },
            Spec = new PortSpec { NetworkRef = new() { Name = "gone" } },
        });
        await _cluster.ApplyOperatorStatusAsync(port, new PortStatus { Phase = PortPhase.Build, MacAddress = "fa:16:3e:00:00:43", Node = _node });
        var bridge = Networking.DeviceNames.Bridge(network.Metadata.Uid!, prefix);
        var vxlan = Networking.DeviceNames.Vxlan(network.Metadata.Uid!, prefix);
        static async Task<bool> LinkExists(string device) => (await Processes.ProcessCommandRunner.Instance.RunAsync("ip", ["link", "show", "dev", device])).Succeeded;
        try
        {
            var marker = Path.Combine(_state, "networks", network.Metadata.Uid!);
            await NodeCluster.EventuallyAsync(async () => await LinkExists(vxlan) && await LinkExists(bridge) && File.Exists(marker), up => up, "the network's bridge, VXLAN device and marker");
            await first.StopAsync();

            // While the daemon is down the network and its port go for good. The host is put back as the daemon left it
            // wired, in case its last watch events were still handled on the way down (then it unwired the network itself).
            await _cluster.Client.DeleteAsync<Port>("gone-port", NodeCluster.Project);
            await _cluster.Client.DeleteAsync<Network>("gone", NodeCluster.Project);
            await new Networking.BridgeNetwork(Processes.ProcessCommandRunner.Instance).EnsureAsync(new Networking.NetworkPlan
            {
                NetworkId = network.Metadata.Uid!,
                Vni = vni,
                LocalTunnelIp = System.Net.IPAddress.Parse("192.0.2.10"),
                DevicePrefix = prefix,
            });
            File.WriteAllText(marker, "project-a/gone");
            Assert.True(await LinkExists(bridge));

            Start();
            await NodeCluster.EventuallyAsync(async () => Directory.GetFiles(Path.Combine(_state, "networks")).Length == 0, gone => gone, "the orphan network's marker removed (after its devices)");
            Assert.False(await LinkExists(bridge));
            Assert.False(await LinkExists(vxlan));
        }
        finally
        {
            await Processes.ProcessCommandRunner.Instance.RunAsync("ip", ["link", "del", vxlan]);
            await Processes.ProcessCommandRunner.Instance.RunAsync("ip", ["link", "del", bridge]);
        }
    }

    [Fact]
    public async Task A_restarted_daemon_adopts_running_guests_without_touching_them_and_removes_orphans_after_its_cache_synced()
    {
        var first = await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("kept", _node);
        await _cluster.CreateBoundServerAsync("doomed", _node);
        await WaitAsync("kept", NodeCluster.Spawned, "Spawned");
        await WaitAsync("doomed", NodeCluster.Spawned, "Spawned");
        await first.StopAsync();

        // While the daemon is down: "doomed" is deleted for good (its finalizers forced away, as an admin might).
        var doomed = await _cluster.GetServerAsync("doomed");
        doomed.Metadata.Finalizers = [];
        await _cluster.Client.UpdateAsync(doomed);
        await _cluster.Client.DeleteAsync<Server>("doomed", NodeCluster.Project);
        var before = Calls();
        var passesBefore = NodeMetrics.StepDuration.WithLabels(_node, "power").Count;

        var second = await StartNodeAsync();
        await NodeCluster.EventuallyAsync(() => _fake.Find("kc-project-a-doomed") is null, "the orphan domain removed");
        await NodeCluster.EventuallyAsync(() => NodeMetrics.StepDuration.WithLabels(_node, "power").Count > passesBefore, "a pass over the kept server");

        // The only changes: the orphan destroyed and undefined. The kept guest is the same boot, never restarted or redefined.
        var made = Calls().Zip(before, (after, was) => (after.Method, Count: after.Count - was.Count)).Where(c => c.Count > 0).ToList();
        Assert.Equal([(nameof(IHypervisorDriver.Undefine), 1), (nameof(IHypervisorDriver.Destroy), 1)], made);
        Assert.Equal((DomainState.Running, "booted"), (_fake.GetStatus("kc-project-a-kept").State, _fake.GetStatus("kc-project-a-kept").ReasonName));
        Assert.True(NodeCluster.Spawned(await _cluster.GetServerAsync("kept")));
        Assert.False(Directory.Exists(Path.Combine(_state, "instances", "project-a_doomed")));
        Assert.True(second.Sweeper.Sweeps >= 1);
    }

    [Fact]
    public async Task The_heartbeat_creates_the_hypervisor_and_keeps_it_current_beside_the_operators_fields()
    {
        var node = await StartNodeAsync();
        var hypervisor = await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Hypervisor>(_node),
            h => Conditions.IsTrue(h.Status, ConditionTypes.Ready), "the Hypervisor, Ready");

        Assert.True(hypervisor.Status!.Capacity!.Vcpus > 0);
        Assert.True(hypervisor.Status.Capacity.Memory.Value() > 0);
        Assert.Equal(("192.0.2.10", HypervisorType.Qemu), (hypervisor.Status.TunnelIP, hypervisor.Status.HypervisorType));
        Assert.True(Conditions.IsTrue(hypervisor.Status, HypervisorReport.LibvirtReachable));
        Assert.Equal((ConditionStatus.False, "QemuTcgFallback"), (Conditions.Find(hypervisor.Status, HypervisorReport.KvmUsable)!.Status, Conditions.Find(hypervisor.Status, HypervisorReport.KvmUsable)!.Reason));

        await _cluster.ApplyOperatorStatusAsync(hypervisor, new HypervisorStatus { Instances = 3 });
        var first = hypervisor.Status.LastHeartbeatTime;
        var later = await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Hypervisor>(_node),
            h => h.Status?.LastHeartbeatTime > first.GetValueOrDefault().AddSeconds(1), "a later heartbeat");
        Assert.Equal(3, later.Status!.Instances);
        Assert.True(node.Heartbeat.Beats >= 2);
    }

    [Fact]
    public async Task An_image_that_fails_is_reported_with_its_reason_and_the_server_recovers_when_it_is_fixed()
    {
        _files.FailingImages[Sha] = $"image http://127.0.0.1:9/guest.qcow2: sha256 mismatch: expected {Sha}, got 00; the download was discarded";
        var node = await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("web-6", _node);

        var failed = await WaitAsync("web-6", s => Conditions.Find(s.Status, ServerReasons.ImageReady)?.Status == ConditionStatus.False, "ImageReady False");
        Assert.Equal(ServerReasons.ImageChecksumMismatch, Conditions.Find(failed.Status, ServerReasons.ImageReady)!.Reason);
        Assert.Contains("sha256 mismatch", Conditions.Find(failed.Status, ServerReasons.ImageReady)!.Message);
        Assert.Null(_fake.Find("kc-project-a-web-6"));
        var errorEntry = (await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Image>("guest", NodeCluster.Project),
            i => i.Status?.Nodes?.Any(n => n.Node == _node && n.State == ImageCacheState.Error) == true, "the image's Error on this node in status.nodes")).Status!.Nodes!.Single();
        Assert.Contains("sha256 mismatch", errorEntry.Message);

        _files.FailingImages.Clear();
        var fixedServer = await WaitAsync("web-6", NodeCluster.Spawned, "Spawned after the image was fixed");
        Assert.True(Conditions.IsTrue(fixedServer.Status, ServerReasons.ImageReady));

        var cached = (await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Image>("guest", NodeCluster.Project),
            i => i.Status?.Nodes?.Any(n => n.State == ImageCacheState.Cached) == true, "the image Cached on this node")).Status!.Nodes!.Single();
        Assert.Equal((_node, (string?)null), (cached.Node, cached.Message));
        Assert.NotNull(cached.LastUsedTime);

        // The image cache metrics (refreshed each heartbeat): the failures, then one miss; a second server is a hit.
        await _cluster.CreateBoundServerAsync("web-7", _node);
        await WaitAsync("web-7", NodeCluster.Spawned, "Spawned");
        await node.Heartbeat.BeatAsync(CancellationToken.None);
        double Requests(string result) => NodeMetrics.ImageCacheRequests.WithLabels(_node, result).Value;
        Assert.True(Requests("error") >= 1, $"error lookups: {Requests("error")}");
        Assert.Equal((1d, 1d, 1d), (Requests("miss"), Requests("hit"), NodeMetrics.ImageCacheImages.WithLabels(_node).Value));
    }

    [Fact]
    public async Task A_server_bound_to_another_node_is_left_alone()
    {
        await StartNodeAsync();
        await _cluster.CreateBoundServerAsync("elsewhere", "some-other-node");
        await _cluster.CreateBoundServerAsync("here", _node);
        await WaitAsync("here", NodeCluster.Spawned, "Spawned");

        var other = await _cluster.GetServerAsync("elsewhere");
        Assert.DoesNotContain(NodeStatusApply.CleanupFinalizer, other.Metadata.Finalizers!);
        Assert.Null(other.Status!.PowerState);
        Assert.Null(_fake.Find("kc-project-a-elsewhere"));
    }

    [Fact]
    public async Task A_node_that_wires_no_networks_caches_its_own_Hypervisor_only()
    {
        // As the kubelet watches its own Node: the other nodes' heartbeats never reach a daemon that needs no tunnel IPs.
        await _cluster.Client.CreateAsync(new Hypervisor { Metadata = new k8s.Models.V1ObjectMeta { Name = "some-other-node" } });
        var node = await StartNodeAsync();
        await NodeCluster.EventuallyAsync(
            () => Task.FromResult(node.App.Services.GetRequiredService<NodeInformers>().Hypervisors.Store.Get(null, _node)),
            h => h?.Status?.Capacity is not null, $"{_node}: its own Hypervisor in the cache");
        var cache = node.App.Services.GetRequiredService<NodeInformers>();
        await _cluster.Client.PatchAsync<Hypervisor>("some-other-node", null, KubePatch.Merge(new { metadata = new { labels = new Dictionary<string, string> { ["touched"] = "yes" } } }));
        await _cluster.CreateBoundServerAsync("here", _node);
        await WaitAsync("here", NodeCluster.Spawned, "Spawned");

        Assert.Equal([_node], cache.Hypervisors.Store.List().Select(h => h.Metadata.Name));
    }

    private List<(string Method, int Count)> Calls() =>
        [.. new[] { "Define", "Undefine", "Start", "ShutdownAsync", "Destroy", "Reboot", "Reset", "Suspend", "Resume", "ManagedSave" }.Select(m => (m, _driver.Calls(m)))];

    private async Task SetPowerAsync(string name, DesiredPowerState power) =>
        await _cluster.Client.PatchAsync<Server>(name, NodeCluster.Project, KubePatch.Merge(new { spec = new { powerState = power.ToString() } }));

    private async Task AnnotateAsync(string name, string value) =>
        await _cluster.Client.PatchAsync<Server>(name, NodeCluster.Project,
            KubePatch.Merge(new Dictionary<string, object> { ["metadata"] = new Dictionary<string, object> { ["annotations"] = new Dictionary<string, string> { [ApiGroup.RebootRequestedAtAnnotation] = value } } }));
}
