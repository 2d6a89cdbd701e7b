using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Tests.Fixtures;

/// <summary>Builds host states for tests: a healthy 16-vCPU, 32 GiB, 1 TiB kvm host unless told otherwise.</summary>
public sealed class HostStateBuilder
{
    private HostState _state;

    private HostStateBuilder(string name) =>
        _state = new HostState
        {
            Name = name,
            Zone = "nova",
            HypervisorType = HypervisorType.Kvm,
            CpuArchitecture = CpuArchitecture.X8664,
            CpuModel = "Skylake-Server",
            CpuVendor = "Intel",
            TotalVcpus = 16,
            TotalMemoryMb = 32768,
            TotalDiskMb = 1_048_576,
            CpuAllocationRatio = 1.0,
            RamAllocationRatio = 1.0,
            DiskAllocationRatio = 1.0,
            MaxInstances = 50,
            MaxIoOps = 8,
            Ready = true,
        };

    public static HostStateBuilder Host(string name = "host1") => new(name);

    public HostStateBuilder InZone(string zone) => With(s => s with { Zone = zone });

    public HostStateBuilder WithMemory(long totalMb, long usedMb = 0, long reservedMb = 0, double ratio = 1.0) =>
        With(s => s with { TotalMemoryMb = totalMb, UsedMemoryMb = usedMb, ReservedMemoryMb = reservedMb, RamAllocationRatio = ratio });

    public HostStateBuilder WithVcpus(int total, int used = 0, int reserved = 0, double ratio = 1.0) =>
        With(s => s with { TotalVcpus = total, UsedVcpus = used, ReservedVcpus = reserved, CpuAllocationRatio = ratio });

    public HostStateBuilder WithDisk(long totalMb, long usedMb = 0, long reservedMb = 0, double ratio = 1.0) =>
        With(s => s with { TotalDiskMb = totalMb, UsedDiskMb = usedMb, ReservedDiskMb = reservedMb, DiskAllocationRatio = ratio });

    public HostStateBuilder Disabled(string reason = "maintenance") => With(s => s with { Disabled = true, DisabledReason = reason });

    public HostStateBuilder Isolated() => With(s => s with { Isolated = true });

    public HostStateBuilder NotReady() => With(s => s with { Ready = false });

    public HostStateBuilder WithLabel(string key, string value) =>
        With(s =>
        {
            var labels = new Dictionary<string, string>(s.Labels) { [key] = value };
            var warnings = new List<string>();
            return s with
            {
                Labels = labels,
                TenantAllowList = HostStateFactory.TenantAllowList(labels),
                WeightMultipliers = WeightMultiplierLabels.Read(s.Name, labels, warnings),
                Warnings = warnings,
            };
        });

    public HostStateBuilder WithCpu(string? model = null, string? vendor = null, CpuArchitecture? architecture = CpuArchitecture.X8664, params string[] features) =>
        With(s => s with { CpuModel = model, CpuVendor = vendor, CpuArchitecture = architecture, CpuFeatures = new HashSet<string>(features) });

    public HostStateBuilder WithHypervisorType(HypervisorType? type) => With(s => s with { HypervisorType = type });

    public HostStateBuilder WithTunnelIP(string ip) => With(s => s with { TunnelIP = IPAddress.Parse(ip) });

    public HostStateBuilder WithInstances(int instances, int max = 50) => With(s => s with { NumInstances = instances, MaxInstances = max });

    public HostStateBuilder WithIoOps(int ioOps, int max = 8) => With(s => s with { NumIoOps = ioOps, MaxIoOps = max });

    public HostState Build() => _state;

    public static implicit operator HostState(HostStateBuilder builder) => builder.Build();

    private HostStateBuilder With(Func<HostState, HostState> change)
    {
        _state = change(_state);
        return this;
    }
}
