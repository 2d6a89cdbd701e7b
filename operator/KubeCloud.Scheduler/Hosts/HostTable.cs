using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>
/// The host states laid out for filters and weighers that read many hosts at once: beside the
/// <see cref="HostState"/> records, one contiguous array per number a filter or weigher reads (struct
/// of arrays), with derived values (room left under the ratios, free RAM/disk/vCPUs) computed once
/// when a host's state is set rather than per decision. Hosts are addressed by index, in inventory
/// order.
/// </summary>
/// <remarks>
/// Only usage changes after the table is built (<see cref="Update"/>, after a claim), so columns of
/// static facts (labels, capabilities) are derived lazily and kept. Readers do not lock: a reader
/// racing a claim may see a host's row half updated, which is harmless because the ledger re-checks
/// room under its lock when it claims.
/// </remarks>
public sealed class HostTable
{
    /// <summary>Compute state: up.</summary>
    public const byte Up = 0;

    /// <summary>Compute state: disabled by an admin.</summary>
    public const byte Disabled = 1;

    /// <summary>Compute state: enabled but not ready.</summary>
    public const byte NotReady = 2;

    /// <summary>Tunnel IP kind: none.</summary>
    public const byte NoIP = 0;

    /// <summary>Tunnel IP kind: IPv4, in <see cref="TunnelIPv4"/>.</summary>
    public const byte IPv4 = 1;

    /// <summary>Tunnel IP kind: another family (read the state).</summary>
    public const byte OtherIP = 2;

    private readonly HostState[] _states;
    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int> _zones;
    private readonly int[] _zone;
    private readonly byte[] _compute;
    private readonly byte[] _isolated;
    private readonly int[] _tenantList;
    private readonly IReadOnlySet<string>[] _tenantLists;
    private readonly byte[] _architecture;
    private readonly byte[] _hypervisorType;
    private readonly byte[] _ipKind;
    private readonly uint[] _ipv4;
    private readonly long[] _vcpuRoom;
    private readonly long[] _memoryRoomMb;
    private readonly long[] _diskRoomMb;
    private readonly long[] _instanceRoom;
    private readonly long[] _ioOpsRoom;
    private readonly long[] _freeRamMb;
    private readonly long[] _freeDiskMb;
    private readonly double[] _freeVcpus;
    private readonly int[] _numInstances;
    private readonly int[] _numIoOps;
    private readonly ConcurrentDictionary<string, ValueColumn> _labelColumns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ValueColumn> _attributeColumns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double[]> _multiplierColumns = new(StringComparer.Ordinal);

    private HostTable(HostState[] states)
    {
        var n = states.Length;
        _states = states;
        _index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        _zones = new Dictionary<string, int>(StringComparer.Ordinal);
        _zone = new int[n];
        _compute = new byte[n];
        _isolated = new byte[n];
        _tenantList = new int[n];
        var tenantLists = new Dictionary<IReadOnlySet<string>, int>(SetContentComparer.Instance);
        var distinctLists = new List<IReadOnlySet<string>>();
        _architecture = new byte[n];
        _hypervisorType = new byte[n];
        _ipKind = new byte[n];
        _ipv4 = new uint[n];
        _vcpuRoom = new long[n];
        _memoryRoomMb = new long[n];
        _diskRoomMb = new long[n];
        _instanceRoom = new long[n];
        _ioOpsRoom = new long[n];
        _freeRamMb = new long[n];
        _freeDiskMb = new long[n];
        _freeVcpus = new double[n];
        _numInstances = new int[n];
        _numIoOps = new int[n];
        for (var i = 0; i < n; i++)
        {
            var host = states[i];
            _index.TryAdd(host.Name, i);
            if (!_zones.TryGetValue(host.Zone, out var zone))
            {
                _zones[host.Zone] = zone = _zones.Count;
            }

            _zone[i] = zone;
            _compute[i] = host.Disabled ? Disabled : host.Ready ? Up : NotReady;
            _isolated[i] = host.Isolated ? (byte)1 : (byte)0;
            _tenantList[i] = host.TenantAllowList is { } allowed ? Intern(allowed, tenantLists, distinctLists) : -1;
            _architecture[i] = Code(host.CpuArchitecture);
            _hypervisorType[i] = Code(host.HypervisorType);
            if (host.TunnelIP is { AddressFamily: AddressFamily.InterNetwork } v4)
            {
                _ipKind[i] = IPv4;
                _ipv4[i] = BinaryPrimitives.ReadUInt32BigEndian(v4.GetAddressBytes());
            }
            else
            {
                _ipKind[i] = host.TunnelIP is null ? NoIP : OtherIP;
            }

            SetUsage(i, host);
        }

        HasDuplicateNames = _index.Count < n;
        HasMultiplierLabels = states.Any(h => h.WeightMultipliers.Count > 0);
        _tenantLists = [.. distinctLists];
    }

