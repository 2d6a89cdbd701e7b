namespace KubeCloud.Operator.Networking;

/// <summary>Names of the subnet checks, as <see cref="FieldError.Rule"/> carries them.</summary>
public static class SubnetRules
{
    public const string CidrValid = "CidrValid";
    public const string GatewayValid = "GatewayValid";
    public const string GatewayInsideCidr = "GatewayInsideCidr";
    public const string GatewayNotNetworkOrBroadcast = "GatewayNotNetworkOrBroadcast";
    public const string PoolValid = "PoolValid";
    public const string PoolInsideCidr = "PoolInsideCidr";
    public const string PoolClearOfGateway = "PoolClearOfGateway";
    public const string PoolClearOfNetworkAndBroadcast = "PoolClearOfNetworkAndBroadcast";
    public const string PoolsDisjoint = "PoolsDisjoint";
    public const string SubnetsDisjoint = "SubnetsDisjoint";
    public const string SubnetNameUnique = "SubnetNameUnique";
    public const string NameserverValid = "NameserverValid";
    public const string HostRouteValid = "HostRouteValid";
}
