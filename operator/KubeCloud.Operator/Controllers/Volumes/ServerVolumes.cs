using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>What a Server's spec asks of a volume: whether it lists it (<see cref="ServerIndexes.VolumeNames"/>), and the guest device.</summary>
public static class ServerVolumes
{
    /// <summary>The guest device a server asks for the volume: vda for its boot volume, else the entry's device (null: the next free one).</summary>
    public static string? DeviceOf(Server server, string volume)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Spec.BootVolumeRef?.Name == volume ? "vda" : server.Spec.Volumes?.Find(v => v.VolumeRef.Name == volume)?.Device;
    }

    /// <summary>Whether the server lists the volume (as boot volume or in spec.volumes).</summary>
    public static bool Lists(Server server, string volume) => ServerIndexes.VolumeNames(server).Contains(volume, StringComparer.Ordinal);
}
