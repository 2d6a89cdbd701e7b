namespace KubeCloud.Operator.Controllers.Ports;

/// <summary>Reasons of a Port's Ready condition (beside the IPAM rule names, <see cref="Ipam.IpamRules"/>, of a refused allocation).</summary>
public static class PortReasons
{
    /// <summary>MAC and fixed IPs are allocated and recorded in status.</summary>
    public const string Allocated = "Allocated";

    /// <summary>The network named by spec.networkRef does not exist (yet): the port waits for it.</summary>
    public const string NetworkNotFound = "NetworkNotFound";

    /// <summary>The network's subnets break a rule: no address can be allocated until it is fixed.</summary>
    public const string NetworkInvalid = "NetworkInvalid";

    /// <summary>The network is being deleted: a new port gets no addresses on it.</summary>
    public const string NetworkDeleting = "NetworkDeleting";
}
