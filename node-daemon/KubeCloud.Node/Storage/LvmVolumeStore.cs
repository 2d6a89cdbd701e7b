using System.Globalization;
using System.Text.Json;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Storage;

/// <summary>How the block device of an LV is reached.</summary>
public enum LvmDeviceAccess
{
    /// <summary>LVM activates each LV through the kernel's device-mapper; the path is <c>/dev/VG/LV</c>.</summary>
    DeviceMapper,

    /// <summary>
    /// For kernels without device-mapper (some VM and container kernels): LVM only keeps the metadata
    /// (<c>global/activation=0</c>), every LV is one contiguous linear segment (<c>--alloc contiguous</c>),
    /// and the store maps its extent range with a loop device over the PV
    /// (<c>losetup --offset --sizelimit</c>): the same mapping dm-linear would make.
    /// </summary>
    Loop,
}

/// <summary>Configuration of the LVM backend (Cinder's <c>volume_group</c>).</summary>
public sealed record LvmOptions
{
    /// <summary>The volume group the volumes are LVs in; it must exist (the node does not create it).</summary>
    public required string VolumeGroup { get; init; }

    public LvmDeviceAccess DeviceAccess { get; init; } = LvmDeviceAccess.DeviceMapper;

    /// <summary>LV name prefix (Cinder's <c>volume_name_template</c> is <c>volume-%s</c>).</summary>
    public string LvPrefix { get; init; } = "volume-";

    /// <summary>True when the running kernel has device-mapper (it is listed in /proc/misc).</summary>
    public static bool KernelHasDeviceMapper(string procMisc = "/proc/misc")
        => File.Exists(procMisc) && File.ReadAllText(procMisc).Contains(" device-mapper", StringComparison.Ordinal);
}

/// <summary>An LV of this store: the volume id and its size in bytes.</summary>
public sealed record LvmVolume(string VolumeId, string LvName, long SizeBytes);

/// <summary>
/// Volumes as thick LVs in a configured volume group (Cinder's LVM driver, <c>lvm_type=default</c>):
/// <c>lvcreate -L SIZE -n volume-ID VG</c>, <c>lvextend</c>, <c>lvremove -f</c>, <c>lvs</c>/<c>vgs</c> as JSON.
/// Every LVM command gets a <c>--config</c> that works without udev (no udev sync, no udev rules,
/// devices from /dev): nodes run in containers without udev.
/// </summary>
public sealed class LvmVolumeStore : IVolumeBackingStore, IDisposable
{
    private readonly ICommandRunner run;
    private readonly string config;
    private readonly SemaphoreSlim gate = new(1, 1);

    public LvmVolumeStore(ICommandRunner run, LvmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!LvmNames.IsValid(options.VolumeGroup))
        {
            throw new ArgumentException($"volumeGroup '{options.VolumeGroup}' is invalid: LVM names are letters, digits, '+', '_', '.' and '-', not starting with '-'", nameof(options));
        }

