using System.Globalization;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Mapping;
using ImageSource = KubeCloud.Node.Images.ImageSource;

namespace KubeCloud.Node.Agent.Servers;

/// <summary>
/// A server's request for the converger, or why it cannot be built: <see cref="ServerReasons.Waiting"/> for something
/// the operator has yet to provide (a port's MAC, the image's checksum), or a failure reason with its message.
/// </summary>
public sealed record ServerBuildResult(InstanceRequest? Request, string? Reason, string? Message)
{
    public static ServerBuildResult Waiting(string what) => new(null, ServerReasons.Waiting, "waiting for " + what);

    public static ServerBuildResult Failed(string reason, string message) => new(null, reason, message);
}

/// <summary>
/// Reads what a server needs from the informer caches (never from the API server) and builds the
/// <see cref="InstanceRequest"/> with the existing mappers: the flavor the operator recorded in <c>status.flavor</c>
/// (else the Flavor named by the spec), the image, and the server's ports in the order of <c>spec.networks</c> with
/// their networks, and the volumes (boot volume first) once each is exported and the operator has attached it to this
/// node in its <c>status.attachments</c> (Attaching): a volume that is not multiattach is never attached twice.
/// </summary>
public sealed class ServerBuildReader(NodeInformers cache, string nodeName)
{
    public ServerBuildResult Read(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var ns = server.Metadata.NamespaceProperty;
        var flavor = Flavor(server);
        if (flavor is null)
        {
            return ServerBuildResult.Waiting($"flavor {server.Spec.FlavorRef.Name} (neither status.flavor nor the Flavor is there)");
        }

        ImageSource? image = null;
        if (server.Spec.ImageRef is { } imageRef)
        {
            var imageNs = imageRef.Namespace ?? ns;
            var found = cache.Images.Store.Get(imageNs, imageRef.Name);
            if (found is null)
            {
                return ServerBuildResult.Waiting($"image {imageNs}/{imageRef.Name}");
            }

            var sha = found.Spec.Checksum ?? found.Status?.Checksum;
            if (sha is null)
            {
                return ServerBuildResult.Waiting($"the sha256 checksum of image {imageNs}/{imageRef.Name} (spec.checksum or status.checksum)");
            }

            if (!Uri.TryCreate(found.Spec.Source.Url, UriKind.Absolute, out var url))
            {
                return ServerBuildResult.Waiting($"image {imageNs}/{imageRef.Name}: spec.source.url '{found.Spec.Source.Url}' is not an absolute URL");
            }

            image = new ImageSource(url, sha, found.Spec.DiskFormat.ToString().ToLowerInvariant());
        }

        var ports = new List<BoundPort>();
        var owned = cache.Ports.Store.ByIndex(NodeInformers.PortsByServer, NodeInformers.Key(ns, server.Metadata.Name))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var entries = server.Spec.Networks ?? [];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            Port? port;
            if (entry.PortRef is { } portRef)
            {
                port = cache.Ports.Store.Get(ns, portRef.Name);
            }
            else
            {
                var networkNs = entry.NetworkRef!.Namespace ?? ns;
                port = owned.FirstOrDefault(p => !ports.Exists(b => b.Port == p) && p.Spec.NetworkRef.Name == entry.NetworkRef.Name
                    && (p.Spec.NetworkRef.Namespace ?? p.Metadata.NamespaceProperty) == networkNs);
            }

            var field = $"spec.networks[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (port is null)
            {
                return ServerBuildResult.Waiting($"the port of {field}");
            }

            if (port.Status?.MacAddress is null)
            {
                return ServerBuildResult.Waiting($"the MAC address of port {port.Metadata.Name} ({field})");
            }

            var network = cache.Networks.Store.Get(port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty, port.Spec.NetworkRef.Name);
            if (network is null)
            {
                return ServerBuildResult.Waiting($"network {port.Spec.NetworkRef.Name} of port {port.Metadata.Name}");
            }

            ports.Add(new BoundPort(port, network));
        }

        var volumes = new List<AttachedVolume>();
        foreach (var (name, device, field) in VolumeEntries(server))
        {
            var volume = cache.Volumes.Store.Get(ns, name);
            if (volume is null)
            {
                return ServerBuildResult.Waiting($"volume {name} ({field})");
            }

            if (volume.Status?.Target is null || !Conditions.IsTrue(volume.Status, Volumes.VolumeExportReport.ExportedCondition))
            {
                return ServerBuildResult.Waiting($"volume {name} ({field}) to be exported by its storage node");
            }

            if (volume.Status.Attachments?.Find(a => a.Server == server.Metadata.Name) is not { } attachment || attachment.Node != nodeName)
            {
                return ServerBuildResult.Waiting($"the operator to attach volume {name} ({field}) to this node (status.attachments)");
            }

            // The CHAP user comes from the volume's Secret, which the reconciler reads (an API call, not a cache read).
            volumes.Add(new AttachedVolume(volume, ChapUsername: "", device));
        }

        return new ServerBuildResult(new InstanceRequest(new ServerBuild(server, flavor, ports, volumes), image, new Dictionary<Guid, byte[]>()), null, null);
    }

    /// <summary>The boot volume (as vda) and the listed volumes with the device each asks for, and the field naming each.</summary>
    private static IEnumerable<(string Name, string? Device, string Field)> VolumeEntries(Server server)
    {
        if (server.Spec.BootVolumeRef is { } boot)
        {
            yield return (boot.Name, "vda", "spec.bootVolumeRef");
        }

        var entries = server.Spec.Volumes ?? [];
        for (var i = 0; i < entries.Count; i++)
        {
            yield return (entries[i].VolumeRef.Name, entries[i].Device, $"spec.volumes[{i.ToString(CultureInfo.InvariantCulture)}]");
        }
    }

    /// <summary>The flavor the server holds: the operator's snapshot when scheduled (what was claimed), else the Flavor.</summary>
    private Flavor? Flavor(Server server)
    {
        if (server.Status?.Flavor is { } snapshot)
        {
            return new Flavor
            {
                Metadata = new() { Name = snapshot.Name },
                Spec = new FlavorSpec { Vcpus = snapshot.Vcpus, Memory = snapshot.Memory, RootDisk = snapshot.RootDisk, EphemeralDisk = snapshot.EphemeralDisk, Swap = snapshot.Swap },
            };
        }

        return cache.Flavors.Store.Get(null, server.Spec.FlavorRef.Name);
    }
}
