using System.Security.Cryptography;
using System.Text;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Images;

/// <summary>
/// A small bootable guest made on this machine from Debian packages, with no download but the kernel package from the
/// Debian mirror apt uses: the Debian kernel that linux-image-amd64 depends on, plus a busybox initramfs whose /init
/// (<c>Images/Guest/init</c>, embedded) reads its cloud-init seed and reports what it sees on the serial console with
/// <c>KC-</c> markers. The node's tests boot it, and the all-in-one local mode serves it as the demo image (there may be no
/// internet to fetch a cloud image from). Built once and cached under <see cref="DefaultCacheRoot"/>, keyed by kernel
/// package, busybox and init script.
/// </summary>
public sealed class BusyboxGuestImage
{
    /// <summary>Modules the guest loads (with their dependencies), in this order.</summary>
    private static readonly string[] Modules =
    [
        "virtio_pci", "virtio_blk", "virtio_net", "ata_piix", "ata_generic", "sr_mod", "isofs", "button", "evdev",
    ];

    /// <summary>Where guests are cached unless the caller says otherwise (shared by the tests and the local mode).</summary>
    public const string DefaultCacheRoot = "/var/cache/kubecloud/guest";

    private BusyboxGuestImage(string kernelPath, string initrdPath, string kernelVersion, TimeSpan buildTime, bool fromCache)
    {
        KernelPath = kernelPath;
        InitrdPath = initrdPath;
        KernelVersion = kernelVersion;
        BuildTime = buildTime;
        FromCache = fromCache;
    }

    public string KernelPath { get; }

    public string InitrdPath { get; }

    public string KernelVersion { get; }

    public TimeSpan BuildTime { get; }

    public bool FromCache { get; }

    /// <summary>The guest's /init script (a busybox shell script).</summary>
    public static string InitScript { get; } = ReadInitScript();

