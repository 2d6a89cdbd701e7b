using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

/// <summary>LVs in a throw-away volume group on a loop device, exported by the shared tgtd and read through QEMU's iSCSI initiator.</summary>
public sealed class LvmVolumeTests(LvmVolumeGroupFixture fixture, ITestOutputHelper output) : IClassFixture<LvmVolumeGroupFixture>
{
    private static readonly ICommandRunner Run = ProcessCommandRunner.Instance;

    private LvmVolumeGroup Group => fixture.Group;

    [Fact]
    public async Task Lv_exported_with_chap_is_written_over_iscsi_and_read_back_after_reexport()
    {
        using var lvm = new LvmVolumeStore(Run, Group.Options);
        var store = new TgtTargetStore(Run, lvm);
        var volume = NewVolume(64L << 20);
        try
        {
            var watch = Stopwatch.StartNew();
            var target = await store.ExportAsync(volume);
            output.WriteLine($"LV create + tgt export ({Group.Access}): {watch.Elapsed.TotalMilliseconds:0} ms");

            Assert.Contains(await lvm.ListAsync(), v => v.VolumeId == volume.VolumeId && v.LvName == "volume-" + volume.VolumeId && v.SizeBytes == volume.SizeBytes);
            var backing = await lvm.FindAsync(volume.VolumeId);
            Assert.NotNull(backing);
            Assert.Equal(backing.Path, target.BackingPath);
            if (Group.Access == LvmDeviceAccess.DeviceMapper)
            {
                Assert.Equal($"/dev/{Group.Name}/volume-{volume.VolumeId}", target.BackingPath);
            }

            var shown = await TargetBlockAsync(target.Iqn);
            Assert.Matches($@"(?s)LUN: 1\s+Type: disk.*Size: 67 MB.*Backing store path: {Regex.Escape(target.BackingPath)}", shown);
            Assert.Contains(volume.ChapUsername, shown[shown.IndexOf("Account information", StringComparison.Ordinal)..]);
            Assert.Equal(volume.SizeBytes, await Iscsi.VirtualSizeAsync(target, volume));

            // A marker at the start and a bulk pattern after it, written through QEMU's initiator with CHAP.
            var marker = Iscsi.Marker(volume.VolumeId);
            await Iscsi.WriteAsync(target, volume, marker, 0);
            var write = await Iscsi.QemuIoAsync(target, volume, "write -P 0x5a 1M 32M");
            output.WriteLine($"iSCSI write 32 MiB: {Iscsi.Rate(write)}");

            await store.UnexportAsync(volume.VolumeId, volume.ChapUsername, deleteData: false);
            Assert.DoesNotContain(await store.TargetsAsync(), t => t.Iqn == target.Iqn);
            Assert.NotNull(await lvm.FindAsync(volume.VolumeId)); // the data stays

            var again = await store.ExportAsync(volume);
            Assert.Equal(marker, await Iscsi.ReadAsync(again, volume, 0, marker.Length));
            var read = await Iscsi.QemuIoAsync(again, volume, "read -P 0x5a 1M 32M"); // fails on a pattern mismatch
            output.WriteLine($"iSCSI read 32 MiB after re-export: {Iscsi.Rate(read)}");

            // The device the backing store returns holds the same bytes.
            var direct = new byte[marker.Length];
            await using (var device = new FileStream(again.BackingPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                await device.ReadExactlyAsync(direct);
            }

            Assert.Equal(marker, direct);
        }
        finally
        {
            await store.UnexportAsync(volume.VolumeId, volume.ChapUsername, deleteData: true);
        }
    }

    [Fact]
    public async Task Two_lvs_do_not_overlap_and_delete_removes_target_account_mapping_and_lv()
    {
        using var lvm = new LvmVolumeStore(Run, Group.Options);
        var store = new TgtTargetStore(Run, lvm);
        var before = await lvm.CapacityAsync();
        var a = NewVolume(16L << 20);
        var b = NewVolume(16L << 20);
        try
        {
            var ta = await store.ExportAsync(a);
            var tb = await store.ExportAsync(b);
            Assert.NotEqual(ta.BackingPath, tb.BackingPath);
            var markerA = Iscsi.Marker(a.VolumeId);
            var markerB = Iscsi.Marker(b.VolumeId);
            await Iscsi.WriteAsync(ta, a, markerA, (16L << 20) - 4096); // a's last block, next to where b may start
            await Iscsi.WriteAsync(tb, b, markerB, 0);
            Assert.Equal(markerA, await Iscsi.ReadAsync(ta, a, (16L << 20) - 4096, markerA.Length));
            Assert.Equal(markerB, await Iscsi.ReadAsync(tb, b, 0, markerB.Length));
            Assert.Equal(before.FreeBytes - (32L << 20), (await lvm.CapacityAsync()).FreeBytes);

            await store.UnexportAsync(a.VolumeId, a.ChapUsername, deleteData: true);

            Assert.DoesNotContain(await store.TargetsAsync(), t => t.Iqn == ta.Iqn);
            Assert.DoesNotContain(a.ChapUsername, await store.AccountsAsync());
            Assert.DoesNotContain("volume-" + a.VolumeId, await Group.LvNamesAsync());
            Assert.Null(await lvm.FindAsync(a.VolumeId));
            if (Group.Access == LvmDeviceAccess.Loop)
            {
                Assert.DoesNotContain(ta.BackingPath, await LvmVolumeGroup.LoopsOverAsync(Group.LoopDevice));
            }

            Assert.Equal(markerB, await Iscsi.ReadAsync(tb, b, 0, markerB.Length)); // b is untouched
            await store.UnexportAsync(a.VolumeId, a.ChapUsername, deleteData: true); // deleting again is fine
        }
        finally
        {
            await store.UnexportAsync(a.VolumeId, a.ChapUsername, deleteData: true);
            await store.UnexportAsync(b.VolumeId, b.ChapUsername, deleteData: true);
        }

        Assert.Equal(before, await lvm.CapacityAsync());
    }

    [Fact]
    public async Task Create_is_idempotent_and_another_size_is_a_clear_error()
    {
        using var lvm = new LvmVolumeStore(Run, Group.Options);
        var id = "kcl-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var first = await lvm.CreateAsync(id, 8L << 20);
            Assert.True(first.Created);
            var second = await lvm.CreateAsync(id, 8L << 20);
            Assert.False(second.Created);
            Assert.Equal(first.Volume, second.Volume);

            var error = await Assert.ThrowsAsync<VolumeBackingException>(() => lvm.CreateAsync(id, 12L << 20));
            output.WriteLine(error.Message);
            Assert.Contains($"{Group.Name}/volume-{id}", error.Message);
            Assert.Contains($"{8L << 20} bytes", error.Message);
            Assert.Contains($"requested {12L << 20} bytes", error.Message);
            Assert.Equal(8L << 20, (await lvm.FindAsync(id))!.SizeBytes);
            Assert.Single(await Group.LvNamesAsync(), n => n == "volume-" + id);
        }
        finally
        {
            await lvm.DeleteAsync(id);
        }

        Assert.Null(await lvm.FindAsync(id));
    }

