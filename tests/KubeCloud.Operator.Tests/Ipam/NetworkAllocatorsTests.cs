using System.Collections.Concurrent;
using KubeCloud.Operator.Ipam;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Ipam;

public sealed class NetworkAllocatorsTests
{
    [Fact]
    public void Each_network_is_rebuilt_once_however_many_reconciles_ask_at_once()
    {
        var network = Network("p1", "net", Subnet("s", "10.0.0.0/24"));
        var held = PortHolding("p1", "old", "net", "fa:16:3e:00:00:01", ("s", "10.0.0.2"));
        var allocators = new NetworkAllocators();
        var rebuilds = 0;
        var seen = new ConcurrentBag<NetworkAddressAllocator>();
        Parallel.For(0, 32, i => seen.Add(allocators.For(network, () =>
        {
            Interlocked.Increment(ref rebuilds);
            return [held];
        }, out _)));

        Assert.Equal(1, rebuilds);
        Assert.Single(seen.Distinct());
        Assert.Equal("10.0.0.2", seen.First().AddressesOf(held.Metadata.Uid!)!.FixedIPs[0].Address);
        Assert.True(allocators.Remove(network.Metadata.Uid!));
        Assert.Equal(0, allocators.Count);
    }
}
