using System.Xml.Linq;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Compute;

/// <summary>An iSCSI disk of a domain as libvirt shows it: <c>IQN/LUN</c>, guest device, CHAP secret, and the element itself.</summary>
public sealed record AttachedDisk(string Source, string? Device, Guid? ChapSecretUuid, XElement Element);

/// <summary>
/// A defined domain's volume disks (iSCSI LUNs) brought in line with its <see cref="DomainSpec"/>, as nova's
/// attach/detach of a running server: a volume the spec adds is hot-plugged (the device it asks for when free, else the
/// next free vdX), one it drops is unplugged and its CHAP secret removed. Unplugging a running guest's disk needs the
/// guest to let go (ACPI), so it is awaited over later passes, each of which asks again (a request can be lost).
/// </summary>
public static class VolumeDisks
{
    /// <summary>Whether the domain's volume disks are those of <paramref name="domain"/> (false while an unplug waits for the guest).</summary>
    public static bool Converge(IHypervisorDriver driver, DomainSpec domain)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(domain);
        var xml = XElement.Parse(driver.GetXml(domain.Name));
        var attached = Attached(xml);
        var used = xml.Descendants("disk").Select(d => (string?)d.Element("target")?.Attribute("dev")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var wanted = domain.IscsiDisks.ToDictionary(Source, StringComparer.Ordinal);
        foreach (var disk in domain.IscsiDisks.Where(d => !attached.Any(a => a.Source == Source(d))))
        {
            var device = disk.TargetDevice is { } asked && !used.Contains(asked) ? asked : DomainXmlBuilder.FreeDiskName(used);
            used.Add(device);
            driver.AttachDevice(domain.Name, DomainXmlBuilder.IscsiDisk(disk with { TargetDevice = device }));
        }

        var settled = true;
        foreach (var gone in attached.Where(a => !wanted.ContainsKey(a.Source)))
        {
            settled = false;
            try
            {
                driver.DetachDevice(domain.Name, gone.Element.ToString());
            }
            catch (LibvirtException)
            {
                // Refused while an earlier request is pending (QEMU's "already in the process of unplug"): the guest has not let go yet.
            }

            if (gone.ChapSecretUuid is { } secret && !wanted.Values.Any(w => w.ChapSecretUuid == secret))
            {
                driver.UndefineSecret(secret); // QEMU holds what it needs for the disk it still has
            }
        }

        return settled;
    }

    /// <summary>The iSCSI disks in a domain's XML.</summary>
    public static IReadOnlyList<AttachedDisk> Attached(string domainXml)
    {
        ArgumentNullException.ThrowIfNull(domainXml);
        return Attached(XElement.Parse(domainXml));
    }

    private static List<AttachedDisk> Attached(XElement domain) =>
    [
        .. domain.Descendants("disk")
            .Where(d => (string?)d.Attribute("type") == "network" && (string?)d.Element("source")?.Attribute("protocol") == "iscsi")
            .Select(d => new AttachedDisk(
                (string?)d.Element("source")?.Attribute("name") ?? "",
                (string?)d.Element("target")?.Attribute("dev"),
                Guid.TryParse((string?)d.Element("source")?.Element("auth")?.Element("secret")?.Attribute("uuid"), out var uuid) ? uuid : null,
                d)),
    ];

    private static string Source(IscsiDiskSpec disk) => $"{disk.TargetIqn}/{disk.Lun.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
