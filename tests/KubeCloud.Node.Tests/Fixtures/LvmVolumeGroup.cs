using System.Text.Json;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.Tests.Fixtures;

/// <summary>
/// A throw-away volume group: a sparse file, a loop device on it (<c>losetup -f --show</c>), a PV and a
/// VG named <c>kcl</c> + random hex. <see cref="DisposeAsync"/> removes LVs, VG, PV, loop device and
/// file, and checks each is gone.
/// </summary>
public sealed class LvmVolumeGroup : IAsyncDisposable
{
    private static readonly ICommandRunner Run = ProcessCommandRunner.Instance;

    private LvmVolumeGroup(string name, string file, string loopDevice, LvmDeviceAccess access)
    {
        Name = name;
        File = file;
        LoopDevice = loopDevice;
        Access = access;
    }

    public string Name { get; }

    /// <summary>The sparse file behind the PV.</summary>
    public string File { get; }

    /// <summary>The PV: a loop device over <see cref="File"/>.</summary>
    public string LoopDevice { get; }

    /// <summary>Device-mapper when the kernel has it; loop devices over the PV otherwise.</summary>
    public LvmDeviceAccess Access { get; }

    public static LvmDeviceAccess HostAccess
        => LvmOptions.KernelHasDeviceMapper() ? LvmDeviceAccess.DeviceMapper : LvmDeviceAccess.Loop;

    public LvmOptions Options => new() { VolumeGroup = Name, DeviceAccess = Access };

    public static async Task<LvmVolumeGroup> CreateAsync(long sizeBytes = 512L << 20)
    {
        var name = "kcl" + Guid.NewGuid().ToString("N")[..10];
        var file = Path.Combine("/var/tmp", name + ".pv.img");
        await using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(sizeBytes);
        }

        var loop = (await Run.RunCheckedAsync("losetup", "--find", "--show", file)).StandardOutput.Trim();
        var group = new LvmVolumeGroup(name, file, loop, HostAccess);
        try
        {
            await group.LvmAsync("pvcreate", "--yes", loop);
            await group.LvmAsync("vgcreate", name, loop);
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs an LVM command with the store's <c>--config</c>.</summary>
    public Task<CommandResult> LvmAsync(string command, params string[] args)
        => Run.RunCheckedAsync(command, ["--config", LvmVolumeStore.ConfigFor(Access), .. args]);

    /// <summary>The LV names in the group (from <c>lvs</c>).</summary>
    public async Task<IReadOnlyList<string>> LvNamesAsync()
    {
        var json = (await LvmAsync("lvs", "--reportformat", "json", "-o", "lv_name", Name)).StandardOutput;
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("report")[0].GetProperty("lv").EnumerateArray().Select(lv => lv.GetProperty("lv_name").GetString()!)];
    }

    /// <summary>Loop devices whose backing file is <paramref name="backing"/> (a file or a PV device).</summary>
    public static async Task<IReadOnlyList<string>> LoopsOverAsync(string backing)
    {
        var output = (await Run.RunCheckedAsync("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE")).StandardOutput;
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2 && p[1] == backing)
            .Select(p => p[0])];
    }

    public async ValueTask DisposeAsync()
    {
        var vgExists = (await Run.RunAsync("vgs", "--config", LvmVolumeStore.ConfigFor(Access), Name)).Succeeded;
        if (vgExists)
        {
            foreach (var loop in await LoopsOverAsync(LoopDevice))
            {
                await Run.RunCheckedAsync("losetup", "--detach", loop); // LV mappings a failed test left
            }

            await LvmAsync("lvremove", "--force", Name);
            await LvmAsync("vgremove", "--force", Name);
        }

        if ((await Run.RunAsync("pvs", "--config", LvmVolumeStore.ConfigFor(Access), LoopDevice)).Succeeded)
        {
            await LvmAsync("pvremove", "--yes", LoopDevice);
        }

        await Run.RunCheckedAsync("losetup", "--detach", LoopDevice);
        System.IO.File.Delete(File);
        foreach (var archive in Directory.Exists("/etc/lvm/archive") ? Directory.GetFiles("/etc/lvm/archive", Name + "_*.vg") : [])
        {
            System.IO.File.Delete(archive);
        }

        System.IO.File.Delete(Path.Combine("/etc/lvm/backup", Name));

        // Checked, not assumed.
        Assert.False((await Run.RunAsync("vgs", "--config", LvmVolumeStore.ConfigFor(Access), Name)).Succeeded, $"VG {Name} still exists");
        Assert.Empty(await LoopsOverAsync(File));
        Assert.Empty(await LoopsOverAsync(LoopDevice));
        Assert.False(System.IO.File.Exists(File));
    }
}

/// <summary>One volume group for a test class.</summary>
public sealed class LvmVolumeGroupFixture : IAsyncLifetime
{
    public LvmVolumeGroup Group { get; private set; } = null!;

    public async Task InitializeAsync() => Group = await LvmVolumeGroup.CreateAsync();

    public async Task DisposeAsync() => await Group.DisposeAsync();
}