    /// <summary>How many hosts.</summary>
    public int Count => _states.Length;

    /// <summary>The host states, by index. Slots are replaced (never mutated) when a claim consumes a host.</summary>
    public IReadOnlyList<HostState> States => _states;

    /// <summary>Some hosts share a name (only in hand-made lists): name lookups then go host by host.</summary>
    public bool HasDuplicateNames { get; }

    /// <summary>Some host has an aggregate weigher multiplier label (else <see cref="MultiplierOverrides"/> is empty for every key).</summary>
    public bool HasMultiplierLabels { get; }

    /// <summary>The state of the host at <paramref name="index"/>.</summary>
    public HostState this[int index] => _states[index];

    /// <summary><see cref="Up"/>, <see cref="Disabled"/> or <see cref="NotReady"/>, per host (ComputeFilter).</summary>
    public ReadOnlySpan<byte> ComputeState => _compute;

    /// <summary>The zone number per host; <see cref="ZoneId"/> gives a zone's number.</summary>
    public ReadOnlySpan<int> Zone => _zone;

    /// <summary>1 where the host is isolated (IsolatedHostsFilter).</summary>
    public ReadOnlySpan<byte> Isolated => _isolated;

    /// <summary>
    /// Per host, which of <see cref="TenantAllowLists"/> restricts it, or -1 when it is open to every
    /// namespace (AggregateMultiTenancyIsolation). Hosts with equal lists share a number.
    /// </summary>
    public ReadOnlySpan<int> TenantAllowList => _tenantList;

    /// <summary>The distinct tenant allow lists.</summary>
    public IReadOnlyList<IReadOnlySet<string>> TenantAllowLists => _tenantLists;

    /// <summary>The CPU architecture per host, as <see cref="Code(CpuArchitecture?)"/> encodes it.</summary>
    public ReadOnlySpan<byte> Architecture => _architecture;

    /// <summary>The hypervisor type per host, as <see cref="Code(Api.V1Alpha1.HypervisorType?)"/> encodes it.</summary>
    public ReadOnlySpan<byte> HypervisorType => _hypervisorType;

    /// <summary><see cref="NoIP"/>, <see cref="IPv4"/> or <see cref="OtherIP"/>, per host.</summary>
    public ReadOnlySpan<byte> TunnelIPKind => _ipKind;

    /// <summary>The IPv4 tunnel address as a big-endian number, where <see cref="TunnelIPKind"/> is <see cref="IPv4"/>.</summary>
    public ReadOnlySpan<uint> TunnelIPv4 => _ipv4;

    /// <summary>vCPUs a server may still take: <see cref="HostState.VcpuLimit"/> less used (CoreFilter).</summary>
    public ReadOnlySpan<long> VcpuRoom => _vcpuRoom;

    /// <summary>Memory a server may still take, in MiB (RamFilter).</summary>
    public ReadOnlySpan<long> MemoryRoomMb => _memoryRoomMb;

    /// <summary>Disk a server may still take, in MiB (DiskFilter).</summary>
    public ReadOnlySpan<long> DiskRoomMb => _diskRoomMb;

    /// <summary>MaxInstances less NumInstances (NumInstancesFilter passes above 0).</summary>
    public ReadOnlySpan<long> InstanceRoom => _instanceRoom;

    /// <summary>MaxIoOps less NumIoOps (IoOpsFilter passes above 0).</summary>
    public ReadOnlySpan<long> IoOpsRoom => _ioOpsRoom;

    /// <summary><see cref="HostState.FreeRamMb"/> per host (RAMWeigher).</summary>
    public ReadOnlySpan<long> FreeRamMb => _freeRamMb;

    /// <summary><see cref="HostState.FreeDiskMb"/> per host (DiskWeigher).</summary>
    public ReadOnlySpan<long> FreeDiskMb => _freeDiskMb;

    /// <summary><see cref="HostState.FreeVcpus"/> per host (CPUWeigher).</summary>
    public ReadOnlySpan<double> FreeVcpus => _freeVcpus;

