using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>What a Server's spec asks of volumes: which it lists, and the guest device for each.</summary>
public static class ServerVolumes
{
    /// <summary>The names of the volumes a server lists, its boot volume first.</summary>
    public static IEnumerable<string> Of(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Spec.BootVolumeRef?.Name is { Length: > 0 } boot)
        {
            yield return boot;
        }

        foreach (var volume in server.Spec.Volumes ?? [])
        {
            if (volume.VolumeRef.Name is { Length: > 0 } name)
            {
                yield return name;
            }
        }
    }

    /// <summary>The guest device a server asks for the volume: vda for its boot volume, else the entry's device (null: the next free one).</summary>
    public static string? DeviceOf(Server server, string volume)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Spec.BootVolumeRef?.Name == volume ? "vda" : server.Spec.Volumes?.Find(v => v.VolumeRef.Name == volume)?.Device;
    }

    /// <summary>Whether the server lists the volume (as boot volume or in spec.volumes).</summary>
    public static bool Lists(Server server, string volume) => Of(server).Contains(volume, StringComparer.Ordinal);
}
