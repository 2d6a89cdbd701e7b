using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;
using OperatorServerReconciler = KubeCloud.Operator.Controllers.Servers.ServerReconciler;

namespace KubeCloud.Node.IntegrationTests.EndToEnd;

/// <summary>
/// Issue 12's end-to-end list on the real host (libvirt, QEMU under TCG here, bridges), with the real operator and node
/// daemon in this process (<see cref="RealCloud"/>): one guest is booted and taken through console, suspend, stop,
/// reboot, resize, a daemon restart with its heartbeat gone, and delete; a second server meets bad image input on the
/// node and recovers when the input is fixed. Each step is observed in libvirt and in the guest's console.
/// </summary>
[Collection(VmCollection.Name)]
public sealed class RealVmEndToEndTests(VmFixture vm, ITestOutputHelper output)
{
    /// <summary>The bound this test holds the cloud to for a server to reach Active and Ready (TCG boots in ~6 s on a quiet machine; the test host is shared).</summary>
    private static readonly TimeSpan ActiveWithin = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan Step = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_server_lives_its_whole_life_on_a_real_node_observed_in_libvirt_and_in_the_guest()
    {
        await using var cloud = await RealCloud.StartAsync(vm);
        var name = "web-" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"kc-{NodeCluster.Project}-{name}";
        using var bob = cloud.ClientFor(RealCloud.Member);
        try
        {
            // No spec.checksum: the operator reads the source once and fills status.checksum, which the node verifies against.
            var (url, sha, _) = await cloud.ServeGuestDiskAsync("guest.raw");
            await bob.CreateAsync(new Image { Metadata = new() { Name = "guest", NamespaceProperty = NodeCluster.Project }, Spec = new ImageSpec { Source = new() { Url = url.ToString() }, DiskFormat = DiskFormat.Raw } });
            await bob.CreateAsync(new Network { Metadata = new() { Name = "private", NamespaceProperty = NodeCluster.Project }, Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = "10.1.0.0/24" }] } });

            // 1. Created by a member: Active and Ready within the bound; the console, read through the API server's aggregation
            // layer (RBAC there, then the operator, then the node with the operator's token), shows the hostname and the port's address.
            var watch = Stopwatch.StartNew();
            await bob.CreateAsync(new Server
            {
                Metadata = new() { Name = name, NamespaceProperty = NodeCluster.Project },
                Spec = new ServerSpec { FlavorRef = new() { Name = RealCloud.SmallFlavor }, ImageRef = new() { Name = "guest" }, Networks = [new ServerNetwork { NetworkRef = new() { Name = "private" } }] },
            });
            var active = await ActiveAsync(cloud, name, ActiveWithin);
            output.WriteLine($"create to Active and Ready: {watch.Elapsed.TotalSeconds:0.0} s ({vm.Probe.Type})");
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
            var address = Assert.Single(active.Status!.Addresses!);
            var port = await cloud.Cluster.Client.GetAsync<Port>($"{name}-0", NodeCluster.Project);
            var log = cloud.ConsoleOf(name);
            await log.WaitForAsync($@"KC-READY", Step);
            var (status, console) = await cloud.ReadConsoleAsync(name, RealCloud.Member);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains($"KC-HOSTNAME {name}", console);
            Assert.Matches($@"KC-ADDR eth0 {Regex.Escape(port.Status!.MacAddress!)} {Regex.Escape(address.IPAddress)}/24 static", console);
            var reader = await cloud.ReadConsoleAsync(name, RealCloud.Reader);
            Assert.Equal(HttpStatusCode.Forbidden, reader.Status);
            Assert.Contains("cannot get resource \"servers/console\"", reader.Text);
            Assert.Equal(HttpStatusCode.Unauthorized, (await cloud.ReadConsoleAsync(name, null)).Status);

            // Followed (follow=true through the API server, the operator and the node): the guest's ticks arrive as it prints
            // them, beyond the 5 lines of the tail the stream starts with.
            var followed = await cloud.FollowConsoleAsync(name, RealCloud.Member, t => Regex.Count(t, "KC-TICK ") >= 8, Step);
            Assert.True(Regex.Count(followed, "KC-TICK ") >= 8, followed);
            output.WriteLine($"guest ready, console read as {RealCloud.Member}: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(sha, (await cloud.Cluster.Client.GetAsync<Image>("guest", NodeCluster.Project)).Status!.Checksum);

            // DHCP as Neutron's agent: the node's DHCP port (bound to no server, on this node) got its address from the
            // operator's IPAM, and the guest's udhcpc got the port's address from the node's dnsmasq (the KC-ADDR ... dhcp line).
            var dhcpPort = await NodeCluster.EventuallyAsync(() => cloud.Cluster.Client.GetAsync<Port>(DhcpPort.NameFor(cloud.NodeName, "private"), NodeCluster.Project),
                p => p.Status?.FixedIPs is [_] && p.Status.MacAddress is not null, "the node's DHCP port allocated", Step);
            Assert.Equal((cloud.NodeName, null, PortPhase.Active), (dhcpPort.Status!.Node, dhcpPort.Status.ServerRef, dhcpPort.Status.Phase));
            Assert.NotEqual(address.IPAddress, dhcpPort.Status.FixedIPs![0].IPAddress);
            var lease = await log.WaitForAsync($@"KC-ADDR eth0 {Regex.Escape(port.Status!.MacAddress!)} ([\d.]+)/24 dhcp-from=([\d.]+) dhcp-to=([\d.]+)", Step);
            Assert.Equal(address.IPAddress, lease.Groups[1].Value);
            output.WriteLine($"DHCP lease {lease.Groups[1].Value} from {dhcpPort.Status.FixedIPs[0].IPAddress}, guest uptime {lease.Groups[2].Value} -> {lease.Groups[3].Value} s");

            // 2. Suspended: the memory goes to libvirt's managed-save image and the QEMU process is gone; Running restores it, uptime going on.
            await log.WaitForAsync(@"KC-ACPI-ARMED", Step);
            await log.WaitForAsync(@"KC-UPTIME [\d.]+\r?\n", Step);
            await SetPowerAsync(bob, name, DesiredPowerState.Suspended);
            await PhaseAsync(cloud, name, ServerPhase.Suspended);
            Assert.True(vm.Driver.HasManagedSaveImage(domain));
            Assert.False(vm.Driver.GetStatus(domain).IsActive);
            Assert.Empty(await QemuProcessAsync(domain));
            var uptimeBefore = RealCloud.LastUptime(log.Text);
            var offset = log.Length;
            await SetPowerAsync(bob, name, DesiredPowerState.Running);
            await ActiveAsync(cloud, name, Step);
            var resumed = await log.WaitForAsync(@"KC-UPTIME ([\d.]+)\r?\n", Step, offset);
            Assert.True(double.Parse(resumed.Groups[1].Value, CultureInfo.InvariantCulture) > uptimeBefore, $"uptime went on from {uptimeBefore} s: {resumed.Value}");
            Assert.DoesNotContain("KC-BOOT", log.Text[offset..]);
            output.WriteLine($"suspend and resume: uptime {uptimeBefore} s -> {resumed.Groups[1].Value} s, no boot");

            // 3. Stopped, then Running: a clean power-off (the guest heard the ACPI button) and a new boot.
            offset = log.Length;
            await SetPowerAsync(bob, name, DesiredPowerState.Stopped);
            await PhaseAsync(cloud, name, ServerPhase.Stopped);
            Assert.Equal(DomainState.Shutoff, vm.Driver.GetStatus(domain).State);
            Assert.Contains("KC-POWER-BUTTON", log.Text[offset..]);
            await SetPowerAsync(bob, name, DesiredPowerState.Running);
            await ActiveAsync(cloud, name, Step);
            await log.WaitForAsync(@"KC-BOOT", Step, offset);
            await log.WaitForAsync(@"KC-ACPI-ARMED", Step, offset);

            // 4. A reboot by annotation: the guest boots again (its uptime starts over).
            offset = log.Length;
            var requested = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            await bob.PatchAsync<Server>(name, NodeCluster.Project, KubePatch.Merge(new { metadata = new { annotations = new Dictionary<string, string> { [ApiGroup.RebootRequestedAtAnnotation] = requested } } }));
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name), s => s.Status?.ObservedRebootRequest == requested && s.Status.Phase == ServerPhase.Active, "the reboot observed", Step);
            await log.WaitForAsync(@"KC-BOOT", Step, offset);
            await log.WaitForAsync(@"KC-ACPI-ARMED", Step, offset);
            var memBefore = MemTotal(log.Text[..offset]);

            // 5. Resize to a bigger flavor on the same node: redefined with the new memory and the root disk grown (128 to
            // 192 MiB), the guest sees both; then confirmed.
            Assert.Matches(@"KC-BLOCK vda 134217728 ", log.Text[..offset]);
            offset = log.Length;
            await bob.PatchAsync<Server>(name, NodeCluster.Project, KubePatch.Merge(new { spec = new { flavorRef = new { name = RealCloud.BigFlavor } } }));
            var resized = await NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name),
                s => s.Status?.Resize is not null && Conditions.Find(s.Status, ConditionTypes.Ready) is { Status: ConditionStatus.True, Reason: "ResizeAwaitingConfirmation" },
                "the resize done, awaiting confirmation", Step);
            Assert.Equal((RealCloud.BigFlavor, cloud.NodeName), (resized.Status!.Flavor!.Name, resized.Status.Node));
            Assert.Equal(new DomainSize(1, 256), DomainSize.Parse(vm.Driver.GetXml(domain)));
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
            await log.WaitForAsync(@"KC-MEM \d+kB", Step, offset);
            await log.WaitForAsync(@"KC-BLOCK vda 201326592 ", Step, offset);
            var memAfter = MemTotal(log.Text[offset..]);
            Assert.True(memAfter > memBefore + (64 << 10), $"the guest sees more memory: {memBefore} kB -> {memAfter} kB");
            await bob.PatchAsync<Server>(name, NodeCluster.Project, KubePatch.Merge(new { metadata = new { annotations = new Dictionary<string, string> { [OperatorServerReconciler.ResizeAnnotation] = "confirm" } } }));
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name), s => s.Status?.Resize is null && s.Status?.Phase == ServerPhase.Active, "the resize confirmed", Step);
            output.WriteLine($"resize: guest memory {memBefore} kB -> {memAfter} kB");
            await log.WaitForAsync(@"KC-ACPI-ARMED", Step, offset);

            // 6. The daemon stops (its heartbeat with it): the Hypervisor goes not Ready and the server HostDown while the
            //    guest runs on; a restarted daemon adopts the guest as it is, without a reboot.
            var networkId = (await cloud.Cluster.Client.GetAsync<Network>("private", NodeCluster.Project)).Metadata.Uid!;
            var dnsmasqPid = await File.ReadAllTextAsync(Path.Combine(cloud.StateDirectory, "dhcp", networkId, "dnsmasq.pid"));
            await cloud.Node.StopAsync();
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.Client.GetAsync<Api.V1Alpha1.Hypervisor>(cloud.NodeName),
                h => Conditions.Find(h.Status, ConditionTypes.Ready) is { Status: ConditionStatus.False }, "the Hypervisor not Ready", Step);
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name), s => Conditions.IsTrue(s.Status, OperatorServerReconciler.HostDownCondition), "the server HostDown", Step);
            offset = log.Length;
            await log.WaitForAsync(@"KC-UPTIME [\d.]+\r?\n", Step, offset);
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
            await cloud.StartNodeAsync();
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name),
                s => !Conditions.IsTrue(s.Status, OperatorServerReconciler.HostDownCondition) && s.Status?.Phase == ServerPhase.Active && Conditions.IsTrue(s.Status, ConditionTypes.Ready), "HostDown cleared, Active and Ready", Step);
            await NodeCluster.EventuallyAsync(() => cloud.Node.Sweeper.Sweeps > 0, "an orphan sweep after the restart", Step);
            var after = log.Length;
            await log.WaitForAsync(@"KC-UPTIME [\d.]+\r?\n", Step, after);
            Assert.DoesNotContain("KC-BOOT", log.Text[offset..]);
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
            Assert.Equal(dnsmasqPid, await File.ReadAllTextAsync(Path.Combine(cloud.StateDirectory, "dhcp", networkId, "dnsmasq.pid"))); // dnsmasq adopted, not restarted
            Assert.True(Directory.Exists($"/proc/{dnsmasqPid.Trim()}"), $"dnsmasq {dnsmasqPid.Trim()} still runs");

            // 7. Delete: nothing of the server stays on the host (domain, QEMU, tap, instance directory with overlay and seed, image reference); the bridge goes with the last port.
            var tap = DeviceNames.Tap(port.Metadata.Uid!);
            var bridge = DeviceNames.Bridge((await cloud.Cluster.Client.GetAsync<Network>("private", NodeCluster.Project)).Metadata.Uid!);
            Assert.True(await LinkExistsAsync(tap), $"tap {tap} while the server runs");
            await bob.DeleteAsync<Server>(name, NodeCluster.Project);
            await NodeCluster.EventuallyAsync(async () =>
            {
                try
                {
                    await cloud.Cluster.GetServerAsync(name);
                    return false;
                }
                catch (NotFoundException)
                {
                    return true;
                }
            }, gone => gone, "the server gone", Step);
            Assert.Null(vm.Driver.Find(domain));
            Assert.Empty(await QemuProcessAsync(domain));
            Assert.False(await LinkExistsAsync(tap), $"tap {tap} removed");
            Assert.False(Directory.Exists(cloud.InstanceDirectory(name)));
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(cloud.StateDirectory, "images"), "*", SearchOption.AllDirectories), f => f.Contains(".refs", StringComparison.Ordinal));
            await NodeCluster.EventuallyAsync(async () => !await LinkExistsAsync(bridge), gone => gone, $"bridge {bridge} removed with the node's last port", Step);

            // ... and DHCP with it: no dnsmasq, namespace, lease file or DHCP port of the network is left.
            var dhcpNamespace = DeviceNames.DhcpNamespace(networkId);
            await NodeCluster.EventuallyAsync(async () => (await cloud.Cluster.Client.ListAsync<Port>(NodeCluster.Project)).Items?.Count ?? 0, n => n == 0, "the DHCP port deleted with the node's last port", Step);
            Assert.DoesNotContain(dhcpNamespace, (await vm.Run.RunAsync("ip", ["netns", "list"])).StandardOutput);
            Assert.False(Directory.Exists(Path.Combine(cloud.StateDirectory, "dhcp", networkId)), "no DHCP state (lease file, pid file) of the network");
            Assert.Empty((await vm.Run.RunAsync("pgrep", ["-f", $"dhcp/{networkId}/"])).StandardOutput.Trim());
            Assert.Equal(HttpStatusCode.NotFound, (await cloud.ReadConsoleAsync(name, RealCloud.Member)).Status);
            output.WriteLine($"whole life: {watch.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            vm.RemoveDomain(domain);
        }
    }

    [Fact]
    public async Task Bad_image_input_reaching_the_node_is_Error_with_a_fault_leaves_nothing_half_built_and_recovers_once_fixed()
    {
        await using var cloud = await RealCloud.StartAsync(vm);
        var name = "bad-" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"kc-{NodeCluster.Project}-{name}";
        using var bob = cloud.ClientFor(RealCloud.Member);
        var wrong = Path.Combine(cloud.StateDirectory, "wrong.raw");
        try
        {
            // The operator read the real guest at the URL (status.checksum), then the file there was replaced by other bytes
            // (the source went wrong after the import): the node's download does not match.
            var (_, sha, disk) = await cloud.ServeGuestDiskAsync("real.raw");
            Directory.CreateDirectory(cloud.StateDirectory);
            await File.WriteAllBytesAsync(wrong, new byte[1 << 20]);
            var url = cloud.Files.Add("guest.raw", disk);
            await bob.CreateAsync(new Image { Metadata = new() { Name = "guest", NamespaceProperty = NodeCluster.Project }, Spec = new ImageSpec { Source = new() { Url = url.ToString() }, DiskFormat = DiskFormat.Raw } });
            await NodeCluster.EventuallyAsync(() => cloud.Cluster.Client.GetAsync<Image>("guest", NodeCluster.Project), i => i.Status?.Checksum == sha, "the operator's sha256 of the source", Step);
            cloud.Files.Add("guest.raw", wrong);
            await bob.CreateAsync(new Server { Metadata = new() { Name = name, NamespaceProperty = NodeCluster.Project }, Spec = new ServerSpec { FlavorRef = new() { Name = RealCloud.SmallFlavor }, ImageRef = new() { Name = "guest" } } });

            var mismatch = await ErrorAsync(cloud, name, "sha256 mismatch");
            output.WriteLine($"checksum: {mismatch.Status!.Fault!.Message}");
            Assert.Equal(ServerReasons.ImageChecksumMismatch, Conditions.Find(mismatch.Status, ServerReasons.ImageReady)?.Reason);
            await AssertNothingBuiltAsync(cloud, name, domain);

            // Now the URL answers 404 (the file went away at the source).
            cloud.Files.Add("guest.raw", Path.Combine(cloud.StateDirectory, "missing.raw"));
            var missing = await ErrorAsync(cloud, name, "404");
            output.WriteLine($"404: {missing.Status!.Fault!.Message}");
            Assert.Equal(ServerReasons.ImageUnreachable, Conditions.Find(missing.Status, ServerReasons.ImageReady)?.Reason);
            await AssertNothingBuiltAsync(cloud, name, domain);

            // Fixed at the source: the right bytes at the URL; the server recovers on its own.
            cloud.Files.Add("guest.raw", disk);
            await ActiveAsync(cloud, name, ActiveWithin);
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
            await cloud.ConsoleOf(name).WaitForAsync($"KC-HOSTNAME {name}", Step);
            await bob.DeleteAsync<Server>(name, NodeCluster.Project);
            await NodeCluster.EventuallyAsync(() => vm.Driver.Find(domain) is null && !Directory.Exists(cloud.InstanceDirectory(name)), "the server removed from the host", Step);
        }
        finally
        {
            vm.RemoveDomain(domain);
        }
    }

    private async Task AssertNothingBuiltAsync(RealCloud cloud, string name, string domain)
    {
        Assert.Null(vm.Driver.Find(domain));
        Assert.False(Directory.Exists(cloud.InstanceDirectory(name)), "no instance directory (overlay, seed) for a server whose image failed");
        // The node retries the download with backoff: a .part exists while a retry runs, and must go when it fails.
        var downloads = Path.Combine(cloud.StateDirectory, "images", "downloads");
        await NodeCluster.EventuallyAsync(() => !Directory.Exists(downloads) || Directory.GetFiles(downloads).Length == 0, "the failed download discarded", Step);
        var bases = Path.Combine(cloud.StateDirectory, "images", "bases");
        Assert.Empty(Directory.Exists(bases) ? Directory.GetFiles(bases) : []);
    }

    private static Task<Server> ActiveAsync(RealCloud cloud, string name, TimeSpan within) =>
        NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name),
            s => s.Status?.Phase == ServerPhase.Active && Conditions.IsTrueFor(s.Status, ConditionTypes.Ready, s.Metadata.Generation), $"{name} Active and Ready", within);

    private static Task<Server> PhaseAsync(RealCloud cloud, string name, ServerPhase phase) =>
        NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name),
            s => s.Status?.Phase == phase && Conditions.IsTrueFor(s.Status, ConditionTypes.Ready, s.Metadata.Generation), $"{name} {phase} and Ready", Step);

    private static Task<Server> ErrorAsync(RealCloud cloud, string name, string fault) =>
        NodeCluster.EventuallyAsync(() => cloud.Cluster.GetServerAsync(name),
            s => s.Status?.Phase == ServerPhase.Error && s.Status.Fault?.Message.Contains(fault, StringComparison.Ordinal) == true, $"{name} Error with a fault saying '{fault}'", Step);

    private static Task<Server> SetPowerAsync(KubeClient client, string name, DesiredPowerState power) =>
        client.PatchAsync<Server>(name, NodeCluster.Project, KubePatch.Merge(new { spec = new { powerState = power.ToString() } }));

    private async Task<string> QemuProcessAsync(string domain) => (await vm.Run.RunAsync("pgrep", ["-f", $"guest={domain},"])).StandardOutput.Trim();

    private async Task<bool> LinkExistsAsync(string device) => (await vm.Run.RunAsync("ip", ["link", "show", "dev", device])).ExitCode == 0;

    private static long MemTotal(string console) =>
        long.Parse(Regex.Matches(console, @"KC-MEM (\d+)kB").Last().Groups[1].Value, CultureInfo.InvariantCulture);
}
