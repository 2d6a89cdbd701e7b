using System.Diagnostics;
using System.Security.Cryptography;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;
using ImageSource = KubeCloud.Node.Images.ImageSource;

namespace KubeCloud.Node.Tests;

/// <summary>
/// The per-server pass against real libvirt and QEMU: a Server boots from a disk image served over HTTP (the guest's
/// bootable FAT disk, as a cloud image), then follows spec.powerState through Suspended (memory saved to disk, QEMU
/// gone, the same boot resumes), Stopped, Running and a reboot request; removal leaves nothing of it on the host.
/// </summary>
[Collection(VmCollection.Name)]
public sealed class InstanceLifecycleTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task Server_boots_from_an_image_suspends_and_resumes_the_same_boot_stops_reboots_and_is_removed_without_a_trace()
    {
        var name = "inst-" + Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(vm.WorkDir, name);
        var disk = await vm.Guest.BootDiskAsync(vm.Run);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
        using var files = new LoopbackFileServer();
        var image = new ImageSource(files.Add("guest.raw", disk), sha, "raw");
        using var http = new HttpClient();
        var cache = new ImageCache(Path.Combine(root, "cache"), http, new QemuImg(vm.Run));
        var layout = new NodeLayout(Path.Combine(root, "instances"), vm.Probe.Type);
        var converger = new InstanceConverger(vm.Driver, new LocalInstanceFiles(cache, new QemuImg(vm.Run), new NoCloudSeedBuilder(vm.Run)), layout,
            new SuspendSpace("/var/lib/libvirt/qemu/save"))
        { ShutdownTimeout = TimeSpan.FromSeconds(120) };
        var server = new Server
        {
            Metadata = new() { Name = name, NamespaceProperty = "kctest", Uid = Guid.NewGuid().ToString() },
            Spec = new ServerSpec { FlavorRef = new() { Name = "tiny" }, Hostname = "lifecycle-" + name },
        };
        var flavor = new Flavor { Metadata = new() { Name = "tiny" }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("160Mi"), RootDisk = Quantity.Parse("128Mi") } };
        InstanceRequest Request(DesiredPowerState power, string? reboot = null)
        {
            server.Spec.PowerState = power;
            server.Metadata.Annotations = reboot is null ? null : new Dictionary<string, string> { [ApiGroup.RebootRequestedAtAnnotation] = reboot };
            return new InstanceRequest(new ServerBuild(server, flavor, [], []), image, new Dictionary<Guid, byte[]>());
        }

        var domain = ServerDomainMapper.DomainName(server);
        var log = new SerialLog(Path.Combine(layout.InstanceDirectory(server), "console.log"));
        try
        {
            var watch = Stopwatch.StartNew();
            var built = await converger.ConvergeAsync(Request(DesiredPowerState.Running));
            Assert.Equal((ObservedPowerState.Running, true), (built.PowerState, built.Converged));
            output.WriteLine("steps: " + string.Join(", ", built.StepTimes.Select(t => $"{t.Key} {t.Value.TotalSeconds:0.00} s")));
            await log.WaitForAsync("KC-READY", TimeSpan.FromSeconds(120));
            output.WriteLine($"converge to guest ready ({vm.Probe.Type}): {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains($"KC-HOSTNAME lifecycle-{name}", log.Text);
            Assert.Contains($"KC-BLOCK vda {128L << 20} ", log.Text);
            Assert.Equal(1, ServerLifecycleTests.Count(log.Text, "KC-BOOT"));

            // Suspended: memory on disk, QEMU gone (its RAM freed); Running restores the same boot.
            await log.WaitForAsync(@"KC-TICK 2\r?\n", TimeSpan.FromSeconds(60));
            var suspended = await converger.ConvergeAsync(Request(DesiredPowerState.Suspended));
            Assert.Equal((ObservedPowerState.Suspended, true), (suspended.PowerState, suspended.Converged));
            Assert.True(vm.Driver.HasManagedSaveImage(domain));
            Assert.False(vm.Driver.GetStatus(domain).IsActive);
            Assert.Empty((await vm.Run.RunAsync("pgrep", ["-f", $"guest={domain},"])).StandardOutput.Trim());
            var tickAtSuspend = ServerLifecycleTests.LastTick(log.Text);
            var resumed = await converger.ConvergeAsync(Request(DesiredPowerState.Running));
            Assert.Equal((ObservedPowerState.Running, "restored"), (resumed.PowerState, vm.Driver.GetStatus(domain).ReasonName));
            await log.WaitForAsync($@"KC-TICK {tickAtSuspend + 2}\r?\n", TimeSpan.FromSeconds(60));
            Assert.Equal(1, ServerLifecycleTests.Count(log.Text, "KC-BOOT")); // no second boot: uptime went on

            // Stopped (ACPI power-off), then Running boots again.
            var stopped = await converger.ConvergeAsync(Request(DesiredPowerState.Stopped));
            Assert.Equal((ObservedPowerState.Shutoff, "shutdown"), (stopped.PowerState, vm.Driver.GetStatus(domain).ReasonName));
            var offset = log.Length;
            await converger.ConvergeAsync(Request(DesiredPowerState.Running));
            offset = (await log.WaitForAsync("KC-BOOT", TimeSpan.FromSeconds(120), offset)).Index;
            await log.WaitForAsync("KC-ACPI-ARMED", TimeSpan.FromSeconds(120), offset);
            Assert.Equal(2, ServerLifecycleTests.Count(log.Text, "KC-BOOT"));

            // A reboot request is one reboot, however often the pass runs (the guest powers off on ACPI; libvirt starts it again).
            offset = log.Length;
            Assert.True((await converger.ConvergeAsync(Request(DesiredPowerState.Running, "2026-12-03T08:00:00Z"))).Rebooted);
            Assert.False((await converger.ConvergeAsync(Request(DesiredPowerState.Running, "2026-12-03T08:00:00Z"))).Rebooted);
            await log.WaitForAsync("KC-BOOT", TimeSpan.FromSeconds(120), offset);
            Assert.Equal(3, ServerLifecycleTests.Count(log.Text, "KC-BOOT"));
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(domain).State);
        }
        finally
        {
            await converger.RemoveAsync(server, []);
        }

        Assert.Null(vm.Driver.Find(domain));
        Assert.False(Directory.Exists(layout.InstanceDirectory(server)));
        Assert.Empty(cache.References(sha));
        Assert.False(File.Exists($"/var/lib/libvirt/qemu/save/{domain}.save"));
    }
}
