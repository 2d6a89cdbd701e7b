using KubeCloud.Operator.Ipam;

namespace KubeCloud.Operator.Tests.Ipam;

public sealed class MacAddressAllocatorTests
{
    private static Func<ulong> Script(params ulong[] values)
    {
        var i = 0;
        return () => values[Math.Min(i++, values.Length - 1)];
    }

    [Fact]
    public void Allocates_in_the_default_prefix_from_the_random_source()
    {
        var allocator = new MacAddressAllocator(random: Script(0x0102_0304_0506));
        Assert.Equal("fa:16:3e:04:05:06", allocator.Allocate());
    }

    [Fact]
    public void A_configured_prefix_keeps_its_octets()
    {
        var allocator = new MacAddressAllocator("02:aa:bb:cc", Script(0xffff_ffff));
        Assert.Equal("02:aa:bb:cc:ff:ff", allocator.Allocate());
    }

    [Fact]
    public void A_collision_draws_again_and_a_full_prefix_gives_null()
    {
        var allocator = new MacAddressAllocator("02:00:00:00:00", Script(7, 7, 7));
        Assert.Equal("02:00:00:00:00:07", allocator.Allocate());
        var all = Enumerable.Range(0, 255).Select(_ => allocator.Allocate()).ToList();
        Assert.Equal(255, all.Distinct().Count());
        Assert.DoesNotContain(null, all);
        Assert.Null(allocator.Allocate());
    }

    [Theory]
    [InlineData("multicast", "01:00:5e:00:00:01", "01:00:5e:00:00:01 is a multicast address (the lowest bit of the first octet is set); a port needs a unicast MAC")]
    [InlineData("broadcast", "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff is a multicast address (the lowest bit of the first octet is set); a port needs a unicast MAC")]
    [InlineData("all zero", "00:00:00:00:00:00", "00:00:00:00:00:00 is the all-zero address")]
    [InlineData("five octets", "fa:16:3e:00:01", "'fa:16:3e:00:01' is not a MAC address (six colon-separated hex octets)")]
    [InlineData("taken, other case", "FA:16:3E:00:00:01", "FA:16:3E:00:00:01 is already used by another port on the network")]
    public void Refuses_a_requested_mac(string name, string mac, string reason)
    {
        Assert.NotNull(name);
        var allocator = new MacAddressAllocator();
        Assert.Null(allocator.TryTake("fa:16:3e:00:00:01"));
        Assert.Equal(reason, allocator.TryTake(mac));
    }

    [Theory]
    [InlineData("01:16:3e")]
    [InlineData("fa:16:3e:00:00:00")]
    [InlineData("fa-16-3e")]
    public void Refuses_a_bad_prefix(string prefix) =>
        Assert.Throws<ArgumentException>(() => new MacAddressAllocator(prefix));

    [Fact]
    public void Release_frees_the_mac()
    {
        var allocator = new MacAddressAllocator();
        Assert.Null(allocator.TryTake("fa:16:3e:00:00:01"));
        Assert.True(allocator.Release("fa:16:3e:00:00:01"));
        Assert.Null(allocator.TryTake("fa:16:3e:00:00:01"));
    }
}
