using System.Globalization;
using System.Xml.Linq;

namespace KubeCloud.Node.Hypervisor;

/// <summary>Renders a <see cref="DomainSpec"/> as libvirt domain XML.</summary>
public static class DomainXmlBuilder
{
    private static readonly string[] DiskNames = [.. Enumerable.Range('a', 26).Select(c => "vd" + (char)c)];

    public static string Build(DomainSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var kvm = spec.Hypervisor == HypervisorType.Kvm;
        var cpu = spec.Cpu ?? (kvm ? CpuMode.HostModel : CpuMode.Qemu64);

        var os = new XElement("os",
            new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", spec.Machine), "hvm"));
        if (spec.Kernel is { } k)
        {
            os.Add(new XElement("kernel", k.KernelPath));
            if (k.InitrdPath is not null)
            {
                os.Add(new XElement("initrd", k.InitrdPath));
            }

            os.Add(new XElement("cmdline", k.CommandLine));
        }
        else
        {
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        }

        var devices = new XElement("devices");

        // Names an iSCSI disk asks for (vda for a boot volume) are taken first; the rest get the next free one in order.
        var used = spec.IscsiDisks.Select(d => d.TargetDevice).OfType<string>().ToHashSet(StringComparer.Ordinal);
        string NextFree()
        {
            var name = FreeDiskName(used);
            used.Add(name);
            return name;
        }

        if (spec.RootDiskPath is not null)
        {
            devices.Add(FileDisk(spec.RootDiskPath, spec.RootDiskFormat, NextFree()));
        }

        if (spec.EphemeralDiskPath is not null)
        {
            devices.Add(FileDisk(spec.EphemeralDiskPath, "qcow2", NextFree()));
        }

        foreach (var iscsi in spec.IscsiDisks)
        {
            devices.Add(IscsiDiskElement(iscsi with { TargetDevice = iscsi.TargetDevice ?? NextFree() }));
        }

        if (spec.SeedIsoPath is not null)
        {
            devices.Add(new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "cdrom"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
                new XElement("source", new XAttribute("file", spec.SeedIsoPath)),
                new XElement("target", new XAttribute("dev", "hdc"), new XAttribute("bus", "ide")),
                new XElement("readonly")));
        }

        foreach (var nic in spec.Nics)
        {
            devices.Add(NicElement(nic));
        }

        devices.Add(
            new XElement("serial", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", spec.SerialLogPath), new XAttribute("append", "on")),
                new XElement("target", new XAttribute("port", "0"))),
            new XElement("console", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", spec.SerialLogPath), new XAttribute("append", "on")),
                new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", "0"))));
        if (spec.Vnc)
        {
            devices.Add(
                new XElement("graphics", new XAttribute("type", "vnc"), new XAttribute("port", "-1"), new XAttribute("autoport", "yes"), new XAttribute("listen", "127.0.0.1"),
                    new XElement("listen", new XAttribute("type", "address"), new XAttribute("address", "127.0.0.1"))),
                new XElement("video", new XElement("model", new XAttribute("type", "vga"))));
        }

        devices.Add(new XElement("memballoon", new XAttribute("model", "none")));

        var domain = new XElement("domain", new XAttribute("type", kvm ? "kvm" : "qemu"),
            new XElement("name", spec.Name),
            new XElement("uuid", spec.Uuid.ToString("D")),
            new XElement("memory", new XAttribute("unit", "MiB"), spec.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", new XAttribute("placement", "static"), spec.Vcpus.ToString(CultureInfo.InvariantCulture)),
            os,
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            CpuElement(cpu),
            new XElement("clock", new XAttribute("offset", "utc")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
        return domain.ToString() + "\n";
    }

    /// <summary>The first of vda..vdz not in <paramref name="used"/>.</summary>
    public static string FreeDiskName(IReadOnlySet<string> used)
    {
        ArgumentNullException.ThrowIfNull(used);
        return DiskNames.FirstOrDefault(n => !used.Contains(n)) ?? throw new ArgumentException("all of vda..vdz are taken");
    }

    /// <summary>The &lt;disk type='network'&gt; element for one iSCSI LUN; also the device XML for hot-plug.</summary>
    public static string IscsiDisk(IscsiDiskSpec disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        if (disk.TargetDevice is null)
        {
            throw new ArgumentException("an iSCSI disk to hot-plug needs a target device (vdX)", nameof(disk));
        }

        return IscsiDiskElement(disk).ToString() + "\n";
    }

    /// <summary>The &lt;interface&gt; element of one NIC; also the device XML for hot-plug.</summary>
    public static string Nic(NicSpec nic) => NicElement(nic).ToString() + "\n";

    private static void Validate(DomainSpec spec)
    {
        if (spec.Vcpus < 1)
        {
            throw new ArgumentException($"domain {spec.Name}: vcpus must be at least 1, got {spec.Vcpus}");
        }

        if (spec.MemoryMiB < 16)
        {
            throw new ArgumentException($"domain {spec.Name}: memory must be at least 16 MiB, got {spec.MemoryMiB}");
        }

        if (spec.RootDiskPath is null && spec.Kernel is null && !spec.IscsiDisks.Any(d => d.TargetDevice == "vda"))
        {
            throw new ArgumentException($"domain {spec.Name}: needs a root disk, a boot volume (an iSCSI disk as vda) or a kernel to boot");
        }

        var taps = spec.Nics.Select(n => n.TapName).ToList();
        if (taps.Any(t => t.Length > 15) || taps.Distinct().Count() != taps.Count)
        {
            throw new ArgumentException($"domain {spec.Name}: tap names must be unique and at most 15 characters: {string.Join(", ", taps)}");
        }
    }

    private static XElement CpuElement(CpuMode cpu)
    {
        var element = new XElement("cpu", new XAttribute("mode", cpu.Mode));
        if (cpu.Model is not null)
        {
            element.Add(new XAttribute("match", "exact"), new XElement("model", new XAttribute("fallback", "allow"), cpu.Model));
        }

        return element;
    }

    private static XElement FileDisk(string path, string format, string dev) =>
        new("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", format), new XAttribute("cache", "none"), new XAttribute("discard", "unmap")),
            new XElement("source", new XAttribute("file", path)),
            new XElement("target", new XAttribute("dev", dev), new XAttribute("bus", "virtio")));

    private static XElement IscsiDiskElement(IscsiDiskSpec disk)
    {
        var source = new XElement("source", new XAttribute("protocol", "iscsi"),
            new XAttribute("name", $"{disk.TargetIqn}/{disk.Lun.ToString(CultureInfo.InvariantCulture)}"),
            new XElement("host", new XAttribute("name", disk.PortalHost), new XAttribute("port", disk.PortalPort.ToString(CultureInfo.InvariantCulture))));
        if (disk.ChapUsername is not null)
        {
            if (disk.ChapSecretUuid is null)
            {
                throw new ArgumentException($"iSCSI disk {disk.TargetIqn}: CHAP user '{disk.ChapUsername}' needs a secret uuid");
            }

            source.Add(new XElement("auth", new XAttribute("username", disk.ChapUsername),
                new XElement("secret", new XAttribute("type", "iscsi"), new XAttribute("uuid", disk.ChapSecretUuid.Value.ToString("D")))));
        }

        var element = new XElement("disk", new XAttribute("type", "network"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw"), new XAttribute("cache", "none")),
            source,
            new XElement("target", new XAttribute("dev", disk.TargetDevice ?? "vdz"), new XAttribute("bus", "virtio")));
        if (disk.Serial is not null)
        {
            element.Add(new XElement("serial", disk.Serial));
        }

        return element;
    }

    private static XElement NicElement(NicSpec nic)
    {
        var element = new XElement("interface", new XAttribute("type", "bridge"),
            new XElement("mac", new XAttribute("address", nic.MacAddress.ToLowerInvariant())),
            new XElement("source", new XAttribute("bridge", nic.Bridge)),
            new XElement("target", new XAttribute("dev", nic.TapName)),
            new XElement("model", new XAttribute("type", "virtio")));
        if (nic.Mtu is { } mtu)
        {
            element.Add(new XElement("mtu", new XAttribute("size", mtu.ToString(CultureInfo.InvariantCulture))));
        }

        return element;
    }
}
