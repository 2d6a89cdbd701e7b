using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Quota;

/// <summary>Amounts of what a project uses or asks for, in the units a ProjectQuota limits.</summary>
public sealed record QuotaUsage
{
    public static readonly QuotaUsage None = new();

    public int Servers { get; init; }

    public int Vcpus { get; init; }

    public Quantity Memory { get; init; }

    public int Volumes { get; init; }

    public Quantity VolumeStorage { get; init; }

    public int Networks { get; init; }

    public int Ports { get; init; }

    public int ServerGroups { get; init; }

    public static QuotaUsage operator +(QuotaUsage left, QuotaUsage right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new QuotaUsage
        {
            Servers = left.Servers + right.Servers,
            Vcpus = left.Vcpus + right.Vcpus,
            Memory = left.Memory + right.Memory,
            Volumes = left.Volumes + right.Volumes,
            VolumeStorage = left.VolumeStorage + right.VolumeStorage,
            Networks = left.Networks + right.Networks,
            Ports = left.Ports + right.Ports,
            ServerGroups = left.ServerGroups + right.ServerGroups,
        };
    }

    public static QuotaUsage Add(QuotaUsage left, QuotaUsage right) => left + right;

    /// <summary>For ProjectQuota.status.used.</summary>
    public QuotaAmounts ToAmounts() => new()
    {
        Servers = Servers,
        Vcpus = Vcpus,
        Memory = Memory,
        Volumes = Volumes,
        VolumeStorage = VolumeStorage,
        Networks = Networks,
        Ports = Ports,
        ServerGroups = ServerGroups,
    };
}
