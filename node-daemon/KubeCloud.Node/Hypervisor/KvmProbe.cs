using System.Diagnostics;

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

    public async Task<HypervisorProbeResult> ProbeAsync(CancellationToken cancellationToken = default)
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
