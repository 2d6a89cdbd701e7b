using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.HostFacts;

/// <summary>What a compute node reports about itself (the Hypervisor resource's status).</summary>
public sealed record HostFactsReport(
    int CpuCount,
    string CpuModel,
    IReadOnlyList<string> CpuFlags,
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    long DiskTotalBytes,
    long DiskAvailableBytes,
    HypervisorType HypervisorType,
    string HypervisorReason,
    IPAddress? TunnelIp)
{
    /// <summary>The volume backend's capacity (volume group or file system), when the node has the storage role.</summary>
    public StorageCapacity? VolumeStorage { get; init; }
}

/// <summary>Reads host facts from /proc and statvfs; the hypervisor type comes from the KVM probe.</summary>
public static partial class HostFactsReader
{
    public static HostFactsReport Read(string instancesDirectory, HypervisorProbeResult probe, IPAddress? tunnelIp,
        string cpuinfoPath = "/proc/cpuinfo", string meminfoPath = "/proc/meminfo")
    {
        ArgumentNullException.ThrowIfNull(probe);
        var (count, model, flags) = ParseCpuInfo(File.ReadAllText(cpuinfoPath));
        var (total, available) = ParseMemInfo(File.ReadAllText(meminfoPath));
        var (diskTotal, diskAvailable) = Disk(instancesDirectory);
        return new HostFactsReport(count, model, flags, total, available, diskTotal, diskAvailable, probe.Type, probe.Reason, tunnelIp);
    }

    /// <summary>As <see cref="Read"/>, plus the capacity of the node's volume backend.</summary>
    public static async Task<HostFactsReport> ReadAsync(string instancesDirectory, HypervisorProbeResult probe, IPAddress? tunnelIp,
        IVolumeBackingStore? volumes, CancellationToken cancellationToken = default)
    {
        var facts = Read(instancesDirectory, probe, tunnelIp);
        return volumes is null ? facts : facts with { VolumeStorage = await volumes.CapacityAsync(cancellationToken) };
    }

    public static (int Count, string Model, IReadOnlyList<string> Flags) ParseCpuInfo(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        var lines = cpuinfo.Split('\n');
        string Value(string line) => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        var count = lines.Count(l => l.StartsWith("processor", StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal));
        var model = lines.Where(l => l.StartsWith("model name", StringComparison.Ordinal)).Select(Value).FirstOrDefault() ?? "unknown";
        var flags = lines.Where(l => l.StartsWith("flags", StringComparison.Ordinal)).Select(Value).FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return (count, model, flags);
    }

    public static (long Total, long Available) ParseMemInfo(string meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        long Kib(string key)
        {
            var line = meminfo.Split('\n').FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))
                ?? throw new FormatException($"/proc/meminfo has no {key}");
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        return (Kib("MemTotal"), Kib("MemAvailable"));
    }

    /// <summary>Total and available bytes of the file system holding <paramref name="path"/> (statvfs).</summary>
    public static (long Total, long Available) Disk(string path)
    {
        Directory.CreateDirectory(path);
        if (StatVfs(path, out var s) != 0)
        {
            throw new IOException($"statvfs({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return ((long)(s.f_blocks * s.f_frsize), (long)(s.f_bavail * s.f_frsize));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsBuffer
    {
        public ulong f_bsize;
        public ulong f_frsize;
        public ulong f_blocks;
        public ulong f_bfree;
        public ulong f_bavail;
        public ulong f_files;
        public ulong f_ffree;
        public ulong f_favail;
        public ulong f_fsid;
        public ulong f_flag;
        public ulong f_namemax;
        public int f_type;
        public int spare0;
        public int spare1;
        public int spare2;
        public int spare3;
        public int spare4;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, out StatVfsBuffer buffer);
}
