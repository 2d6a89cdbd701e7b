using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeCloud.Node.Hypervisor;

/// <summary>What the probe found: the hypervisor type to use and why.</summary>
public sealed record HypervisorProbeResult(HypervisorType Type, string Reason, TimeSpan Elapsed);

/// <summary>
/// Decides whether KVM can really run a guest. /dev/kvm existing is not enough (on some nested
/// machines KVM_RUN hangs once a Linux kernel runs), so the probe boots a Linux kernel with
/// <c>qemu -accel kvm</c> in a child process, without a root file system: a working KVM reaches the
/// "VFS: Unable to mount root" panic within seconds and QEMU exits (panic=-1, -no-reboot).
/// A child that has not finished when the timeout passes is killed and KVM is reported unusable.
/// </summary>
public sealed class KvmProbe
{
    public string QemuBinary { get; init; } = "/usr/bin/qemu-system-x86_64";

    public string KvmDevice { get; init; } = "/dev/kvm";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Kernels to try booting; the first that exists is used.</summary>
    public IReadOnlyList<string> KernelCandidates { get; init; } = DefaultKernels();

    /// <summary>
    /// Where a probe's result is kept (a file in the node's state directory), so that a restarted daemon does not boot
    /// a kernel again (15 s where KVM hangs): the result is reused while the host has not rebooted
    /// (<see cref="BootIdFile"/>) and the QEMU binary is the same file. Null: probe every time.
    /// </summary>
    public string? CacheFile { get; init; }

    /// <summary>The name of <see cref="CacheFile"/> in a node's state directory.</summary>
    public const string CacheFileName = "kvm-probe.json";

    /// <summary>The kernel's id of this boot.</summary>
    public string BootIdFile { get; init; } = "/proc/sys/kernel/random/boot_id";

    public async Task<HypervisorProbeResult> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var key = CacheFile is null ? null : CacheKey();
        if (key is not null && ReadCache(key) is { } cached)
        {
            return cached;
        }

        var result = await ProbeUncachedAsync(cancellationToken);
        if (key is not null)
        {
            try
            {
                WriteCache(key, result);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not kept: the next start probes again.
            }
        }

        return result;
    }

    /// <summary>This boot, the QEMU binary, the /dev/kvm device and the kernel the probe would boot; null when one cannot be read (then nothing is cached).</summary>
    private string? CacheKey()
    {
        try
        {
            var qemu = new FileInfo(QemuBinary);
            var bootId = File.ReadAllText(BootIdFile).Trim();
            return qemu.Exists && bootId.Length > 0
                ? $"boot {bootId}; {QemuBinary} {qemu.Length} bytes modified {qemu.LastWriteTimeUtc:O}; {KvmDevice} {(File.Exists(KvmDevice) ? "present" : "absent")}; kernel {KernelCandidates.FirstOrDefault(File.Exists) ?? "none"}"
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private HypervisorProbeResult? ReadCache(string key)
    {
        try
        {
            if (!File.Exists(CacheFile) || JsonNode.Parse(File.ReadAllText(CacheFile!)) is not JsonObject cache
                || (string?)cache["key"] != key || !Enum.TryParse<HypervisorType>((string?)cache["type"], out var type))
            {
                return null;
            }

            return new(type, $"{(string?)cache["reason"]} (probed {(string?)cache["probedAt"]}, same boot and QEMU)", TimeSpan.Zero);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null; // an unreadable cache is probed again and rewritten
        }
    }

    private void WriteCache(string key, HypervisorProbeResult result)
    {
        var cache = new JsonObject
        {
            ["key"] = key,
            ["type"] = result.Type.ToString(),
            ["reason"] = result.Reason,
            ["probedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(CacheFile!))!);
        var temp = CacheFile + ".tmp";
        File.WriteAllText(temp, cache.ToJsonString());
        File.Move(temp, CacheFile!, overwrite: true);
    }

    private async Task<HypervisorProbeResult> ProbeUncachedAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (!File.Exists(KvmDevice))
        {
            return new(HypervisorType.Qemu, $"{KvmDevice} does not exist", watch.Elapsed);
        }

        var kernel = KernelCandidates.FirstOrDefault(File.Exists);
        if (kernel is null)
        {
            return new(HypervisorType.Qemu, $"no kernel to probe KVM with (tried {string.Join(", ", KernelCandidates)})", watch.Elapsed);
        }

        var serial = Path.Combine(Path.GetTempPath(), $"kvm-probe-{Guid.NewGuid():N}.log");
        var psi = new ProcessStartInfo(QemuBinary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-accel", "kvm", "-M", "pc", "-m", "128", "-nodefaults", "-display", "none", "-no-reboot",
                     "-serial", "file:" + serial, "-kernel", kernel, "-append", "console=ttyS0 panic=-1 loglevel=4" })
        {
            psi.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {QemuBinary}");
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return new(HypervisorType.Qemu, $"a Linux guest under KVM did not finish booting within {Timeout.TotalSeconds:0} s (KVM hangs)", watch.Elapsed);
            }

            var log = File.Exists(serial) ? await File.ReadAllTextAsync(serial, cancellationToken) : "";
            if (log.Contains("Kernel panic", StringComparison.Ordinal) || log.Contains("VFS:", StringComparison.Ordinal))
            {
                return new(HypervisorType.Kvm, $"booted {Path.GetFileName(kernel)} under KVM in {watch.Elapsed.TotalSeconds:0.0} s", watch.Elapsed);
            }

            return new(HypervisorType.Qemu, $"qemu -accel kvm exited with {process.ExitCode} before the kernel ran: {(await stderr).Trim()}", watch.Elapsed);
        }
        finally
        {
            File.Delete(serial);
        }
    }

    private static string[] DefaultKernels()
    {
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        return [$"/boot/vmlinuz-{release}", "/boot/vmlinuz", "/vmlinuz"];
    }
}
