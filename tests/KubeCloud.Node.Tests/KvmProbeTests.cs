using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Tests;

/// <summary>
/// The KVM probe's kept result: a restarted daemon reuses it while the host has not rebooted and QEMU is the same file
/// (a probe costs up to 15 s where KVM hangs). A script stands in for QEMU: it writes the kernel's panic to the serial
/// file, as a guest under a working KVM does, and counts its runs.
/// </summary>
public sealed class KvmProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kc-kvm-probe-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private string Runs => Path.Combine(_root, "runs");

    private string Qemu => Path.Combine(_root, "qemu");

    private string BootId => Path.Combine(_root, "boot_id");

    private KvmProbe Probe() => new()
    {
        QemuBinary = Qemu,
        KvmDevice = Touch("kvm"),
        KernelCandidates = [Touch("vmlinuz")],
        BootIdFile = BootId,
        CacheFile = Path.Combine(_root, "state", KvmProbe.CacheFileName),
    };

    private int RunCount => File.Exists(Runs) ? File.ReadAllLines(Runs).Length : 0;

    [Fact]
    public async Task A_result_is_reused_on_the_same_boot_and_probed_again_after_a_reboot_a_new_QEMU_or_a_broken_cache()
    {
        File.WriteAllText(Qemu, $"""
            #!/bin/sh
            echo run >> {Runs}
            while [ $# -gt 0 ]; do case "$1" in -serial) echo "VFS: Unable to mount root fs" > "${"{2#file:}"}";; esac; shift; done
            """);
        File.SetUnixFileMode(Qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(BootId, "boot-1\n");

        var first = await Probe().ProbeAsync();
        Assert.Equal((HypervisorType.Kvm, 1), (first.Type, RunCount));

        var again = await Probe().ProbeAsync();
        Assert.Equal((HypervisorType.Kvm, 1), (again.Type, RunCount));
        Assert.Contains("same boot and QEMU", again.Reason, StringComparison.Ordinal);
        Assert.StartsWith(first.Reason, again.Reason, StringComparison.Ordinal);

        File.WriteAllText(BootId, "boot-2\n"); // the host rebooted
        await Probe().ProbeAsync();
        Assert.Equal(2, RunCount);

        File.SetLastWriteTimeUtc(Qemu, DateTime.UtcNow.AddMinutes(1)); // QEMU upgraded
        await Probe().ProbeAsync();
        Assert.Equal(3, RunCount);

        File.WriteAllText(Path.Combine(_root, "state", KvmProbe.CacheFileName), "{not json");
        Assert.Equal(HypervisorType.Kvm, (await Probe().ProbeAsync()).Type);
        Assert.Equal(4, RunCount);
        await Probe().ProbeAsync();
        Assert.Equal(4, RunCount); // rewritten
    }

    [Fact]
    public async Task Without_a_cache_file_every_call_probes()
    {
        File.WriteAllText(Qemu, $"#!/bin/sh\necho run >> {Runs}\nexit 1\n");
        File.SetUnixFileMode(Qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(BootId, "boot-1\n");
        var probe = Probe();
        var uncached = new KvmProbe { QemuBinary = Qemu, KvmDevice = probe.KvmDevice, KernelCandidates = probe.KernelCandidates, BootIdFile = BootId };

        Assert.Equal(HypervisorType.Qemu, (await uncached.ProbeAsync()).Type);
        await uncached.ProbeAsync();
        Assert.Equal(2, RunCount);
    }

    private string Touch(string name)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, "");
        return path;
    }
}
