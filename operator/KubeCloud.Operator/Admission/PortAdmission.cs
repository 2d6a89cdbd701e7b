using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Neutron's port checks at the door: the network exists and the caller may use it; a requested
/// MAC or fixed IP is valid and free (IPAM's dry run); the quota has room for a port.
/// </summary>
public sealed class PortAdmission(IObjectLookup objects, IAccessAuthorizer authorizer) : IAdmissionValidator<Port>
{
    public async ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<Port> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == AdmissionOperation.Delete || request.Object is not { } port)
        {
            return AdmissionVerdict.Allow;
        }

        var errors = new List<FieldError>();
        var ns = port.Metadata.NamespaceProperty ?? string.Empty;
        var old = request.OldObject;
        var refs = new ReferenceChecks(objects, authorizer, request.Caller);
        if (old is not null && SameAddresses(old.Spec, port.Spec))
        {
            return AdmissionVerdict.Allow;
        }

        var network = await refs.NetworkAsync(port.Spec.NetworkRef, ns, "spec.networkRef", errors, cancellationToken).ConfigureAwait(false);
        var requestsAddresses = !string.IsNullOrEmpty(port.Spec.MacAddress) || (port.Spec.FixedIPs ?? []).Any(f => !string.IsNullOrEmpty(f.IPAddress) || !string.IsNullOrEmpty(f.Subnet));
        if (network is not null && requestsAddresses && old is null && AddressAvailability.Check(objects, network, port.Spec) is { } refusal
            && refusal.Rule != Ipam.IpamRules.SubnetExhausted)
        {
            errors.Add(refusal);
        }

        if (old is null)
        {
            QuotaGate.Check(objects, ns, new QuotaUsage { Ports = 1 }, "metadata.name", errors);
        }

        return new AdmissionVerdict(errors);
    }

    private static bool SameAddresses(PortSpec a, PortSpec b) =>
        a.MacAddress == b.MacAddress
        && (a.FixedIPs ?? []).Select(f => (f.Subnet, f.IPAddress)).SequenceEqual((b.FixedIPs ?? []).Select(f => (f.Subnet, f.IPAddress)));
}