    [Fact]
    public async Task Missing_volume_group_is_a_clear_error_and_leaves_nothing_behind()
    {
        var missing = "kclnone" + Guid.NewGuid().ToString("N")[..8];
        using var lvm = new LvmVolumeStore(Run, new LvmOptions { VolumeGroup = missing, DeviceAccess = Group.Access });
        var store = new TgtTargetStore(Run, lvm);
        var volume = NewVolume(8L << 20);
        var loopsBefore = await LvmVolumeGroup.LoopsOverAsync(Group.LoopDevice);

        var error = await Assert.ThrowsAsync<VolumeBackingException>(() => store.ExportAsync(volume));
        output.WriteLine(error.Message);
        Assert.Contains($"volume group {missing} (volumeGroup) is not usable", error.Message);
        Assert.Contains("not found", error.Message); // vgs' own stderr

        Assert.DoesNotContain(await store.TargetsAsync(), t => t.Iqn == store.Iqn(volume.VolumeId));
        Assert.DoesNotContain(volume.ChapUsername, await store.AccountsAsync());
        Assert.Equal(loopsBefore, await LvmVolumeGroup.LoopsOverAsync(Group.LoopDevice));
        await Assert.ThrowsAsync<VolumeBackingException>(() => lvm.CapacityAsync());
    }

