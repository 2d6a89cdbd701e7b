namespace KubeCloud.Scheduler.Hosts;

/// <summary>What the ledger holds against one host: the sum of its claims.</summary>
public readonly record struct HostUsage(int Vcpus, long MemoryMb, long DiskMb, int Instances, int InFlight)
{
    public static HostUsage None => default;

    /// <summary>This usage plus one claim.</summary>
    public HostUsage Add(in ResourceAmounts amounts, bool inFlight) =>
        new(Vcpus + amounts.Vcpus, MemoryMb + amounts.MemoryMb, DiskMb + amounts.DiskMb, Instances + 1, InFlight + (inFlight ? 1 : 0));

    /// <summary>This usage less one claim.</summary>
    public HostUsage Remove(in ResourceAmounts amounts, bool inFlight) =>
        new(Vcpus - amounts.Vcpus, MemoryMb - amounts.MemoryMb, DiskMb - amounts.DiskMb, Instances - 1, InFlight - (inFlight ? 1 : 0));
}

/// <summary>The resources one server takes: vCPUs, memory and disk in MiB.</summary>
public readonly record struct ResourceAmounts(int Vcpus, long MemoryMb, long DiskMb);
