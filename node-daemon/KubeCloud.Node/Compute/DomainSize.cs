using System.Globalization;
using System.Xml.Linq;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Compute;

/// <summary>
/// The vCPUs and memory of a domain as its XML defines them: what a resize compares with the flavor. libvirt
/// reports memory in KiB whatever unit the definition used; the fake driver returns the XML as it was given.
/// </summary>
public sealed record DomainSize(int Vcpus, int MemoryMiB)
{
    public static DomainSize Of(DomainSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new DomainSize(spec.Vcpus, spec.MemoryMiB);
    }

    /// <summary>Reads <c>&lt;vcpu&gt;</c> and <c>&lt;memory unit=...&gt;</c> (libvirt's units: b, KiB, MiB, GiB; KiB when absent).</summary>
    public static DomainSize Parse(string domainXml)
    {
        var root = XElement.Parse(domainXml);
        var vcpus = int.Parse(((string?)root.Element("vcpu") ?? "1").Trim(), CultureInfo.InvariantCulture);
        var memory = root.Element("memory") ?? throw new FormatException("domain XML has no <memory> element");
        var value = long.Parse(memory.Value.Trim(), CultureInfo.InvariantCulture);
        var bytes = ((string?)memory.Attribute("unit") ?? "KiB") switch
        {
            "b" or "bytes" => value,
            "KiB" or "k" => value << 10,
            "MiB" or "M" => value << 20,
            "GiB" or "G" => value << 30,
            var unit => throw new FormatException($"domain XML: memory unit '{unit}' is not one the node reads"),
        };
        return new DomainSize(vcpus, (int)(bytes >> 20));
    }

    public override string ToString() => $"{Vcpus} vCPU, {MemoryMiB} MiB";
}
