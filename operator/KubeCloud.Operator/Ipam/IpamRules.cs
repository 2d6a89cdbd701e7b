namespace KubeCloud.Operator.Ipam;

/// <summary>Names of the IPAM refusals, as <see cref="FieldError.Rule"/> carries them.</summary>
public static class IpamRules
{
    public const string SubnetExists = "SubnetExists";
    public const string AddressValid = "AddressValid";
    public const string AddressInsideSubnet = "AddressInsideSubnet";
    public const string AddressNotGateway = "AddressNotGateway";
    public const string AddressNotNetworkOrBroadcast = "AddressNotNetworkOrBroadcast";
    public const string AddressFree = "AddressFree";
    public const string SubnetExhausted = "SubnetExhausted";
    public const string MacAddressValid = "MacAddressValid";
    public const string MacAddressFree = "MacAddressFree";
    public const string MacAddressesExhausted = "MacAddressesExhausted";
    public const string NetworkHasSubnets = "NetworkHasSubnets";
}
