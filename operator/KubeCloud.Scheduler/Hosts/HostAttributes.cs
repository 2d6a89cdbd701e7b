using System.Collections.Frozen;
using System.Globalization;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>The type of a host attribute.</summary>
public enum HostValueKind
{
    Number,
    String,
    StringList,
}

/// <summary>
/// One typed, named fact about a host that queries may read: JsonFilter's <c>$name</c> variables and
/// ComputeCapabilitiesFilter's <c>capabilities:name</c> keys. The table is fixed; there is no
/// untyped property bag behind it.
/// </summary>
public sealed class HostAttribute
{
    private readonly Func<HostState, double>? _number;
    private readonly Func<HostState, string?>? _text;
    private readonly Func<HostState, IReadOnlySet<string>>? _list;
    private TableColumn _column;

    private HostAttribute(string name, HostValueKind kind, Func<HostState, double>? number, Func<HostState, string?>? text, Func<HostState, IReadOnlySet<string>>? list)
    {
        Name = name;
        Kind = kind;
        _number = number;
        _text = text;
        _list = list;
    }

    public string Name { get; }

    public HostValueKind Kind { get; }

    internal static HostAttribute Number(string name, Func<HostState, double> read) => new(name, HostValueKind.Number, read, null, null);

    /// <summary>A number attribute that the host table also keeps as a column, read from there in bulk.</summary>
    internal static HostAttribute Number(string name, Func<HostState, double> read, TableColumn column) =>
        new(name, HostValueKind.Number, read, null, null) { _column = column };

    internal static HostAttribute Text(string name, Func<HostState, string?> read) => new(name, HostValueKind.String, null, read, null);

    internal static HostAttribute List(string name, Func<HostState, IReadOnlySet<string>> read) => new(name, HostValueKind.StringList, null, null, read);

    /// <summary>The value of a number attribute.</summary>
    public double ReadNumber(HostState host) => _number!(host);

    /// <summary>
    /// The values of a number attribute for many hosts: <paramref name="into"/>[k] for host
    /// <paramref name="indexes"/>[k], from the table's column where it keeps one.
    /// </summary>
    public void ReadNumbers(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> into)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        switch (_column)
        {
            case TableColumn.FreeRamMb:
                Gather(hosts.FreeRamMb, indexes, into);
                break;
            case TableColumn.FreeDiskMb:
                Gather(hosts.FreeDiskMb, indexes, into);
                break;
            case TableColumn.NumInstances:
                Gather(hosts.NumInstances, indexes, into);
                break;
            case TableColumn.NumIoOps:
                Gather(hosts.NumIoOps, indexes, into);
                break;
            default:
                for (var k = 0; k < indexes.Length; k++)
                {
                    into[k] = _number!(hosts[indexes[k]]);
                }

                break;
        }
    }

    /// <summary>The value of a string attribute; null when the host has not reported it.</summary>
    public string? ReadString(HostState host) => _text!(host);

    /// <summary>The value of a list attribute.</summary>
    public IReadOnlySet<string> ReadList(HostState host) => _list!(host);

    /// <summary>The value as text, as nova's str(): numbers without a fraction print as integers.</summary>
    public string? ReadAsText(HostState host) => Kind switch
    {
        HostValueKind.Number => FormatNumber(ReadNumber(host)),
        HostValueKind.String => ReadString(host),
        _ => string.Join(",", ReadList(host)),
    };

    private static void Gather(ReadOnlySpan<long> column, ReadOnlySpan<int> indexes, Span<double> into)
    {
        for (var k = 0; k < indexes.Length; k++)
        {
            into[k] = column[indexes[k]];
        }
    }

    private static void Gather(ReadOnlySpan<int> column, ReadOnlySpan<int> indexes, Span<double> into)
    {
        for (var k = 0; k < indexes.Length; k++)
        {
            into[k] = column[indexes[k]];
        }
    }

    internal static string FormatNumber(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The <see cref="HostTable"/> column a number attribute can be read from in bulk.</summary>
internal enum TableColumn
{
    None,
    FreeRamMb,
    FreeDiskMb,
    NumInstances,
    NumIoOps,
}

/// <summary>The fixed table of host attributes, by nova's names.</summary>
public static class HostAttributes
{
    private static readonly FrozenDictionary<string, HostAttribute> Table = Build();

    /// <summary>Every attribute name, sorted, for error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Looks an attribute up by name (without JsonFilter's '$').</summary>
    public static bool TryGet(string name, out HostAttribute attribute) => Table.TryGetValue(name, out attribute!);

    private static FrozenDictionary<string, HostAttribute> Build()
    {
        HostAttribute[] attributes =
        [
            HostAttribute.Number("free_ram_mb", h => h.FreeRamMb, TableColumn.FreeRamMb),
            HostAttribute.Number("free_disk_mb", h => h.FreeDiskMb, TableColumn.FreeDiskMb),
            HostAttribute.Number("total_usable_ram_mb", h => h.TotalMemoryMb),
            HostAttribute.Number("total_usable_disk_gb", h => h.TotalDiskMb / 1024),
            HostAttribute.Number("total_usable_disk_mb", h => h.TotalDiskMb),
            HostAttribute.Number("memory_mb", h => h.TotalMemoryMb),
            HostAttribute.Number("memory_mb_used", h => h.UsedMemoryMb + h.ReservedMemoryMb),
            HostAttribute.Number("local_gb", h => h.TotalDiskMb / 1024),
            HostAttribute.Number("vcpus_total", h => h.TotalVcpus),
            HostAttribute.Number("vcpus_used", h => h.UsedVcpus),
            HostAttribute.Number("num_instances", h => h.NumInstances, TableColumn.NumInstances),
            HostAttribute.Number("num_io_ops", h => h.NumIoOps, TableColumn.NumIoOps),
            HostAttribute.Number("cpu_allocation_ratio", h => h.CpuAllocationRatio),
            HostAttribute.Number("ram_allocation_ratio", h => h.RamAllocationRatio),
            HostAttribute.Number("disk_allocation_ratio", h => h.DiskAllocationRatio),
            HostAttribute.Text("host", h => h.Name),
            HostAttribute.Text("hypervisor_hostname", h => h.Name),
            HostAttribute.Text("availability_zone", h => h.Zone),
            HostAttribute.Text("hypervisor_type", h => HypervisorTypeName(h.HypervisorType)),
            HostAttribute.Text("host_ip", h => h.TunnelIP?.ToString()),
            HostAttribute.Text("cpu_info:model", h => h.CpuModel),
            HostAttribute.Text("cpu_info:vendor", h => h.CpuVendor),
            HostAttribute.Text("cpu_info:arch", h => ArchitectureName(h.CpuArchitecture)),
            HostAttribute.List("cpu_info:features", h => h.CpuFeatures),
        ];
        return attributes.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>The API spelling of a hypervisor type (kvm, qemu).</summary>
    public static string? HypervisorTypeName(HypervisorType? type) => type switch
    {
        HypervisorType.Kvm => "kvm",
        HypervisorType.Qemu => "qemu",
        _ => null,
    };

    /// <summary>The API spelling of an architecture (x86_64, aarch64).</summary>
    public static string? ArchitectureName(CpuArchitecture? architecture) => architecture switch
    {
        CpuArchitecture.X8664 => "x86_64",
        CpuArchitecture.Aarch64 => "aarch64",
        _ => null,
    };
}
