using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Networking;
using KubeCloud.Operator.Quota;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Neutron's network and subnet checks at the door: the subnet rules
/// (<see cref="NetworkSpecChecks"/>); provider fields and <c>shared</c> need the admin rule; a
/// requested segmentation ID is free; a subnet that ports use cannot be removed; a network with
/// ports cannot be deleted; the quota has room for a network.
/// </summary>
public sealed class NetworkAdmission(IObjectLookup objects, IAccessAuthorizer authorizer) : IAdmissionValidator<Network>
{
    public async ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<Network> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (request.Operation == AdmissionOperation.Delete)
        {
            if (request.OldObject is { } gone && PortsOn(gone).FirstOrDefault() is { } port)
            {
                errors.Add(new FieldError("metadata.name", AdmissionRules.NetworkInUse,
                    $"network {gone.Metadata.NamespaceProperty}/{gone.Metadata.Name} still has ports (for example {port.Metadata.NamespaceProperty}/{port.Metadata.Name}); delete them, or the servers using them, first"));
            }

            return new AdmissionVerdict(errors);
        }

        if (request.Object is not { } network)
        {
            return AdmissionVerdict.Allow;
        }

        var ns = network.Metadata.NamespaceProperty ?? string.Empty;
        var old = request.OldObject;
        var spec = network.Spec;
        var refs = new ReferenceChecks(objects, authorizer, request.Caller);
        errors.AddRange(NetworkSpecChecks.Check(spec));

        if (old is null)
        {
            var provider = new List<(string Field, string What)>();
            if (spec.ProviderType != ProviderType.Vxlan)
            {
                provider.Add(("spec.providerType", $"providerType {spec.ProviderType.ToString().ToLowerInvariant()}"));
            }

            if (!string.IsNullOrEmpty(spec.PhysicalNetwork))
            {
                provider.Add(("spec.physicalNetwork", "physicalNetwork"));
            }

            if (spec.SegmentationId is not null)
            {
                provider.Add(("spec.segmentationId", "segmentationId"));
            }

            if (spec.External)
            {
                provider.Add(("spec.external", "external"));
            }

            foreach (var (field, what) in provider)
            {
                if (!await refs.AdminFieldAsync(Network.KubePluralName, AccessRules.Provider, ns, field, what, errors, cancellationToken).ConfigureAwait(false))
                {
                    break; // one answer covers every provider field.
                }
            }

            if (spec.SegmentationId is { } wanted && HolderOf(network, wanted) is { } holder)
            {
                errors.Add(new FieldError("spec.segmentationId", AdmissionRules.SegmentationIdFree, $"segmentation ID {wanted} is already used by {spec.ProviderType.ToString().ToLowerInvariant()} network {holder}"));
            }

            QuotaGate.Check(objects, ns, new QuotaUsage { Networks = 1 }, "metadata.name", errors);
        }
        else if (spec.External && !old.Spec.External)
        {
            await refs.AdminFieldAsync(Network.KubePluralName, AccessRules.Provider, ns, "spec.external", "external", errors, cancellationToken).ConfigureAwait(false);
        }

        if (spec.Shared && old?.Spec.Shared != true)
        {
            await refs.AdminFieldAsync(Network.KubePluralName, AccessRules.Shared, ns, "spec.shared", "shared", errors, cancellationToken).ConfigureAwait(false);
        }

        if (old is not null)
        {
            var kept = (spec.Subnets ?? []).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var removed in (old.Spec.Subnets ?? []).Where(s => !kept.Contains(s.Name)))
            {
                var user = PortsOn(old).FirstOrDefault(p => (p.Status?.FixedIPs ?? []).Any(ip => ip.Subnet == removed.Name));
                if (user is not null)
                {
                    errors.Add(new FieldError("spec.subnets", AdmissionRules.SubnetInUse,
                        $"subnet {removed.Name} cannot be removed: port {user.Metadata.NamespaceProperty}/{user.Metadata.Name} has an address in it"));
                }
            }
        }

        return new AdmissionVerdict(errors);
    }

    private IEnumerable<Port> PortsOn(Network network) =>
        objects.PortsOnNetwork(network.Metadata.NamespaceProperty, network.Metadata.Name);

    /// <summary>Another network of the same segment space (type, and physical network for vlan) using the ID.</summary>
    private string? HolderOf(Network network, int id)
    {
        foreach (var other in objects.List<Network>(null))
        {
            if (other.Metadata.Uid == network.Metadata.Uid && other.Metadata.Name == network.Metadata.Name && other.Metadata.NamespaceProperty == network.Metadata.NamespaceProperty)
            {
                continue;
            }

            var sameSpace = other.Spec.ProviderType == network.Spec.ProviderType
                && (network.Spec.ProviderType != ProviderType.Vlan || other.Spec.PhysicalNetwork == network.Spec.PhysicalNetwork);
            if (sameSpace && (other.Status?.SegmentationId ?? other.Spec.SegmentationId) == id)
            {
                return $"{other.Metadata.NamespaceProperty}/{other.Metadata.Name}";
            }
        }

        return null;
    }
}
