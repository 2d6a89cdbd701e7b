using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Admission's dry run of IPAM: would the requested MAC and fixed IPs be free on the network, as
/// the ports' statuses record it now? (Entries without an address are not checked for room.) The Port controller allocates for real (and may still refuse,
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

        // Only the ports holding a requested MAC or address can make the request fail: rebuild from those.
        // Port statuses hold canonical text (the operator writes IPAddress.ToString()), so a plain compare finds them.
        var ns = network.Metadata.NamespaceProperty;
        var wantedIPs = (spec.FixedIPs ?? []).Where(f => !string.IsNullOrEmpty(f.IPAddress)).Select(f => PortAddresses.Canonical(f.IPAddress!)).ToHashSet(StringComparer.Ordinal);
        var ports = objects.PortsOnNetwork(ns, network.Metadata.Name).Where(p =>
            p.Status is { } status
            && (string.Equals(status.MacAddress, spec.MacAddress, StringComparison.OrdinalIgnoreCase)
                || (status.FixedIPs ?? []).Any(ip => wantedIPs.Contains(ip.IPAddress))));
        var allocator = NetworkAddressAllocator.Rebuild(network, ports, out _);
        return allocator.Check(new PortIdentity(string.Empty, string.Empty, "admission-dry-run"), spec).Error;
    }
}
