using System.Diagnostics;
using System.Security.Cryptography;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Images;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>
/// The node daemon on real libvirt and QEMU (TCG here), the test playing the operator: a Server bound to the node boots
/// from an image served over loopback HTTP to Spawned/Running with the guest on its console, and its deletion leaves no
/// domain and no instance directory. Needs root and libvirtd (tests/setup/node-deps.sh).
/// </summary>
[Collection(VmCollection.Name)]
public sealed class LibvirtNodeTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task A_bound_server_boots_on_libvirt_and_its_deletion_leaves_nothing_on_the_host()
    {
        var node = "libvirt-" + Guid.NewGuid().ToString("N")[..6];
        var state = Path.Combine(vm.WorkDir, node);
        var disk = await vm.Guest.BootDiskAsync(vm.Run);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
        using var files = new LoopbackFileServer();
        var url = files.Add("guest.raw", disk);
        using var http = new HttpClient();
        await using var cluster = await NodeCluster.StartAsync();
        await cluster.EnsureFlavorAndImageAsync(sha, url.ToString(), memory: "160Mi", format: DiskFormat.Raw);
        var images = new ImageCache(Path.Combine(state, "images"), http, new QemuImg(vm.Run));
        await cluster.StartNodeAsync(node, state, vm.Driver, new LocalInstanceFiles(images, new QemuImg(vm.Run), new NoCloudSeedBuilder(vm.Run)),
            o => o with { SaveDirectory = "/var/lib/libvirt/qemu/save", Hypervisor = vm.Probe.Type, HypervisorReason = vm.Probe.Reason, ManageNetworks = true, ShutdownTimeout = TimeSpan.FromSeconds(30) });
        var name = "vm-" + node;
        var domain = "kc-project-a-" + name;
        try
        {
            var watch = Stopwatch.StartNew();
            await cluster.CreateBoundServerAsync(name, node);
            var server = await NodeCluster.EventuallyAsync(() => cluster.GetServerAsync(name),
                s => NodeCluster.Spawned(s) && s.Status?.PowerState == ObservedPowerState.Running, "Spawned and Running", TimeSpan.FromMinutes(3));
            output.WriteLine($"bound to Spawned/Running: {watch.Elapsed.TotalSeconds:0.0} s ({vm.Probe.Type})");
            Assert.Equal(Hypervisor.DomainState.Running, DomainStateOf(domain));
            Assert.Equal(Guid.Parse(server.Metadata.Uid), vm.Driver.Find(domain)!.Uuid);

            var console = new SerialLog(Path.Combine(state, "instances", $"project-a_{name}", "console.log"));
            await console.WaitForAsync("KC-READY", TimeSpan.FromMinutes(3));
            output.WriteLine($"bound to guest ready: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains($"KC-HOSTNAME {name}", console.Text);

            await cluster.Client.DeleteAsync<Server>(name, NodeCluster.Project);
            await NodeCluster.EventuallyAsync(() => cluster.GetServerAsync(name),
                s => s.Metadata.Finalizers?.Contains(NodeStatusApply.CleanupFinalizer) != true, "the node's finalizer removed", TimeSpan.FromMinutes(2));
            Assert.Null(vm.Driver.Find(domain));
            Assert.False(Directory.Exists(Path.Combine(state, "instances", $"project-a_{name}")));
            Assert.Empty((await vm.Run.RunAsync("pgrep", ["-f", $"guest={domain},"])).StandardOutput.Trim());
        }
        finally
        {
            vm.RemoveDomain(domain);
        }
    }

    private Hypervisor.DomainState DomainStateOf(string domain) => vm.Driver.GetStatus(domain).State;
}