    /// <summary>Builds the guest, or finds it in <paramref name="cacheRoot"/> (default <see cref="DefaultCacheRoot"/>).</summary>
    public static async Task<BusyboxGuestImage> BuildAsync(ICommandRunner run, string? cacheRoot = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var cache = cacheRoot ?? DefaultCacheRoot;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var package = await KernelPackageAsync(run);
        var init = InitScript;
        var busybox = await run.RunCheckedAsync("dpkg-query", "-W", "-f=${Version}", "busybox-static");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(package + "|" + busybox.StandardOutput + "|" + init + "|" + string.Join(',', Modules))))[..16];
        var dir = Path.Combine(cache, "guest-" + key);
        var kernel = Path.Combine(dir, "vmlinuz");
        var initrd = Path.Combine(dir, "initrd.gz");
        var versionFile = Path.Combine(dir, "kernel-version");
        if (File.Exists(kernel) && File.Exists(initrd) && File.Exists(versionFile))
        {
            return new BusyboxGuestImage(kernel, initrd, (await File.ReadAllTextAsync(versionFile)).Trim(), watch.Elapsed, fromCache: true);
        }

        var work = dir + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(work))
        {
            Directory.Delete(work, true);
        }

        Directory.CreateDirectory(work);
        try
        {
            // apt-get download writes into the working directory.
            await run.RunCheckedAsync("sh", "-c", $"cd '{work}' && apt-get download -q '{package}'");
            var deb = Directory.GetFiles(work, "*.deb").Single();
            var extracted = Path.Combine(work, "x");
            await run.RunCheckedAsync("dpkg", "-x", deb, extracted);
            var moduleRoot = Directory.GetDirectories(Path.Combine(extracted, "lib", "modules")).Single();
            var version = Path.GetFileName(moduleRoot);

            var root = Path.Combine(work, "root");
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            Directory.CreateDirectory(Path.Combine(root, "lib", "modules"));
            File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
            File.WriteAllText(Path.Combine(root, "init"), init.Replace("\r\n", "\n", StringComparison.Ordinal));
            File.SetUnixFileMode(Path.Combine(root, "init"), (UnixFileMode)0b111_101_101);

            var index = Directory.EnumerateFiles(Path.Combine(moduleRoot, "kernel"), "*.ko", SearchOption.AllDirectories)
                .ToDictionary(p => Normalize(Path.GetFileNameWithoutExtension(p)));
            var ordered = new List<string>();
            foreach (var module in Modules)
            {
                await AddWithDependenciesAsync(run, module, index, ordered, moduleRoot);
            }

            foreach (var module in ordered)
            {
                File.Copy(index[module], Path.Combine(root, "lib", "modules", module + ".ko"));
            }

            File.WriteAllText(Path.Combine(root, "etc", "kc-modules"), string.Join('\n', ordered) + "\n");
            await run.RunCheckedAsync("sh", "-c", $"cd '{root}' && find . | cpio -o -H newc --quiet | gzip -1 > '{work}/initrd.gz'");
            File.Copy(Path.Combine(extracted, "boot", $"vmlinuz-{version}"), Path.Combine(work, "vmlinuz"));
            File.WriteAllText(Path.Combine(work, "kernel-version"), version);
            Directory.Delete(extracted, true);
            Directory.Delete(root, true);
            File.Delete(deb);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }

            Directory.Move(work, dir);

            // Guests built from an older kernel or init script are not needed any more; a day's
            // grace, since test runs of other checkouts on the same machine may be using theirs.
            foreach (var stale in Directory.GetDirectories(cache, "guest-*")
                         .Where(d => d != dir && !d.Contains(".tmp-", StringComparison.Ordinal) && Directory.GetLastWriteTimeUtc(d) < DateTime.UtcNow.AddDays(-1)))
            {
                Directory.Delete(stale, true);
            }

            return new BusyboxGuestImage(kernel, initrd, version, watch.Elapsed, fromCache: false);
        }
        catch
        {
            Directory.Delete(work, true);
            throw;
        }
    }

    /// <summary>
    /// A bootable raw disk image of the guest, as a cloud image is: an unpartitioned FAT file system holding the kernel,
    /// the initramfs and SYSLINUX, which SeaBIOS boots from the first disk. Made with mkfs.vfat, mcopy and syslinux,
    /// which work on the file itself (no loop device, no mount). Cached beside the kernel; <paramref name="sizeMiB"/>
    /// is the disk's virtual size.
    /// </summary>
    public async Task<string> BootDiskAsync(ICommandRunner run, int sizeMiB = 64)
    {
        ArgumentNullException.ThrowIfNull(run);
        var disk = Path.Combine(Path.GetDirectoryName(KernelPath)!, $"disk-{sizeMiB}m.raw");
        if (File.Exists(disk))
        {
            return disk;
        }

        var work = disk + ".tmp-" + Environment.ProcessId;
        var config = work + ".cfg";
        try
        {
            await using (var file = File.Create(work))
            {
                file.SetLength((long)sizeMiB << 20);
            }

            await File.WriteAllTextAsync(config, "DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND console=ttyS0 quiet panic=-1\n");
            await run.RunCheckedAsync("mkfs.vfat", "-n", "KCGUEST", work);
            await run.RunCheckedAsync("mcopy", "-i", work, KernelPath, "::vmlinuz");
            await run.RunCheckedAsync("mcopy", "-i", work, InitrdPath, "::initrd.gz");
            await run.RunCheckedAsync("mcopy", "-i", work, config, "::syslinux.cfg");
            await run.RunCheckedAsync("syslinux", "--install", work);
            File.Move(work, disk, overwrite: true);
            return disk;
        }
        finally
        {
            File.Delete(work);
            File.Delete(config);
        }
    }

    private static string ReadInitScript()
    {
        using var stream = typeof(BusyboxGuestImage).Assembly.GetManifestResourceStream("KubeCloud.Node.Images.Guest.init")
            ?? throw new InvalidOperationException("the guest's init script is not embedded in KubeCloud.Node");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The one package linux-image-amd64 depends on (e.g. linux-image-6.1.0-NN-amd64).</summary>
    private static async Task<string> KernelPackageAsync(ICommandRunner run)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var depends = await run.RunAsync("apt-cache", "depends", "linux-image-amd64");
            var line = depends.StandardOutput.Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal));
            if (line is not null)
            {
                return line["Depends: ".Length..].Trim();
            }

            // No package lists yet (a fresh machine where node-daemon/host-setup.sh had nothing to install).
            await run.RunCheckedAsync("apt-get", "update", "-qq");
        }

        throw new InvalidOperationException("apt-cache depends linux-image-amd64 names no linux-image package");
    }

    private static async Task AddWithDependenciesAsync(ICommandRunner run, string module, Dictionary<string, string> index, List<string> ordered, string moduleRoot)
    {
        module = Normalize(module);
        if (ordered.Contains(module))
        {
            return;
        }

        if (!index.TryGetValue(module, out var path))
        {
            var builtin = await File.ReadAllTextAsync(Path.Combine(moduleRoot, "modules.builtin"));
            if (builtin.Split('\n').Any(l => Normalize(Path.GetFileNameWithoutExtension(l)) == module))
            {
                return;
            }

            throw new InvalidOperationException($"kernel module {module} is neither built in nor in {moduleRoot}");
        }

        var depends = (await run.RunCheckedAsync("modinfo", "-F", "depends", path)).StandardOutput.Trim();
        foreach (var dependency in depends.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await AddWithDependenciesAsync(run, dependency, index, ordered, moduleRoot);
        }

        ordered.Add(module);
    }

    private static string Normalize(string module) => module.Replace('-', '_');
}
