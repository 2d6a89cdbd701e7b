using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>Builds <see cref="HostState"/>s from Hypervisors, the scheduler's defaults and the ledger's usage.</summary>
public static class HostStateFactory
{
    /// <summary>The node label that names a host's availability zone.</summary>
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>
    /// Label whose value lists the namespaces allowed on the host (AggregateMultiTenancyIsolation).
    /// Label values cannot hold commas, so '.' separates namespaces too (namespace names have no dots);
    /// every label whose key starts with this one counts, as nova reads filter_tenant_id*.
    /// </summary>
    public const string TenantLabel = "kubecloud.io/filter-tenant-id";

    private static readonly char[] TenantSeparators = [',', '.'];

    /// <summary>
    /// The host state of one Hypervisor. <paramref name="usage"/> comes from the allocation ledger;
    /// in-flight I/O ops are the larger of the node daemon's report and the ledger's unfinished builds.
    /// </summary>
    public static HostState FromHypervisor(Hypervisor hypervisor, SchedulerOptions options, HostUsage usage, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        ArgumentNullException.ThrowIfNull(options);
        var name = hypervisor.Metadata.Name ?? throw new ArgumentException("a Hypervisor needs metadata.name", nameof(hypervisor));
        var spec = hypervisor.Spec;
        var status = hypervisor.Status;
        var labels = hypervisor.Metadata.Labels ?? new Dictionary<string, string>();
        var capacity = status?.Capacity;
        var cpu = status?.Cpu;
        var warnings = new List<string>();
        var multipliers = WeightMultiplierLabels.Read(name, labels.Concat(hypervisor.Metadata.Annotations ?? new Dictionary<string, string>()), warnings);

        var hostLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        return new HostState
        {
            Name = name,
            Zone = labels.TryGetValue(ZoneLabel, out var zone) && !string.IsNullOrEmpty(zone) ? zone : options.DefaultAvailabilityZone,
            Labels = hostLabels,
            HypervisorType = status?.HypervisorType,
            CpuModel = cpu?.Model,
            CpuVendor = cpu?.Vendor,
            CpuArchitecture = cpu?.Architecture,
            CpuFeatures = cpu?.Features is { Count: > 0 } features ? new HashSet<string>(features, StringComparer.Ordinal) : new HashSet<string>(),
            TunnelIP = IPAddress.TryParse(status?.TunnelIP, out var ip) ? ip : null,
            TotalVcpus = capacity?.Vcpus ?? 0,
            TotalMemoryMb = capacity?.Memory.ToMebibytes() ?? 0,
            TotalDiskMb = capacity?.Disk.ToMebibytes() ?? 0,
            ReservedVcpus = spec.ReservedVcpus ?? options.ReservedHostCpus,
            ReservedMemoryMb = spec.ReservedMemory?.ToMebibytes() ?? options.ReservedHostMemoryMb,
            ReservedDiskMb = spec.ReservedDisk?.ToMebibytes() ?? options.ReservedHostDiskMb,
            CpuAllocationRatio = spec.CpuAllocationRatio ?? options.CpuAllocationRatio,
            RamAllocationRatio = spec.RamAllocationRatio ?? options.RamAllocationRatio,
            DiskAllocationRatio = spec.DiskAllocationRatio ?? options.DiskAllocationRatio,
            MaxInstances = spec.MaxInstances ?? options.MaxInstancesPerHost,
            MaxIoOps = spec.MaxIoOps ?? options.MaxIoOpsPerHost,
            Disabled = spec.Disabled,
            DisabledReason = spec.DisabledReason,
            Ready = IsReady(status, now, options.ServiceDownTimeSeconds),
            TenantAllowList = TenantAllowList(hostLabels),
            WeightMultipliers = multipliers,
            Warnings = warnings,
            Isolated = options.IsolatedHosts.Contains(name, StringComparer.Ordinal),
            UsedVcpus = usage.Vcpus,
            UsedMemoryMb = usage.MemoryMb,
            UsedDiskMb = usage.DiskMb,
            NumInstances = usage.Instances,
            NumIoOps = Math.Max(status?.IoOps ?? 0, usage.InFlight),
        };
    }

    /// <summary>Ready condition True and a heartbeat no older than the service-down time (nova's servicegroup check).</summary>
    public static bool IsReady(HypervisorStatus? status, DateTimeOffset now, int serviceDownTimeSeconds)
    {
        if (status?.Conditions is not { } conditions || status.LastHeartbeatTime is not { } heartbeat)
        {
            return false;
        }

        var ready = false;
        foreach (var condition in conditions)
        {
            if (condition.Type == ConditionTypes.Ready)
            {
                ready = condition.Status == ConditionStatus.True;
            }
        }

        return ready && now - heartbeat <= TimeSpan.FromSeconds(serviceDownTimeSeconds);
    }

    /// <summary>The namespaces the tenant labels allow, or null when the host has none.</summary>
    public static IReadOnlySet<string>? TenantAllowList(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        HashSet<string>? allowed = null;
        foreach (var (key, value) in labels)
        {
            if (!key.StartsWith(TenantLabel, StringComparison.Ordinal))
            {
                continue;
            }

            allowed ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var tenant in value.Split(TenantSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                allowed.Add(tenant);
            }
        }

        return allowed;
    }
}