    [Fact]
    public async Task Export_that_tgt_refuses_removes_the_lv_it_created()
    {
        using var lvm = new LvmVolumeStore(Run, Group.Options);
        var store = new TgtTargetStore(Run, lvm);
        var volume = NewVolume(8L << 20) with { BackingStoreType = "no-such-backing-store" };

        await Assert.ThrowsAsync<VolumeExportException>(() => store.ExportAsync(volume));

        Assert.Null(await lvm.FindAsync(volume.VolumeId));
        Assert.DoesNotContain("volume-" + volume.VolumeId, await Group.LvNamesAsync());
        Assert.DoesNotContain(await store.TargetsAsync(), t => t.Iqn == store.Iqn(volume.VolumeId));
    }

    [Fact]
    public async Task Extend_grows_the_lv_keeps_its_data_and_the_next_export_has_the_new_size()
    {
        // Its own group: in loop mode the LV grows into the extents right after it.
        await using var group = await LvmVolumeGroup.CreateAsync(128L << 20);
        using var lvm = new LvmVolumeStore(Run, group.Options);
        var store = new TgtTargetStore(Run, lvm);
        var volume = NewVolume(16L << 20);
        try
        {
            var target = await store.ExportAsync(volume);
            var marker = Iscsi.Marker(volume.VolumeId);
            await Iscsi.WriteAsync(target, volume, marker, 4096);
            await store.UnexportAsync(volume.VolumeId, volume.ChapUsername, deleteData: false);

            var grown = await lvm.ExtendAsync(volume.VolumeId, 48L << 20);
            Assert.Equal(48L << 20, grown.SizeBytes);
            Assert.Equal(grown, await lvm.ExtendAsync(volume.VolumeId, 48L << 20)); // same size: nothing to do
            var shrink = await Assert.ThrowsAsync<VolumeBackingException>(() => lvm.ExtendAsync(volume.VolumeId, 16L << 20));
            Assert.Contains("would shrink it", shrink.Message);

            var bigger = volume with { SizeBytes = 48L << 20 };
            var again = await store.ExportAsync(bigger);
            Assert.Equal(48L << 20, await Iscsi.VirtualSizeAsync(again, bigger));
            Assert.Equal(marker, await Iscsi.ReadAsync(again, bigger, 4096, marker.Length));
            var capacity = await lvm.CapacityAsync();
            Assert.Equal(capacity.TotalBytes - (48L << 20), capacity.FreeBytes);
        }
        finally
        {
            await store.UnexportAsync(volume.VolumeId, volume.ChapUsername, deleteData: true);
        }
    }

    [Fact]
    public async Task Capacity_comes_from_vgs_and_host_facts_report_it()
    {
        using var lvm = new LvmVolumeStore(Run, Group.Options);
        var capacity = await lvm.CapacityAsync();
        Assert.Equal(("lvm", Group.Name), (capacity.Backend, capacity.Location));
        Assert.InRange(capacity.TotalBytes, 500L << 20, 512L << 20); // 512 MiB PV less LVM metadata
        Assert.InRange(capacity.FreeBytes, 0, capacity.TotalBytes);

        var probe = new KubeCloud.Node.Hypervisor.HypervisorProbeResult(KubeCloud.Node.Hypervisor.HypervisorType.Qemu, "test", TimeSpan.Zero);
        var facts = await KubeCloud.Node.HostFacts.HostFactsReader.ReadAsync("/var/tmp", probe, null, lvm);
        Assert.Equal(Group.Name, facts.VolumeStorage?.Location);
        Assert.Equal(capacity.TotalBytes, facts.VolumeStorage?.TotalBytes);
    }