    /// <summary><see cref="HostState.NumInstances"/> per host.</summary>
    public ReadOnlySpan<int> NumInstances => _numInstances;

    /// <summary><see cref="HostState.NumIoOps"/> per host.</summary>
    public ReadOnlySpan<int> NumIoOps => _numIoOps;

    /// <summary>A table of the hosts, in the given order.</summary>
    public static HostTable Create(IEnumerable<HostState> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        return new HostTable([.. hosts]);
    }

    /// <summary>An architecture as <see cref="Architecture"/> stores it: 0 for none, else 1 + its value.</summary>
    public static byte Code(CpuArchitecture? value) => value is { } v ? (byte)(1 + (int)v) : (byte)0;

    /// <summary>A hypervisor type as <see cref="HypervisorType"/> stores it: 0 for none, else 1 + its value.</summary>
    public static byte Code(HypervisorType? value) => value is { } v ? (byte)(1 + (int)v) : (byte)0;

    /// <summary>The index of the named host, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The number of the zone, or -1 when no host is in it.</summary>
    public int ZoneId(string zone) => _zones.TryGetValue(zone, out var id) ? id : -1;

    /// <summary>
    /// Keeps (<paramref name="keep"/> true) or removes the named hosts from <paramref name="input"/>,
    /// writing the rest to <paramref name="output"/> in order; returns how many. Costs one lookup per
    /// name, not per host.
    /// </summary>
    public int SelectNamed(IEnumerable<string> names, bool keep, ReadOnlySpan<int> input, Span<int> output)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (HasDuplicateNames)
        {
            var set = names as IReadOnlySet<string> ?? names.ToHashSet(StringComparer.Ordinal);
            var m = 0;
            foreach (var i in input)
            {
                if (set.Contains(_states[i].Name) == keep)
                {
                    output[m++] = i;
                }
            }

            return m;
        }

        var marks = ArrayPool<byte>.Shared.Rent(Math.Max(1, Count));
        try
        {
            Array.Clear(marks, 0, Count);
            foreach (var name in names)
            {
                if (_index.TryGetValue(name, out var i))
                {
                    marks[i] = 1;
                }
            }

            var want = keep ? (byte)1 : (byte)0;
            var n = 0;
            foreach (var i in input)
            {
                if (marks[i] == want)
                {
                    output[n++] = i;
                }
            }

            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(marks);
        }
    }

    /// <summary>
    /// The distinct values of a node label, and which one each host has (-1 when the host lacks the
    /// label): filters decide once per distinct value, then read one number per host.
    /// </summary>
    public ValueColumn Label(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _labelColumns.GetOrAdd(key, static (k, states) => ValueColumn.Build(states, h => h.Labels.TryGetValue(k, out var v) ? v : null, missingIsNull: true), _states);
    }

    /// <summary>
    /// The distinct values of a string or list host attribute (never usage-dependent), and which one
    /// each host has. List values are grouped by their members, so equal feature sets share a value.
    /// </summary>
    public ValueColumn Attribute(HostAttribute attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        if (attribute.Kind == HostValueKind.Number)
        {
            throw new ArgumentException("number attributes change with usage and have no value column", nameof(attribute));
        }

        return _attributeColumns.GetOrAdd(attribute.Name, static (_, arg) => ValueColumn.Build(arg.States, arg.Attribute), (States: _states, Attribute: attribute));
    }

    /// <summary>
    /// The per-host weigher multipliers that aggregate labels set for nova's <paramref name="key"/>
    /// (<see cref="HostState.WeightMultipliers"/>): NaN where a host has none. Empty when no host has
    /// one, which is the common case and lets the pipeline scale the weigher's weights at once.
    /// </summary>
    public ReadOnlySpan<double> MultiplierOverrides(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!HasMultiplierLabels)
        {
            return [];
        }

        return _multiplierColumns.GetOrAdd(key, static (k, states) =>
        {
            double[]? column = null;
            for (var i = 0; i < states.Length; i++)
            {
                if (states[i].WeightMultipliers.TryGetValue(k, out var value))
                {
                    if (column is null)
                    {
                        column = new double[states.Length];
                        Array.Fill(column, double.NaN);
                    }

                    column[i] = value;
                }
            }

            return column ?? [];
        }, _states);
    }

    /// <summary>Sets a host's new state; only its usage may differ from the old one (a claim consumed it).</summary>
    internal void Update(int index, HostState state)
    {
        _states[index] = state;
        SetUsage(index, state);
    }

    private static int Intern(IReadOnlySet<string> set, Dictionary<IReadOnlySet<string>, int> ids, List<IReadOnlySet<string>> distinct)
    {
        if (!ids.TryGetValue(set, out var id))
        {
            ids[set] = id = distinct.Count;
            distinct.Add(set);
        }

        return id;
    }

    private void SetUsage(int i, HostState host)
    {
        _vcpuRoom[i] = host.VcpuLimit - host.UsedVcpus;
        _memoryRoomMb[i] = host.MemoryLimitMb - host.UsedMemoryMb;
        _diskRoomMb[i] = host.DiskLimitMb - host.UsedDiskMb;
        _instanceRoom[i] = (long)host.MaxInstances - host.NumInstances;
        _ioOpsRoom[i] = (long)host.MaxIoOps - host.NumIoOps;
        _freeRamMb[i] = host.FreeRamMb;
        _freeDiskMb[i] = host.FreeDiskMb;
        _freeVcpus[i] = host.FreeVcpus;
        _numInstances[i] = host.NumInstances;
        _numIoOps[i] = host.NumIoOps;
    }
}

