using System.Diagnostics;
using System.Text;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Storage;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

[Collection(VmCollection.Name)]
public sealed class VolumeAttachTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public Task Volume_exported_by_tgt_with_chap_is_attached_written_detached_and_read_by_another_guest()
        => AttachWriteDetachReadAsync(new FileVolumeStore(Path.Combine(vm.WorkDir, "volumes")));

    [Fact]
    public async Task Lvm_volume_exported_by_tgt_is_attached_written_detached_and_read_by_another_guest()
    {
        await using var group = await LvmVolumeGroup.CreateAsync(256L << 20);
        using var lvm = new LvmVolumeStore(vm.Run, group.Options);
        await AttachWriteDetachReadAsync(lvm);
        Assert.Empty(await lvm.ListAsync());
    }

    private async Task AttachWriteDetachReadAsync(IVolumeBackingStore volumes)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var store = new TgtTargetStore(vm.Run, volumes);
        var volume = new VolumeExport
        {
            VolumeId = "vol-" + id,
            SizeBytes = 64L << 20,
            ChapUsername = "kc-" + id,
            ChapPassword = "secret-" + Guid.NewGuid().ToString("N")[..12],
            AllowedInitiators = ["127.0.0.1"],
        };
        var secret = Guid.NewGuid();
        var marker = "KCVOL-" + id;
        var writer = $"kc-test-vol-{id}-w";
        var reader = $"kc-test-vol-{id}-r";
        try
        {
            var target = await store.ExportAsync(volume);
            Assert.Equal(target, await store.ExportAsync(volume)); // idempotent
            vm.Driver.DefineSecret(secret, "iscsi", $"kubecloud-{volume.VolumeId}", Encoding.UTF8.GetBytes(volume.ChapPassword));

            // The writer stamps the marker on any disk that shows up; the reader only reports.
            var writes = $$"""
                #!/bin/sh
                on_block() { printf '{{marker}}\n' | dd of=/dev/$1 bs=512 conv=fsync 2>/dev/null && echo "KC-WROTE $1"; }
                """;
            await BootAsync(writer, writes + "\n");
            await BootAsync(reader, null);
            var writerLog = new SerialLog(vm.GuestSpec(writer).SerialLogPath);
            var readerLog = new SerialLog(vm.GuestSpec(reader).SerialLogPath);
            await writerLog.WaitForAsync("KC-READY", TimeSpan.FromSeconds(90));
            await readerLog.WaitForAsync("KC-READY", TimeSpan.FromSeconds(90));

            var disk = DomainXmlBuilder.IscsiDisk(new IscsiDiskSpec
            {
                TargetIqn = target.Iqn,
                Lun = target.Lun,
                ChapUsername = volume.ChapUsername,
                ChapSecretUuid = secret,
                TargetDevice = "vdb",
                Serial = volume.VolumeId,
            });
            var watch = Stopwatch.StartNew();
            vm.Driver.AttachDevice(writer, disk);
            // Guests name disks in probe order, so the hot-plugged disk is found by its serial.
            var added = await writerLog.WaitForAsync($@"KC-BLOCK-ADDED (vd\w+) (\d+) serial={volume.VolumeId} ", TimeSpan.FromSeconds(60));
            var guestDevice = added.Groups[1].Value;
            output.WriteLine($"{volumes.Backend}: iSCSI attach (libvirt call to guest seeing the disk): {watch.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal((64L << 20).ToString(), added.Groups[2].Value);
            await writerLog.WaitForAsync($"KC-WROTE {guestDevice}", TimeSpan.FromSeconds(30));
            Assert.Contains(volume.ChapUsername, vm.Driver.GetXml(writer));

            vm.Driver.DetachDevice(writer, disk);
            await writerLog.WaitForAsync($"KC-BLOCK-REMOVED {guestDevice}", TimeSpan.FromSeconds(60));
            await ServerLifecycleTests.WaitUntilAsync(() => !vm.Driver.GetXml(writer).Contains(target.Iqn, StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "disk still in the domain XML");

            watch.Restart();
            vm.Driver.AttachDevice(reader, disk);
            await readerLog.WaitForAsync($"KC-BLOCK-ADDED vd\\w+ {64L << 20} serial={volume.VolumeId} data={marker}", TimeSpan.FromSeconds(60));
            output.WriteLine($"iSCSI re-attach to a second guest: {watch.Elapsed.TotalSeconds:0.00} s; marker {marker} read back");
        }
        finally
        {
            vm.RemoveDomain(writer);
            vm.RemoveDomain(reader);
            vm.Driver.UndefineSecret(secret);
            await store.UnexportAsync(volume.VolumeId, volume.ChapUsername, deleteData: true);
        }

        Assert.DoesNotContain(await store.TargetsAsync(), t => t.Iqn == store.Iqn(volume.VolumeId));
        Assert.DoesNotContain(volume.ChapUsername, await store.AccountsAsync());
        Assert.Null(await volumes.FindAsync(volume.VolumeId));
        Assert.False(vm.Driver.SecretExists(secret));
    }

    [Fact]
    public async Task Export_that_tgt_refuses_fails_clearly_and_leaves_no_target_account_or_file()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var files = new FileVolumeStore(Path.Combine(vm.WorkDir, "volumes"));
        var store = new TgtTargetStore(vm.Run, files);
        var volume = new VolumeExport
        {
            VolumeId = "vol-bad-" + id,
            SizeBytes = 8L << 20,
            ChapUsername = "kc-bad-" + id,
            ChapPassword = "secret",
            BackingStoreType = "no-such-backing-store",
        };
        var before = await store.TargetsAsync();

        var error = await Assert.ThrowsAsync<VolumeExportException>(() => store.ExportAsync(volume));
        output.WriteLine(error.Message);
        Assert.Contains(store.Iqn(volume.VolumeId), error.Message);
        Assert.Contains("tgtadm", error.Message);

        Assert.Equal(before, await store.TargetsAsync());
        Assert.DoesNotContain(volume.ChapUsername, await store.AccountsAsync());
        Assert.False(File.Exists(files.PathOf(volume.VolumeId)));
    }

    private async Task BootAsync(string name, string? userData)
    {
        var seed = Path.Combine(vm.WorkDir, name + ".seed.iso");
        await new NoCloudSeedBuilder(vm.Run).BuildAsync(new NoCloudSeed { InstanceId = name, Hostname = name, UserData = userData }, seed);
        vm.Driver.Define(DomainXmlBuilder.Build(vm.GuestSpec(name) with { SeedIsoPath = seed }));
        vm.Driver.Start(name);
    }
}
