namespace KubeCloud.Operator.Controllers.Networks;

/// <summary>Reasons of a Network's Ready condition.</summary>
public static class NetworkReasons
{
    /// <summary>Subnets valid and a segment (VNI, VLAN or flat) in place: ports can be made on it.</summary>
    public const string Ready = "Ready";

    /// <summary>A subnet breaks one or more rules (each named in the message with its field path).</summary>
    public const string SubnetsInvalid = "SubnetsInvalid";

    /// <summary>No VNI: the requested one is held by another network, or the range is exhausted.</summary>
    public const string SegmentationIdUnavailable = "SegmentationIdUnavailable";

    /// <summary>Deleted, waiting for its ports to go before its VNI and address pools are released.</summary>
    public const string PortsRemain = "PortsRemain";
}
