using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// The objects a Server names, resolved from the informer caches; <see cref="Missing"/> says, one phrase each, what is
/// not there yet (a reference that appears later converges the server: it is a wait, not an error).
/// </summary>
public sealed record ServerReferences(Flavor? Flavor, Image? Image, Volume? BootVolume, ServerGroup? Group, IReadOnlyList<string> Missing)
{
    public bool Complete => Missing.Count == 0;

    public static ServerReferences Resolve(Server server, SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(informers);
        var ns = server.Metadata.NamespaceProperty;
        var missing = new List<string>();
        var spec = server.Spec;

        var flavor = informers.For<Flavor>().Store.Get(null, spec.FlavorRef.Name);
        if (flavor is null)
        {
            missing.Add($"flavor {spec.FlavorRef.Name} (spec.flavorRef)");
        }

        Image? image = null;
        if (spec.ImageRef is { } imageRef)
        {
            var imageNs = imageRef.Namespace ?? ns;
            image = informers.For<Image>().Store.Get(imageNs, imageRef.Name);
            if (image is null)
            {
                missing.Add($"image {imageNs}/{imageRef.Name} (spec.imageRef)");
            }
            else if (image.Status?.Phase == ImagePhase.Error)
            {
                missing.Add($"image {imageNs}/{imageRef.Name} to leave Error (spec.imageRef)");
            }
        }

        Volume? boot = null;
        if (spec.BootVolumeRef is { } bootRef)
        {
            boot = informers.For<Volume>().Store.Get(ns, bootRef.Name);
            if (boot is null)
            {
                missing.Add($"volume {ns}/{bootRef.Name} (spec.bootVolumeRef)");
            }
        }

        var volumes = informers.For<Volume>().Store;
        for (var i = 0; i < (spec.Volumes?.Count ?? 0); i++)
        {
            var name = spec.Volumes![i].VolumeRef.Name;
            if (volumes.Get(ns, name) is null)
            {
                missing.Add($"volume {ns}/{name} (spec.volumes[{i}].volumeRef)");
            }
        }

        var networks = informers.For<Network>().Store;
        var ports = informers.For<Port>().Store;
        for (var i = 0; i < (spec.Networks?.Count ?? 0); i++)
        {
            var entry = spec.Networks![i];
            if (entry.NetworkRef is { } networkRef && networks.Get(networkRef.Namespace ?? ns, networkRef.Name) is null)
            {
                missing.Add($"network {networkRef.Namespace ?? ns}/{networkRef.Name} (spec.networks[{i}].networkRef)");
            }
            else if (entry.PortRef is { } portRef && ports.Get(ns, portRef.Name) is null)
            {
                missing.Add($"port {ns}/{portRef.Name} (spec.networks[{i}].portRef)");
            }
        }

        ServerGroup? group = null;
        if (spec.SchedulerHints?.ServerGroup is { } groupName)
        {
            group = informers.For<ServerGroup>().Store.Get(ns, groupName);
            if (group is null)
            {
                missing.Add($"server group {ns}/{groupName} (spec.schedulerHints.serverGroup)");
            }
        }

        return new ServerReferences(flavor, image, boot, group, missing);
    }

    /// <summary>"waiting for flavor m1 (spec.flavorRef), image p/cirros (spec.imageRef)".</summary>
    public string Describe() => "waiting for " + string.Join(", ", Missing);
}