        this.run = run;
        Options = options;
        config = ConfigFor(options.DeviceAccess);
    }

    public string Backend => "lvm";

    public void Dispose() => gate.Dispose();

    public LvmOptions Options { get; }

    /// <summary>The <c>--config</c> string given to every LVM command.</summary>
    public static string ConfigFor(LvmDeviceAccess access)
        => "activation { udev_sync = 0 udev_rules = 0 } devices { obtain_device_list_from_udev = 0 }"
           + (access == LvmDeviceAccess.Loop ? " global { activation = 0 }" : "");

    public string LvName(string volumeId)
    {
        VolumeIds.Validate(volumeId);
        return Options.LvPrefix + volumeId;
    }

    public async Task<VolumeCreation> CreateAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default)
    {
        VolumeIds.ValidateSize(sizeBytes);
        var lv = LvName(volumeId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var vg = await VolumeGroupAsync(cancellationToken);
            var size = RoundUp(sizeBytes, vg.ExtentBytes);
            if (await FindLvAsync(lv, cancellationToken) is { } existing)
            {
                if (existing.SizeBytes != size)
                {
                    throw new VolumeBackingException(
                        $"volume {volumeId} already exists as LV {Options.VolumeGroup}/{lv} with {existing.SizeBytes} bytes; requested {sizeBytes} bytes ({size} in whole extents) (create is idempotent only for the same size; extend to grow)");
                }

                return new VolumeCreation(new VolumeBacking(volumeId, await DevicePathAsync(lv, cancellationToken), existing.SizeBytes), Created: false);
            }

            if (size > vg.FreeBytes)
            {
                throw new VolumeBackingException($"volume group {Options.VolumeGroup} has {vg.FreeBytes} bytes free; volume {volumeId} needs {size}");
            }

            string[] loopArgs = Options.DeviceAccess == LvmDeviceAccess.Loop ? ["--activate", "n", "--zero", "n", "--alloc", "contiguous"] : [];
            await LvmAsync("lvcreate", ["--yes", "--size", Bytes(size), "--name", lv, .. loopArgs, Options.VolumeGroup], cancellationToken);
            try
            {
                var path = await DevicePathAsync(lv, cancellationToken);
                if (Options.DeviceAccess == LvmDeviceAccess.Loop)
                {
                    await ZeroHeadAsync(path, size, cancellationToken); // what lvcreate --zero y does when it can activate
                }

                return new VolumeCreation(new VolumeBacking(volumeId, path, size), Created: true);
            }
            catch
            {
                await RemoveAsync(lv, CancellationToken.None);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<VolumeBacking?> FindAsync(string volumeId, CancellationToken cancellationToken = default)
    {
        var lv = LvName(volumeId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await FindLvAsync(lv, cancellationToken) is { } found
                ? new VolumeBacking(volumeId, await DevicePathAsync(lv, cancellationToken), found.SizeBytes)
                : null;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<VolumeBacking> ExtendAsync(string volumeId, long sizeBytes, CancellationToken cancellationToken = default)
    {
        VolumeIds.ValidateSize(sizeBytes);
        var lv = LvName(volumeId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var vg = await VolumeGroupAsync(cancellationToken);
            var existing = await FindLvAsync(lv, cancellationToken)
                ?? throw new VolumeBackingException($"volume {volumeId} does not exist (no LV {Options.VolumeGroup}/{lv})");
            var size = RoundUp(sizeBytes, vg.ExtentBytes);
            if (size < existing.SizeBytes)
            {
                throw new VolumeBackingException($"volume {volumeId} has {existing.SizeBytes} bytes; extending to {sizeBytes} bytes would shrink it");
            }

            if (size > existing.SizeBytes)
            {
                string[] loopArgs = [];
                if (Options.DeviceAccess == LvmDeviceAccess.Loop)
                {
                    await DetachLoopsAsync(lv, cancellationToken); // the mapping changes size
                    loopArgs = ["--alloc", "contiguous"];
                }

                await LvmAsync("lvextend", ["--size", Bytes(size), .. loopArgs, $"{Options.VolumeGroup}/{lv}"], cancellationToken);
            }

            return new VolumeBacking(volumeId, await DevicePathAsync(lv, cancellationToken), size);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task DeleteAsync(string volumeId, CancellationToken cancellationToken = default)
    {
        var lv = LvName(volumeId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await FindLvAsync(lv, cancellationToken) is not null)
            {
                await RemoveAsync(lv, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<StorageCapacity> CapacityAsync(CancellationToken cancellationToken = default)
    {
        var vg = await VolumeGroupAsync(cancellationToken);
        return new StorageCapacity(Backend, Options.VolumeGroup, vg.SizeBytes, vg.FreeBytes);
    }

    /// <summary>The volumes of this store (LVs with the prefix) from <c>lvs</c>.</summary>
    public async Task<IReadOnlyList<LvmVolume>> ListAsync(CancellationToken cancellationToken = default)
    {
        await VolumeGroupAsync(cancellationToken);
        var rows = await ReportAsync("lvs", "lv", cancellationToken, "-o", "lv_name,lv_size", Options.VolumeGroup);
        return [.. rows.Where(r => r["lv_name"].StartsWith(Options.LvPrefix, StringComparison.Ordinal))
            .Select(r => new LvmVolume(r["lv_name"][Options.LvPrefix.Length..], r["lv_name"], Long(r["lv_size"])))];
    }

    private sealed record VolumeGroupInfo(long SizeBytes, long FreeBytes, long ExtentBytes);

    private async Task<VolumeGroupInfo> VolumeGroupAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Dictionary<string, string>> rows;
        try
        {
            rows = await ReportAsync("vgs", "vg", cancellationToken, "-o", "vg_name,vg_size,vg_free,vg_extent_size", Options.VolumeGroup);
        }
        catch (VolumeBackingException e)
        {
            throw new VolumeBackingException($"volume group {Options.VolumeGroup} (volumeGroup) is not usable: {e.Message}", e);
        }

        var row = rows.SingleOrDefault() ?? throw new VolumeBackingException($"volume group {Options.VolumeGroup} (volumeGroup) was not reported by vgs");
        return new VolumeGroupInfo(Long(row["vg_size"]), Long(row["vg_free"]), Long(row["vg_extent_size"]));
    }

    private async Task<LvmVolume?> FindLvAsync(string lv, CancellationToken cancellationToken)
    {
        var rows = await ReportAsync("lvs", "lv", cancellationToken, "-o", "lv_name,lv_size", "--select", $"lv_name={lv}", Options.VolumeGroup);
        return rows.SingleOrDefault() is { } row ? new LvmVolume(row["lv_name"][Options.LvPrefix.Length..], lv, Long(row["lv_size"])) : null;
    }

    private async Task RemoveAsync(string lv, CancellationToken cancellationToken)
    {
        if (Options.DeviceAccess == LvmDeviceAccess.Loop)
        {
            await DetachLoopsAsync(lv, cancellationToken);
        }

        await LvmAsync("lvremove", ["--force", $"{Options.VolumeGroup}/{lv}"], cancellationToken);
    }

    private async Task<string> DevicePathAsync(string lv, CancellationToken cancellationToken)
    {
        if (Options.DeviceAccess == LvmDeviceAccess.DeviceMapper)
        {
            return $"/dev/{Options.VolumeGroup}/{lv}";
        }

        var mapping = await LoopMappingAsync(lv, cancellationToken);
        if ((await LoopDevicesAsync(cancellationToken)).FirstOrDefault(mapping.Matches) is { } attached)
        {
            return attached.Name;
        }

        var result = await run.RunCheckedAsync("losetup", ["--find", "--show", "--offset", Number(mapping.Offset), "--sizelimit", Number(mapping.Size), mapping.PhysicalVolume], cancellationToken);
        return result.StandardOutput.Trim();
    }

    /// <summary>Where the LV's one linear segment lies on its PV.</summary>
    internal sealed record LoopMapping(string PhysicalVolume, long Offset, long Size)
    {
        public bool Matches(LoopDevice d) => d.BackingFile == PhysicalVolume && d.Offset == Offset && d.SizeLimit == Size;
    }

    internal sealed record LoopDevice(string Name, string BackingFile, long Offset, long SizeLimit);

    private async Task<LoopMapping> LoopMappingAsync(string lv, CancellationToken cancellationToken)
    {
        var segments = await ReportAsync("lvs", "seg", cancellationToken,
            "--segments", "-o", "lv_name,segtype,seg_pe_ranges,seg_size_pe,vg_extent_size", "--select", $"lv_name={lv}", Options.VolumeGroup);
        if (segments.Count != 1 || segments[0]["segtype"] != "linear")
        {
            throw new VolumeBackingException(
                $"LV {Options.VolumeGroup}/{lv} has {segments.Count} segment(s) ({string.Join(", ", segments.Select(s => s["segtype"] + " " + s["seg_pe_ranges"]))}); loop access needs exactly one linear segment");
        }

        var seg = segments[0];
        var (pv, firstExtent) = ParsePeRange(seg["seg_pe_ranges"]);
        var pvs = await ReportAsync("pvs", "pv", cancellationToken, "-o", "pv_name,pe_start", pv);
        var peStart = Long(pvs.Single()["pe_start"]);
        var extent = Long(seg["vg_extent_size"]);
        return new LoopMapping(pv, peStart + (firstExtent * extent), Long(seg["seg_size_pe"]) * extent);
    }

    /// <summary>Parses <c>/dev/sdb:16-31</c> into the PV and the first extent.</summary>
    internal static (string PhysicalVolume, long FirstExtent) ParsePeRange(string range)
    {
        var colon = range.LastIndexOf(':');
        var dash = range.LastIndexOf('-');
        if (colon <= 0 || dash < colon || range.Contains(' ', StringComparison.Ordinal))
        {
            throw new FormatException($"unexpected seg_pe_ranges '{range}' (want PV:FIRST-LAST)");
        }

        return (range[..colon], long.Parse(range[(colon + 1)..dash], CultureInfo.InvariantCulture));
    }

    private async Task<IReadOnlyList<LoopDevice>> LoopDevicesAsync(CancellationToken cancellationToken)
    {
        var result = await run.RunCheckedAsync("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE,OFFSET,SIZELIMIT"], cancellationToken);
        return ParseLoopDevices(result.StandardOutput);
    }

    internal static IReadOnlyList<LoopDevice> ParseLoopDevices(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return []; // losetup prints nothing when no loop device is attached
        }

        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("loopdevices").EnumerateArray().Select(d => new LoopDevice(
            d.GetProperty("name").GetString() ?? "",
            d.GetProperty("back-file").GetString()?.Trim() ?? "",
            Number(d.GetProperty("offset")),
            Number(d.GetProperty("sizelimit"))))];
    }

    private async Task DetachLoopsAsync(string lv, CancellationToken cancellationToken)
    {
        var mapping = await LoopMappingAsync(lv, cancellationToken);
        foreach (var device in (await LoopDevicesAsync(cancellationToken)).Where(mapping.Matches))
        {
            await run.RunCheckedAsync("losetup", ["--detach", device.Name], cancellationToken);
        }
    }

    private static async Task ZeroHeadAsync(string device, long size, CancellationToken cancellationToken)
    {
        var zeros = new byte[(int)Math.Min(size, 1 << 20)];
        var stream = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(zeros, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    private async Task<IReadOnlyList<Dictionary<string, string>>> ReportAsync(string command, string kind, CancellationToken cancellationToken, params string[] args)
    {
        var result = await LvmAsync(command, ["--reportformat", "json", "--units", "b", "--nosuffix", .. args], cancellationToken);
        return ParseReport(result.StandardOutput, kind);
    }

    /// <summary>Rows of one kind (<c>vg</c>, <c>lv</c>, <c>seg</c>, <c>pv</c>) from an LVM JSON report.</summary>
    internal static IReadOnlyList<Dictionary<string, string>> ParseReport(string json, string kind)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("report").EnumerateArray()
            .Where(r => r.TryGetProperty(kind, out _))
            .SelectMany(r => r.GetProperty(kind).EnumerateArray())
            .Select(row => row.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))];
    }

    private async Task<CommandResult> LvmAsync(string command, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await run.RunAsync(command, ["--config", config, .. args], cancellationToken);
        return result.Succeeded
            ? result
            : throw new VolumeBackingException($"{command} failed (exit {result.ExitCode}): {Stderr(result)}", new CommandFailedException(result));
    }

    /// <summary>stderr without LVM's notes that activation is off (expected with <see cref="LvmDeviceAccess.Loop"/>).</summary>
    private static string Stderr(CommandResult result)
        => string.Join("; ", result.StandardError.Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.Contains("Activation disabled", StringComparison.Ordinal) && !l.StartsWith("File descriptor", StringComparison.Ordinal)));

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;

    private static string Bytes(long value) => Number(value) + "b";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Long(string value) => long.Parse(value, CultureInfo.InvariantCulture);

    private static long Number(JsonElement e) => e.ValueKind == JsonValueKind.String ? Long(e.GetString()!) : e.GetInt64();
}

/// <summary>LVM's rules for VG and LV names.</summary>
internal static class LvmNames
{
    public static bool IsValid(string name)
        => !string.IsNullOrEmpty(name) && name.Length <= 127 && name[0] != '-' && name is not ("." or "..")
           && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '_' or '.' or '-');
}
