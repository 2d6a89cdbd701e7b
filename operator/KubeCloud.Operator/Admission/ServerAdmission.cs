using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// nova-api's checks of a server request: the flavor, image or boot volume, networks, ports,
/// volumes and server group exist and the caller may use them; the flavor is large enough for the
/// image; forceNode needs the admin rule; the quota has room (a new server, or a resize's growth).
/// </summary>
public sealed class ServerAdmission(IObjectLookup objects, IAccessAuthorizer authorizer) : IAdmissionValidator<Server>
{
    public async ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<Server> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == AdmissionOperation.Delete || request.Object is not { } server)
        {
            return AdmissionVerdict.Allow;
        }

        var errors = new List<FieldError>();
        var refs = new ReferenceChecks(objects, authorizer, request.Caller);
        var ns = server.Metadata.NamespaceProperty ?? string.Empty;
        var name = server.Metadata.Name ?? string.Empty;
        var old = request.OldObject;
        var spec = server.Spec;

        var flavorChanged = old is null || old.Spec.FlavorRef.Name != spec.FlavorRef.Name;
        Flavor? flavor = null;
        if (flavorChanged)
        {
            flavor = await refs.FlavorAsync(spec.FlavorRef.Name, ns, "spec.flavorRef.name", errors, cancellationToken).ConfigureAwait(false);
        }

        Image? image = null;
        if (spec.ImageRef is { } imageRef && old is null)
        {
            image = await refs.ImageAsync(imageRef, ns, "spec.imageRef", errors, cancellationToken).ConfigureAwait(false);
        }
        else if (spec.ImageRef is { } kept && flavorChanged)
        {
            image = objects.Get<Image>(string.IsNullOrEmpty(kept.Namespace) ? ns : kept.Namespace, kept.Name);
        }

        if (flavor is not null && image is not null)
        {
            CheckImageMinimums(flavor, image, errors);
        }

        if (flavor is not null && old is not null)
        {
            CheckNoDiskShrink(old, flavor, errors);
        }

        if (spec.BootVolumeRef is { } bootRef && old is null && refs.Local<Volume>(ns, bootRef.Name, "volume", "spec.bootVolumeRef.name", errors) is { } bootVolume)
        {
            CheckAttachable(bootVolume, name, "spec.bootVolumeRef.name", errors);
        }

        await CheckNetworksAsync(server, old, refs, errors, cancellationToken).ConfigureAwait(false);
        CheckVolumes(server, old, refs, errors);

        if (!string.IsNullOrEmpty(spec.ForceNode) && old is null)
        {
            await refs.AdminFieldAsync(Server.KubePluralName, AccessRules.ForceNode, ns, "spec.forceNode", "forceNode", errors, cancellationToken).ConfigureAwait(false);
        }

        if (spec.SchedulerHints?.ServerGroup is { Length: > 0 } groupName && old is null
            && refs.Local<ServerGroup>(ns, groupName, "server group", "spec.schedulerHints.serverGroup", errors) is not null)
        {
            var members = objects.List<Server>(ns).Count(s => s.Spec.SchedulerHints?.ServerGroup == groupName && s.Metadata.Name != name);
            foreach (var quota in objects.List<ProjectQuota>(ns))
            {
                if (QuotaCheck.GroupMembers(quota.Spec.Hard, members, 1) is { } excess)
                {
                    errors.Add(new FieldError("spec.schedulerHints.serverGroup", AdmissionRules.QuotaExceeded, $"{excess.Message} (server group {groupName}, ProjectQuota {ns}/{quota.Metadata.Name})"));
                }
            }
        }

        if (flavor is not null)
        {
            QuotaGate.Check(objects, ns, Requested(server, flavor, old), old is null ? "metadata.name" : "spec.flavorRef.name", errors);
        }

        return new AdmissionVerdict(errors);
    }

    /// <summary>
    /// A new server counts one server, its flavor, and a port for each networks[] entry that names
    /// a network (the operator creates those ports, as nova asks neutron to); a resize counts what
    /// the new flavor adds.
    /// </summary>
    private QuotaUsage Requested(Server server, Flavor flavor, Server? old)
    {
        if (old is null)
        {
            var ports = (server.Spec.Networks ?? []).Count(n => n.NetworkRef is not null);
            return new QuotaUsage { Servers = 1, Vcpus = flavor.Spec.Vcpus, Memory = flavor.Spec.Memory, Ports = ports };
        }

        var held = ProjectUsageCounter.Of(old, n => objects.Get<Flavor>(null, n));
        var memory = flavor.Spec.Memory - held.Memory;
        return new QuotaUsage
        {
            Vcpus = Math.Max(0, flavor.Spec.Vcpus - held.Vcpus),
            Memory = memory > Api.Quantity.Zero ? memory : Api.Quantity.Zero,
        };
    }

    /// <summary>
    /// A resize never shrinks the root disk (nova: "Unable to resize disk down", and no resize to a flavor without a root
    /// disk size): the node grows the disk, it cannot give space back under a file system. A server that boots from a
    /// volume has no root disk of its flavor; a revert (flavorRef back to the open resize's old flavor) keeps the grown disk.
    /// </summary>
    private static void CheckNoDiskShrink(Server old, Flavor flavor, List<FieldError> errors)
    {
        if (old.Status?.Flavor is not { } held || old.Spec.BootVolumeRef is not null || old.Status.Resize?.OldFlavor.Name == flavor.Metadata.Name)
        {
            return;
        }

        var (have, want) = (held.RootDisk.Value(), flavor.Spec.RootDisk.Value());
        if (have > 0 && want < have)
        {
            var size = want == 0 ? "no root disk size (the image's)" : $"a {flavor.Spec.RootDisk} root disk";
            errors.Add(new FieldError("spec.flavorRef.name", AdmissionRules.ResizeDiskDown,
                $"flavor {flavor.Metadata.Name} has {size}, smaller than the {held.RootDisk} root disk the server has (flavor {held.Name}): a root disk cannot be resized down"));
        }
    }

    private static void CheckImageMinimums(Flavor flavor, Image image, List<FieldError> errors)
    {
        try
        {
            ScheduleRequestFactory.CheckImageMinimums(flavor, image, bootFromVolume: false);
        }
        catch (FlavorTooSmallException e)
        {
            var rule = e.Reason == FlavorTooSmallReason.FlavorMemoryTooSmall ? AdmissionRules.FlavorMemoryTooSmall : AdmissionRules.FlavorDiskSmallerThanMinDisk;
            errors.Add(new FieldError("spec.flavorRef.name", rule, e.Message));
        }
    }

    private async ValueTask CheckNetworksAsync(Server server, Server? old, ReferenceChecks refs, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var ns = server.Metadata.NamespaceProperty ?? string.Empty;
        var networks = server.Spec.Networks ?? [];
        var before = old?.Spec.Networks ?? [];
        for (var i = 0; i < networks.Count; i++)
        {
            var entry = networks[i];
            var path = $"spec.networks[{i}]";
            if (before.Any(b => SameEntry(b, entry)))
            {
                continue; // unchanged interfaces were checked when they were added.
            }

            if (entry.NetworkRef is { } networkRef)
            {
                var network = await refs.NetworkAsync(networkRef, ns, $"{path}.networkRef", errors, cancellationToken).ConfigureAwait(false);
                if (network is not null && !string.IsNullOrEmpty(entry.FixedIP)
                    && AddressAvailability.Check(objects, network, new PortSpec { NetworkRef = networkRef, FixedIPs = [new FixedIP { IPAddress = entry.FixedIP }] }) is { } refusal)
                {
                    errors.Add(refusal with { Field = $"{path}.fixedIP" });
                }
            }
            else if (entry.PortRef is { } portRef && refs.Local<Port>(ns, portRef.Name, "port", $"{path}.portRef.name", errors) is { } port
                     && port.Status?.ServerRef is { } bound && bound.Name != server.Metadata.Name)
            {
                errors.Add(new FieldError($"{path}.portRef.name", AdmissionRules.PortInUse, $"port {ns}/{portRef.Name} is bound to server {bound.Name}"));
            }
        }
    }

    private static void CheckVolumes(Server server, Server? old, ReferenceChecks refs, List<FieldError> errors)
    {
        var ns = server.Metadata.NamespaceProperty ?? string.Empty;
        var volumes = server.Spec.Volumes ?? [];
        var before = old?.Spec.Volumes ?? [];
        for (var i = 0; i < volumes.Count; i++)
        {
            var volumeName = volumes[i].VolumeRef.Name;
            if (before.Any(b => b.VolumeRef.Name == volumeName))
            {
                continue;
            }

            var path = $"spec.volumes[{i}].volumeRef.name";
            if (refs.Local<Volume>(ns, volumeName, "volume", path, errors) is { } volume)
            {
                CheckAttachable(volume, server.Metadata.Name ?? string.Empty, path, errors);
            }
        }
    }

    /// <summary>cinder's attach checks: not in Error or being deleted, and not held by another server unless multiattach.</summary>
    private static void CheckAttachable(Volume volume, string server, string path, List<FieldError> errors)
    {
        var id = $"{volume.Metadata.NamespaceProperty}/{volume.Metadata.Name}";
        if (volume.Status?.Phase is VolumePhase.Error or VolumePhase.Deleting || volume.Metadata.DeletionTimestamp is not null)
        {
            errors.Add(new FieldError(path, AdmissionRules.VolumeUsable, $"volume {id} is {(volume.Metadata.DeletionTimestamp is not null ? "being deleted" : volume.Status!.Phase.ToString())} and cannot be attached"));
            return;
        }

        var others = (volume.Status?.Attachments ?? []).Where(a => a.Server != server).Select(a => a.Server).ToList();
        if (others.Count > 0 && !volume.Spec.Multiattach)
        {
            errors.Add(new FieldError(path, AdmissionRules.VolumeInUse, $"volume {id} is in use by server {others[0]} and is not multiattach"));
        }
    }

    private static bool SameEntry(ServerNetwork a, ServerNetwork b) =>
        a.NetworkRef?.Name == b.NetworkRef?.Name && a.NetworkRef?.Namespace == b.NetworkRef?.Namespace && a.PortRef?.Name == b.PortRef?.Name && a.FixedIP == b.FixedIP;
}
