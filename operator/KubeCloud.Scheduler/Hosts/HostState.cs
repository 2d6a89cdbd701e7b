using System.Net;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>
/// One compute host as the filters and weighers see it (nova's HostState): immutable facts from the
/// Hypervisor (capacity, ratios, reserved amounts, health, zone, labels, CPU) plus the usage the
/// operator's allocation ledger holds for it. A placement makes a new HostState with
/// <see cref="WithUsage"/>; nothing mutates one.
/// </summary>
/// <remarks>
/// Capacity follows placement's rule, which nova's RamFilter, CoreFilter and DiskFilter became:
/// a host can hold <c>(total - reserved) * allocation ratio</c> of a resource.
/// </remarks>
public sealed record HostState
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private static readonly IReadOnlySet<string> NoFeatures = new HashSet<string>();
    private static readonly IReadOnlyDictionary<string, double> NoMultipliers = new Dictionary<string, double>();

    /// <summary>The host (node and Hypervisor) name.</summary>
    public required string Name { get; init; }

    /// <summary>Availability zone: the label topology.kubernetes.io/zone, or the default zone.</summary>
    public required string Zone { get; init; }

    /// <summary>The node's labels, which stand for host aggregate metadata.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = NoLabels;

    /// <summary>
    /// Weigher multipliers the host's aggregate labels set, by nova's key (<c>ram_weight_multiplier</c>),
    /// the smallest where several aggregates set one (<see cref="WeightMultiplierLabels"/>); weighers
    /// without an entry use the configured multiplier.
    /// </summary>
    public IReadOnlyDictionary<string, double> WeightMultipliers { get; init; } = NoMultipliers;

    /// <summary>What was wrong with the host's labels (a multiplier that is not a number), for logs and events.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>kvm or qemu, when the node daemon has reported it.</summary>
    public HypervisorType? HypervisorType { get; init; }

    public string? CpuModel { get; init; }

    public string? CpuVendor { get; init; }

    public CpuArchitecture? CpuArchitecture { get; init; }

    /// <summary>CPU feature flags, compared ordinally.</summary>
    public IReadOnlySet<string> CpuFeatures { get; init; } = NoFeatures;

    /// <summary>The address VXLAN tunnels use; SimpleCIDRAffinityFilter matches it.</summary>
    public IPAddress? TunnelIP { get; init; }

    public int TotalVcpus { get; init; }

    public long TotalMemoryMb { get; init; }

    public long TotalDiskMb { get; init; }

    public int ReservedVcpus { get; init; }

    public long ReservedMemoryMb { get; init; }

    public long ReservedDiskMb { get; init; }

    /// <summary>Effective ratio: the Hypervisor's override, else the scheduler's default.</summary>
    public double CpuAllocationRatio { get; init; } = 1.0;

    public double RamAllocationRatio { get; init; } = 1.0;

    public double DiskAllocationRatio { get; init; } = 1.0;

    /// <summary>Most servers NumInstancesFilter allows (per-host override or default).</summary>
    public int MaxInstances { get; init; } = int.MaxValue;

    /// <summary>Most in-flight builds IoOpsFilter allows (per-host override or default).</summary>
    public int MaxIoOps { get; init; } = int.MaxValue;

    /// <summary>An admin disabled the host (nova service-disable).</summary>
    public bool Disabled { get; init; }

    public string? DisabledReason { get; init; }

    /// <summary>Ready condition True and a heartbeat younger than the service-down time.</summary>
    public bool Ready { get; init; } = true;

    /// <summary>
    /// Namespaces allowed here by the label kubecloud.io/filter-tenant-id, or null when the host is
    /// open to every namespace (AggregateMultiTenancyIsolation).
    /// </summary>
    public IReadOnlySet<string>? TenantAllowList { get; init; }

    /// <summary>
    /// The host is in the scheduler's isolatedHosts list (IsolatedHostsFilter), decided once when
    /// the state is built so the filter never has to look the name up per decision.
    /// </summary>
    public bool Isolated { get; init; }

    public int UsedVcpus { get; init; }

    public long UsedMemoryMb { get; init; }

    public long UsedDiskMb { get; init; }

    /// <summary>Servers placed here (from the ledger).</summary>
    public int NumInstances { get; init; }

    /// <summary>Builds, resizes and snapshots in flight.</summary>
    public int NumIoOps { get; init; }

    /// <summary>Most vCPUs servers may hold: (total - reserved) * ratio.</summary>
    public long VcpuLimit => (long)Math.Floor((TotalVcpus - ReservedVcpus) * CpuAllocationRatio);

    /// <summary>Most memory servers may hold, in MiB.</summary>
    public long MemoryLimitMb => (long)Math.Floor((TotalMemoryMb - ReservedMemoryMb) * RamAllocationRatio);

    /// <summary>Most disk servers may hold, in MiB.</summary>
    public long DiskLimitMb => (long)Math.Floor((TotalDiskMb - ReservedDiskMb) * DiskAllocationRatio);

    /// <summary>nova's free_ram_mb: physical memory less reserved and used (negative when overcommitted).</summary>
    public long FreeRamMb => TotalMemoryMb - ReservedMemoryMb - UsedMemoryMb;

    /// <summary>nova's free_disk_mb.</summary>
    public long FreeDiskMb => TotalDiskMb - ReservedDiskMb - UsedDiskMb;

    /// <summary>nova's vcpus_total * cpu_allocation_ratio - vcpus_used, as CPUWeigher reads it.</summary>
    public double FreeVcpus => (TotalVcpus * CpuAllocationRatio) - UsedVcpus;

    /// <summary>Whether the resources fit beside what is used, under the ratios.</summary>
    public bool Fits(in ResourceAmounts request) =>
        UsedVcpus + (long)request.Vcpus <= VcpuLimit
        && UsedMemoryMb + request.MemoryMb <= MemoryLimitMb
        && UsedDiskMb + request.DiskMb <= DiskLimitMb;

    /// <summary>A copy with the given usage (nova's consume_from_request, made immutable).</summary>
    public HostState WithUsage(HostUsage usage, int numIoOps) => this with
    {
        UsedVcpus = usage.Vcpus,
        UsedMemoryMb = usage.MemoryMb,
        UsedDiskMb = usage.DiskMb,
        NumInstances = usage.Instances,
        NumIoOps = numIoOps,
    };

    /// <summary>The host name.</summary>
    public override string ToString() => Name;
}