    [Fact]
    public async Task Configuration_with_a_volume_group_selects_lvm_and_without_one_files()
    {
        var options = new VolumeStoreOptions { Root = Path.Combine("/var/tmp", "kcl-files-" + Guid.NewGuid().ToString("N")[..8]), VolumeGroup = Group.Name };
        var lvm = Assert.IsType<LvmVolumeStore>(options.CreateStore(Run));
        using (lvm)
        {
            Assert.Equal(Group.Access, lvm.Options.DeviceAccess);
            Assert.Equal(Group.Name, (await lvm.CapacityAsync()).Location);
        }

        var files = Assert.IsType<FileVolumeStore>((options with { VolumeGroup = null }).CreateStore(Run));
        Assert.Equal(options.Root, files.Root);
    }

    private static VolumeExport NewVolume(long size)
    {
        var id = "kcl-" + Guid.NewGuid().ToString("N")[..8];
        return new VolumeExport
        {
            VolumeId = id,
            SizeBytes = size,
            ChapUsername = "kcl-" + id[4..],
            ChapPassword = "secret" + Guid.NewGuid().ToString("N")[..12],
            AllowedInitiators = ["127.0.0.1"],
        };
    }

    private static async Task<string> TargetBlockAsync(string iqn)
    {
        var shown = (await Run.RunCheckedAsync("tgtadm", "--lld", "iscsi", "--op", "show", "--mode", "target")).StandardOutput;
        var start = shown.IndexOf(": " + iqn + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{iqn} not in tgtadm --op show");
        var next = shown.IndexOf("\nTarget ", start, StringComparison.Ordinal);
        return shown[start..(next < 0 ? shown.Length : next)];
    }
}

/// <summary>QEMU's iSCSI initiator (qemu-io, qemu-img) against tgtd on loopback, with CHAP.</summary>
internal static class Iscsi
{
    private static readonly ICommandRunner Run = ProcessCommandRunner.Instance;

    public static string Url(IscsiTarget target, VolumeExport volume)
        => $"iscsi://{volume.ChapUsername}%{volume.ChapPassword}@127.0.0.1:3260/{target.Iqn}/{target.Lun}";

    public static byte[] Marker(string id) => Encoding.ASCII.GetBytes(("KCL-MARKER " + id + " ").PadRight(512, '.'));

    public static async Task<CommandResult> QemuIoAsync(IscsiTarget target, VolumeExport volume, string command)
    {
        var result = await Run.RunCheckedAsync("qemu-io", "-f", "raw", "-c", command, Url(target, volume));
        Assert.DoesNotContain("failed", result.StandardOutput + result.StandardError, StringComparison.OrdinalIgnoreCase);
        return result;
    }

    public static async Task WriteAsync(IscsiTarget target, VolumeExport volume, byte[] data, long offset)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, data);
            await QemuIoAsync(target, volume, $"write -s {file} {offset} {data.Length}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Reads bytes with <c>qemu-io read -v</c> (a hex dump: <c>OFFSET:  16 hex bytes  ascii</c>).</summary>
    public static async Task<byte[]> ReadAsync(IscsiTarget target, VolumeExport volume, long offset, int length)
    {
        var dump = (await QemuIoAsync(target, volume, $"read -v {offset} {length}")).StandardOutput;
        var bytes = dump.Split('\n')
            .Where(l => Regex.IsMatch(l, "^[0-9a-f]{8}:"))
            .SelectMany(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(16))
            .Select(h => Convert.ToByte(h, 16))
            .ToArray();
        Assert.Equal(length, bytes.Length);
        return bytes;
    }

    public static async Task<long> VirtualSizeAsync(IscsiTarget target, VolumeExport volume)
    {
        var json = (await Run.RunCheckedAsync("qemu-img", "info", "--output=json", Url(target, volume))).StandardOutput;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("virtual-size").GetInt64();
    }

    /// <summary>qemu-io's statistics line ("32 MiB, 1 ops; 00.10 sec (311 MiB/sec and ...)").</summary>
    public static string Rate(CommandResult result)
        => result.StandardOutput.Split('\n').FirstOrDefault(l => l.Contains("/sec", StringComparison.Ordinal))?.Trim() ?? result.StandardOutput.Trim();
}
