using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Admission's dry run of IPAM: would the requested MAC and fixed IPs be free on the network, as
/// the ports' statuses record it now? The Port controller allocates for real (and may still refuse,
/// if another port took the address meanwhile); this only turns the obvious mistakes away at the door.
/// </summary>
internal static class AddressAvailability
{
    public static FieldError? Check(IObjectLookup objects, Network network, PortSpec spec)
    {
        if (NetworkSpecChecks.Check(network.Spec).Count > 0)
        {
            return null; // the Network is refused on its own; its controller reports it.
        }

        var ns = network.Metadata.Namespace;
        var ports = objects.List<Port>(null).Where(p => p.Spec.NetworkRef.Name == network.Metadata.Name && (p.Spec.NetworkRef.Namespace ?? p.Metadata.Namespace) == ns);
        var allocator = NetworkAddressAllocator.Rebuild(network, ports, out _);
        return allocator.Check(new PortIdentity(string.Empty, string.Empty, "admission-dry-run"), spec).Error;
    }
}