/// <summary>
/// One static host fact in column form: its distinct values, and per host the number of its value
/// (-1 for a missing label).
/// </summary>
public sealed class ValueColumn
{
    private readonly int[] _ids;

    private ValueColumn(int[] ids, string?[] texts, IReadOnlySet<string>?[] lists)
    {
        _ids = ids;
        Texts = texts;
        Lists = lists;
    }

    /// <summary>The value number per host; -1 when the host lacks the label.</summary>
    public ReadOnlySpan<int> Ids => _ids;

    /// <summary>How many distinct values.</summary>
    public int Count => Texts.Count;

    /// <summary>The distinct string values (null for a list attribute or an unreported one).</summary>
    public IReadOnlyList<string?> Texts { get; }

    /// <summary>The distinct list values (null for a string attribute or label).</summary>
    public IReadOnlyList<IReadOnlySet<string>?> Lists { get; }

    internal static ValueColumn Build(HostState[] states, Func<HostState, string?> read, bool missingIsNull)
    {
        var ids = new int[states.Length];
        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        var nullId = -1;
        var texts = new List<string?>();
        for (var i = 0; i < states.Length; i++)
        {
            var value = read(states[i]);
            int id;
            if (value is null)
            {
                if (missingIsNull)
                {
                    ids[i] = -1;
                    continue;
                }

                if (nullId < 0)
                {
                    nullId = texts.Count;
                    texts.Add(null);
                }

                id = nullId;
            }
            else if (!byText.TryGetValue(value, out id))
            {
                byText[value] = id = texts.Count;
                texts.Add(value);
            }

            ids[i] = id;
        }

        return new ValueColumn(ids, [.. texts], new IReadOnlySet<string>?[texts.Count]);
    }

    internal static ValueColumn Build(HostState[] states, HostAttribute attribute)
    {
        if (attribute.Kind == HostValueKind.String)
        {
            return Build(states, attribute.ReadString, missingIsNull: false);
        }

        var ids = new int[states.Length];
        var byMembers = new Dictionary<IReadOnlySet<string>, int>(SetContentComparer.Instance);
        var lists = new List<IReadOnlySet<string>?>();
        for (var i = 0; i < states.Length; i++)
        {
            var list = attribute.ReadList(states[i]);
            if (!byMembers.TryGetValue(list, out var id))
            {
                byMembers[list] = id = lists.Count;
                lists.Add(list);
            }

            ids[i] = id;
        }

        return new ValueColumn(ids, new string?[lists.Count], [.. lists]);
    }
}

/// <summary>Sets of strings compared by their members (ordinal), so equal sets share a value number.</summary>
internal sealed class SetContentComparer : IEqualityComparer<IReadOnlySet<string>>
{
    public static readonly SetContentComparer Instance = new();

    public bool Equals(IReadOnlySet<string>? x, IReadOnlySet<string>? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Count == y.Count && x.All(y.Contains));

    public int GetHashCode(IReadOnlySet<string> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);

        // Order-free: a sum of the members' hashes.
        var hash = obj.Count;
        foreach (var member in obj)
        {
            hash += StringComparer.Ordinal.GetHashCode(member);
        }

        return hash;
    }
}
