using KubeCloud.Operator.Networking;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Networking;

public sealed class SubnetAddressingTests
{
    [Theory]
    [InlineData("10.0.0.0/24", null, "10.0.0.1", "10.0.0.2-10.0.0.254", 253)]
    [InlineData("10.0.0.0/24", "10.0.0.254", "10.0.0.254", "10.0.0.1-10.0.0.253", 253)]
    [InlineData("10.0.0.0/24", "10.0.0.100", "10.0.0.100", "10.0.0.1-10.0.0.99,10.0.0.101-10.0.0.254", 253)]
    [InlineData("10.0.0.0/30", null, "10.0.0.1", "10.0.0.2-10.0.0.2", 1)]
    [InlineData("fd00::/120", null, "fd00::1", "fd00::2-fd00::ff", 254)]
    public void Default_pools_are_the_cidr_less_network_gateway_and_ipv4_broadcast(string cidr, string? gateway, string expectedGateway, string pools, int size)
    {
        var addressing = SubnetAddressing.From(Subnet("a", cidr, gateway));
        Assert.Equal(expectedGateway, addressing.Address(addressing.Gateway!.Value).ToString());
        Assert.Equal(pools, string.Join(",", addressing.Pools));
        Assert.Equal((UInt128)size, addressing.PoolSize);
    }
}
