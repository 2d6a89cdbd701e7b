using System.Diagnostics;
using System.Security.Cryptography;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Images;
using KubeCloud.Node.Tests.Fixtures;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace KubeCloud.Node.IntegrationTests.Volumes;

/// <summary>
/// The real operator and one node daemon with both roles on real libvirt (QEMU, TCG here) and the machine's real tgtd: a
/// Volume is placed on the storage node and exported, a Server listing it boots with it attached over QEMU's iSCSI
/// initiator with CHAP and the guest sees it with its size and serial, the volume is detached from the running guest, and
/// deleting the Volume leaves no target, CHAP account, data or Secret. Needs root, libvirtd and tgtd (tests/setup/node-deps.sh).
/// </summary>
[Collection(VmCollection.Name)]
public sealed class VolumeEndToEndTests(VmFixture vm, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _node = "both-" + Guid.NewGuid().ToString("N")[..6];
    private NodeCluster _cluster = null!;
    private WebApplication? _operator;

    private string State => Path.Combine(vm.WorkDir, _node);

    public async Task InitializeAsync()
    {
        _cluster = await NodeCluster.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = _cluster.Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
        });
        builder.Services.AddKubeCloudControllers(new OperatorSettings());
        _operator = builder.Build();
        _operator.MapOperatorEndpoints();
        await _operator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.StopAsync();
            await _operator.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_volume_is_placed_exported_attached_seen_by_the_guest_detached_and_deleted_to_nothing()
    {
        var disk = await vm.Guest.BootDiskAsync(vm.Run);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
        using var files = new LoopbackFileServer();
        using var http = new HttpClient();
        await _cluster.EnsureFlavorAndImageAsync(sha, files.Add("guest.raw", disk).ToString(), memory: "160Mi", format: DiskFormat.Raw);
        var images = new ImageCache(Path.Combine(State, "images"), http, new QemuImg(vm.Run));
        await _cluster.StartNodeAsync(_node, State, vm.Driver, new LocalInstanceFiles(images, new QemuImg(vm.Run), new NoCloudSeedBuilder(vm.Run)),
            o => o with
            {
                SaveDirectory = "/var/lib/libvirt/qemu/save",
                Hypervisor = vm.Probe.Type,
                HypervisorReason = vm.Probe.Reason,
                ShutdownTimeout = TimeSpan.FromSeconds(30),
                Storage = StorageTestBed.FileBackend(State),
            });
        var name = "vm-" + _node;
        var domain = $"kc-{NodeCluster.Project}-{name}";
        var targets = StorageTestBed.Targets(_node, State);
        try
        {
            // Placed by the operator on the only storage node and exported by it.
            var watch = Stopwatch.StartNew();
            await StorageTestBed.CreateVolumeAsync(_cluster, "data", "48Mi");
            var volume = await NodeCluster.EventuallyAsync(() => StorageTestBed.GetAsync(_cluster, "data"), v => v.Status?.Phase == VolumePhase.Available, "data Available");
            output.WriteLine($"volume applied to Available: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(_node, volume.Status!.BackendNode);
            var iqn = volume.Status.Target!.Iqn;
            var uid = volume.Metadata.Uid!;

            // A server that lists it: Active, the volume InUse, the guest sees the disk with its size and serial.
            watch.Restart();
            await _cluster.Client.CreateAsync(new Server
            {
                Metadata = new() { Name = name, NamespaceProperty = NodeCluster.Project },
                Spec = new ServerSpec
                {
                    FlavorRef = new() { Name = "m1.tiny" },
                    ImageRef = new() { Name = "guest" },
                    Volumes = [new ServerVolume { VolumeRef = new() { Name = "data" } }],
                },
            });
            await NodeCluster.EventuallyAsync(() => _cluster.GetServerAsync(name),
                s => s.Status?.Phase == ServerPhase.Active && Conditions.IsTrue(s.Status, ConditionTypes.Ready), $"{name} Active and Ready", TimeSpan.FromMinutes(3));
            output.WriteLine($"server applied to Active: {watch.Elapsed.TotalSeconds:0.0} s ({vm.Probe.Type})");
            var inUse = await NodeCluster.EventuallyAsync(() => StorageTestBed.GetAsync(_cluster, "data"), v => v.Status?.Phase == VolumePhase.InUse, "data InUse");
            Assert.Equal((name, _node), (inUse.Status!.Attachments![0].Server, inUse.Status.Attachments[0].Node));
            Assert.Contains(iqn, vm.Driver.GetXml(domain), StringComparison.Ordinal);

            var console = new SerialLog(Path.Combine(State, "instances", $"{NodeCluster.Project}_{name}", "console.log"));
            var seen = await console.WaitForAsync(@"KC-BLOCK (vd\w+) (\d+) \S* ?serial=data", TimeSpan.FromMinutes(3));
            output.WriteLine($"server applied to the guest listing the volume: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal((48L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Groups[2].Value);
            var device = seen.Groups[1].Value;
            await console.WaitForAsync("KC-READY", TimeSpan.FromMinutes(1));

            // Detached from the running guest: gone in the guest and libvirt, the volume Available again.
            watch.Restart();
            var server = await _cluster.GetServerAsync(name);
            server.Spec.Volumes = [];
            await _cluster.Client.UpdateAsync(server);
            await console.WaitForAsync($"KC-BLOCK-REMOVED {device}", TimeSpan.FromMinutes(1));
            await NodeCluster.EventuallyAsync(() => StorageTestBed.GetAsync(_cluster, "data"),
                v => v.Status?.Phase == VolumePhase.Available && v.Status.Attachments is null or { Count: 0 }, "data Available, no attachments", TimeSpan.FromMinutes(1));
            output.WriteLine($"detach to Available: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.DoesNotContain(iqn, vm.Driver.GetXml(domain), StringComparison.Ordinal);
            Assert.Equal(Hypervisor.DomainState.Running, vm.Driver.GetStatus(domain).State);

            // Deleted: no target, CHAP account, data or Secret is left.
            var backing = Assert.Single(await targets.TargetsAsync(), t => t.Iqn == iqn).BackingPath;
            await _cluster.Client.DeleteAsync<Volume>("data", NodeCluster.Project);
            await StorageTestBed.WaitGoneAsync(_cluster, "data");
            Assert.DoesNotContain(await targets.TargetsAsync(), t => t.Iqn == iqn);
            Assert.DoesNotContain("kc" + uid.Replace("-", "", StringComparison.Ordinal), await targets.AccountsAsync());
            Assert.False(File.Exists(backing));
            await NodeCluster.EventuallyAsync(async () =>
            {
                try
                {
                    await _cluster.Client.GetAsync<V1Secret>("data-chap", NodeCluster.Project);
                    return false;
                }
                catch (NotFoundException)
                {
                    return true;
                }
            }, gone => gone, "the CHAP Secret collected with its Volume");

            await _cluster.Client.DeleteAsync<Server>(name, NodeCluster.Project);
            await NodeCluster.EventuallyAsync(async () =>
            {
                try
                {
                    await _cluster.GetServerAsync(name);
                    return false;
                }
                catch (NotFoundException)
                {
                    return true;
                }
            }, gone => gone, $"{name} gone", TimeSpan.FromMinutes(2));
            Assert.Null(vm.Driver.Find(domain));
        }
        finally
        {
            vm.RemoveDomain(domain);
            foreach (var left in (await targets.TargetsAsync()).Where(t => t.Iqn.StartsWith(targets.Iqn(""), StringComparison.Ordinal)))
            {
                await targets.UnexportAsync(left.Iqn[targets.Iqn("").Length..], null, deleteData: true);
            }
        }
    }
}
