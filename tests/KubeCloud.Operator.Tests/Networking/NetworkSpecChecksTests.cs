using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Networking;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Networking;

public sealed class NetworkSpecChecksTests
{
    private static NetworkSpec Spec(params Subnet[] subnets) => new() { Subnets = [.. subnets] };

    /// <summary>Each broken rule: the spec, the field path, the rule and the message the user sees.</summary>
    private static readonly Dictionary<string, (NetworkSpec Spec, string Field, string Rule, string Message)> Refused = new()
    {
        ["gateway outside the cidr"] = (Spec(Subnet("a", "10.0.0.0/24"), Subnet("b", "10.0.1.0/24", "10.0.2.1")),
            "spec.subnets[1].gatewayIP", SubnetRules.GatewayInsideCidr, "10.0.2.1 is not inside 10.0.1.0/24"),
        ["gateway of the other family"] = (Spec(Subnet("a", "10.0.0.0/24", "fd00::1")),
            "spec.subnets[0].gatewayIP", SubnetRules.GatewayValid, "fd00::1 is not an IPv4 address (the cidr is 10.0.0.0/24)"),
        ["gateway is the network address"] = (Spec(Subnet("a", "10.0.0.0/24", "10.0.0.0")),
            "spec.subnets[0].gatewayIP", SubnetRules.GatewayNotNetworkOrBroadcast, "10.0.0.0 is the network address of 10.0.0.0/24"),
        ["gateway is the broadcast address"] = (Spec(Subnet("a", "10.0.0.0/24", "10.0.0.255")),
            "spec.subnets[0].gatewayIP", SubnetRules.GatewayNotNetworkOrBroadcast, "10.0.0.255 is the broadcast address of 10.0.0.0/24"),
        ["cidr with host bits"] = (Spec(Subnet("a", "10.0.0.5/24")),
            "spec.subnets[0].cidr", SubnetRules.CidrValid, "10.0.0.5/24 has host bits set; the network is 10.0.0.0/24"),
        ["cidr prefix too long"] = (Spec(Subnet("a", "10.0.0.0/33")),
            "spec.subnets[0].cidr", SubnetRules.CidrValid, "'33' is not a prefix length between 0 and 32"),
        ["pool outside the cidr"] = (Spec(Subnet("a", "10.0.0.0/24", null, ("10.0.0.10", "10.0.1.10"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolInsideCidr, "10.0.0.10-10.0.1.10 is not inside 10.0.0.0/24"),
        ["pool holds the gateway"] = (Spec(Subnet("a", "10.0.0.0/24", "10.0.0.50", ("10.0.0.10", "10.0.0.100"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolClearOfGateway, "10.0.0.10-10.0.0.100 contains the gateway 10.0.0.50"),
        ["pool holds the default gateway"] = (Spec(Subnet("a", "10.0.0.0/24", null, ("10.0.0.1", "10.0.0.100"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolClearOfGateway, "10.0.0.1-10.0.0.100 contains the default gateway 10.0.0.1 (set gatewayIP to move it)"),
        ["pool holds the broadcast address"] = (Spec(Subnet("a", "10.0.0.0/24", null, ("10.0.0.200", "10.0.0.255"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolClearOfNetworkAndBroadcast, "10.0.0.200-10.0.0.255 contains the broadcast address 10.0.0.255"),
        ["pool start after end"] = (Spec(Subnet("a", "10.0.0.0/24", null, ("10.0.0.90", "10.0.0.10"))),
            "spec.subnets[0].allocationPools[0]", SubnetRules.PoolValid, "10.0.0.90-10.0.0.10 is not a range of IPv4 addresses with start not after end"),
        ["pools overlap"] = (Spec(Subnet("a", "10.0.0.0/24", null, ("10.0.0.10", "10.0.0.50"), ("10.0.0.40", "10.0.0.60"))),
            "spec.subnets[0].allocationPools[1]", SubnetRules.PoolsDisjoint, "10.0.0.40-10.0.0.60 overlaps 10.0.0.10-10.0.0.50 of spec.subnets[0].allocationPools[0]"),
        ["subnets overlap"] = (Spec(Subnet("a", "10.0.0.0/16"), Subnet("b", "10.0.5.0/24")),
            "spec.subnets[1].cidr", SubnetRules.SubnetsDisjoint, "10.0.5.0/24 overlaps 10.0.0.0/16 of spec.subnets[0]"),
        ["IPv6 gateway outside"] = (Spec(Subnet("v6", "fd00:1::/64", "fd00:2::1")),
            "spec.subnets[0].gatewayIP", SubnetRules.GatewayInsideCidr, "fd00:2::1 is not inside fd00:1::/64"),
        ["IPv6 subnets overlap"] = (Spec(Subnet("a", "fd00::/48"), Subnet("b", "fd00:0:0:1::/64")),
            "spec.subnets[1].cidr", SubnetRules.SubnetsDisjoint, "fd00:0:0:1::/64 overlaps fd00::/48 of spec.subnets[0]"),
        ["duplicate subnet name"] = (Spec(Subnet("a", "10.0.0.0/24"), Subnet("a", "10.0.1.0/24")),
            "spec.subnets[1].name", SubnetRules.SubnetNameUnique, "a is already the name of spec.subnets[0]"),
        ["bad nameserver"] = (Spec(new Subnet { Name = "a", Cidr = "10.0.0.0/24", DnsNameservers = ["10.0.0.2", "dns.example"] }),
            "spec.subnets[0].dnsNameservers[1]", SubnetRules.NameserverValid, "'dns.example' is not an IP address"),
        ["host route nexthop of the other family"] = (Spec(new Subnet { Name = "a", Cidr = "10.0.0.0/24", HostRoutes = [new HostRoute { Destination = "192.168.0.0/16", Nexthop = "fd00::1" }] }),
            "spec.subnets[0].hostRoutes[0].nexthop", SubnetRules.HostRouteValid, "'fd00::1' is not an IPv4 address"),
    };

    public static TheoryData<string> RefusedCases => [.. Refused.Keys];

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void Refuses_with_the_field_path_and_rule(string name)
    {
        var (spec, field, rule, message) = Refused[name];
        var errors = NetworkSpecChecks.Check(spec);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(rule, error.Rule);
        Assert.Equal($"{field}: {message}", error.ToString());
    }

    public static TheoryData<string> AcceptedCases => [.. Accepted.Keys];

    private static readonly Dictionary<string, NetworkSpec> Accepted = new()
    {
        ["no subnets"] = new NetworkSpec(),
        ["defaults"] = Spec(Subnet("a", "10.0.0.0/24")),
        ["gateway and pools"] = Spec(Subnet("a", "10.0.0.0/24", "10.0.0.254", ("10.0.0.10", "10.0.0.99"), ("10.0.0.100", "10.0.0.200"))),
        ["two disjoint subnets, one IPv6"] = Spec(Subnet("a", "10.0.0.0/24"), Subnet("b", "fd00:1::/64", "fd00:1::1", ("fd00:1::10", "fd00:1::ffff"))),
        ["a /31 point-to-point subnet uses both addresses"] = Spec(Subnet("p2p", "10.9.0.0/31", "10.9.0.0", ("10.9.0.1", "10.9.0.1"))),
    };

    [Theory]
    [MemberData(nameof(AcceptedCases))]
    public void Accepts_valid_subnets(string name) => Assert.Empty(NetworkSpecChecks.Check(Accepted[name]));

    [Fact]
    public void Reports_every_broken_rule_not_just_the_first()
    {
        var errors = NetworkSpecChecks.Check(Spec(Subnet("a", "10.0.0.0/24", "10.1.0.1", ("10.0.0.0", "10.0.0.20"), ("10.0.0.15", "10.0.0.30"))));
        Assert.Equal([SubnetRules.GatewayInsideCidr, SubnetRules.PoolClearOfNetworkAndBroadcast, SubnetRules.PoolsDisjoint], errors.Select(e => e.Rule));
    }
}
