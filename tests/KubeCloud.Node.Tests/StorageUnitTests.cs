using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.Tests;

public sealed class LvmOutputTests
{
    [Fact]
    public void Parses_lvm_json_reports_by_kind()
    {
        const string json = """
              {
                  "report": [
                      {
                          "seg": [
                              {"lv_name":"volume-a", "segtype":"linear", "seg_pe_ranges":"/dev/loop0:0-15", "seg_size_pe":"16", "vg_extent_size":"4194304"},
                              {"lv_name":"volume-b", "segtype":"linear", "seg_pe_ranges":"/dev/loop0:16-31", "seg_size_pe":"16", "vg_extent_size":"4194304"}
                          ]
                      }
                  ]
              }
            """;
        var rows = LvmVolumeStore.ParseReport(json, "seg");
        Assert.Equal(["volume-a", "volume-b"], rows.Select(r => r["lv_name"]));
        Assert.Equal("/dev/loop0:16-31", rows[1]["seg_pe_ranges"]);
        Assert.Empty(LvmVolumeStore.ParseReport(json, "lv"));
    }

    [Theory]
    [InlineData("/dev/loop0:0-15", "/dev/loop0", 0)]
    [InlineData("/dev/sdb:1280-2559", "/dev/sdb", 1280)]
    [InlineData("/dev/disk/by-id/x-y:7-7", "/dev/disk/by-id/x-y", 7)]
    public void Parses_a_segments_pe_range(string range, string pv, long first)
        => Assert.Equal((pv, first), LvmVolumeStore.ParsePeRange(range));

    [Theory]
    [InlineData("")]
    [InlineData("/dev/loop0")]
    [InlineData("/dev/loop0:0-15 /dev/loop1:0-3")]
    public void Rejects_other_pe_ranges(string range) => Assert.Throws<FormatException>(() => LvmVolumeStore.ParsePeRange(range));

    [Fact]
    public void Parses_losetup_json_and_empty_output()
    {
        const string json = """
            {
               "loopdevices": [
                  {"name":"/dev/loop0", "back-file":"/var/tmp/kcl.pv.img", "offset":0, "sizelimit":0},
                  {"name":"/dev/loop1", "back-file":"/dev/loop0", "offset":1048576, "sizelimit":67108864}
               ]
            }
            """;
        Assert.Equal(
            [new LvmVolumeStore.LoopDevice("/dev/loop0", "/var/tmp/kcl.pv.img", 0, 0), new LvmVolumeStore.LoopDevice("/dev/loop1", "/dev/loop0", 1048576, 67108864)],
            LvmVolumeStore.ParseLoopDevices(json));
        Assert.Empty(LvmVolumeStore.ParseLoopDevices(""));
    }

    [Fact]
    public void Every_lvm_command_works_without_udev_and_loop_access_turns_activation_off()
    {
        Assert.Contains("udev_sync = 0", LvmVolumeStore.ConfigFor(LvmDeviceAccess.DeviceMapper));
        Assert.Contains("obtain_device_list_from_udev = 0", LvmVolumeStore.ConfigFor(LvmDeviceAccess.DeviceMapper));
        Assert.DoesNotContain("activation = 0", LvmVolumeStore.ConfigFor(LvmDeviceAccess.DeviceMapper));
        Assert.Contains("global { activation = 0 }", LvmVolumeStore.ConfigFor(LvmDeviceAccess.Loop));
    }

    [Fact]
    public async Task Device_mapper_lvs_are_created_thick_with_lvcreate_and_found_under_dev()
    {
        var run = new ScriptedRunner();
        using var store = new LvmVolumeStore(run, new LvmOptions { VolumeGroup = "cinder-volumes" });
        var created = await store.CreateAsync("v1", (1L << 30) + 1);

        Assert.Equal(new VolumeBacking("v1", "/dev/cinder-volumes/volume-v1", (1L << 30) + (4L << 20)), created.Volume); // rounded up to whole extents
        var lvcreate = Assert.Single(run.Calls, c => c[0] == "lvcreate");
        Assert.Equal(["lvcreate", "--config", LvmVolumeStore.ConfigFor(LvmDeviceAccess.DeviceMapper), "--yes", "--size", $"{(1L << 30) + (4L << 20)}b", "--name", "volume-v1", "cinder-volumes"], lvcreate);
        Assert.DoesNotContain(run.Calls, c => c[0] == "losetup");
    }

    [Theory]
    [InlineData("")]
    [InlineData("-vg")]
    [InlineData("vg/x")]
    [InlineData("vg x")]
    public void Invalid_volume_group_names_are_refused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new LvmVolumeStore(new ScriptedRunner(), new LvmOptions { VolumeGroup = name }));
        Assert.Contains("volumeGroup", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("-a")]
    public void Invalid_volume_ids_are_refused(string id)
        => Assert.Contains("volume id", Assert.Throws<ArgumentException>(() => VolumeIds.Validate(id)).Message);

    /// <summary>Answers vgs/lvs like an empty 10 GiB VG with 4 MiB extents; records every call.</summary>
    private sealed class ScriptedRunner : ICommandRunner
    {
        public List<string[]> Calls { get; } = [];

        public Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
        {
            Calls.Add([file, .. arguments]);
            var stdout = file switch
            {
                "vgs" => """{"report":[{"vg":[{"vg_name":"cinder-volumes","vg_size":"10737418240","vg_free":"10737418240","vg_extent_size":"4194304"}]}]}""",
                "lvs" => """{"report":[{"lv":[]}]}""",
                _ => "",
            };
            return Task.FromResult(new CommandResult(file, 0, stdout, ""));
        }
    }
}

public sealed class FileVolumeStoreTests : IDisposable
{
    private readonly string root = Path.Combine("/var/tmp", "kcl-files-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public async Task Creates_sparse_files_idempotently_refuses_another_size_grows_and_deletes()
    {
        var store = new FileVolumeStore(root);
        var created = await store.CreateAsync("v1", 64L << 20);
        Assert.True(created.Created);
        Assert.Equal(new VolumeBacking("v1", Path.Combine(root, "v1.img"), 64L << 20), created.Volume);
        Assert.False((await store.CreateAsync("v1", 64L << 20)).Created);

        var conflict = await Assert.ThrowsAsync<VolumeBackingException>(() => store.CreateAsync("v1", 32L << 20));
        Assert.Contains($"{64L << 20} bytes; requested {32L << 20} bytes", conflict.Message);

        Assert.Equal(128L << 20, (await store.ExtendAsync("v1", 128L << 20)).SizeBytes);
        Assert.Equal(128L << 20, new FileInfo(created.Volume.Path).Length);
        Assert.Contains("would shrink it", (await Assert.ThrowsAsync<VolumeBackingException>(() => store.ExtendAsync("v1", 1L << 20))).Message);
        Assert.Contains("does not exist", (await Assert.ThrowsAsync<VolumeBackingException>(() => store.ExtendAsync("v2", 1L << 20))).Message);

        var capacity = await store.CapacityAsync();
        Assert.Equal(("file", root), (capacity.Backend, capacity.Location));
        Assert.InRange(capacity.FreeBytes, 1, capacity.TotalBytes);

        await store.DeleteAsync("v1");
        await store.DeleteAsync("v1");
        Assert.Null(await store.FindAsync("v1"));
    }
}
