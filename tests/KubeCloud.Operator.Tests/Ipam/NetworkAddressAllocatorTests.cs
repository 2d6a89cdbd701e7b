using System.Collections.Concurrent;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Ipam;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Ipam;

public sealed class NetworkAddressAllocatorTests
{
    private static readonly Network TwoSubnets = Network("p1", "net",
        Subnet("v4", "10.0.0.0/24", null, ("10.0.0.10", "10.0.0.12")),
        Subnet("v6", "fd00:1::/64", "fd00:1::1", ("fd00:1::10", "fd00:1::ffff")));

    private static PortIdentity PortId(int i) => new("p1", $"port-{i}", $"port-uid-{i}");

    private static PortSpec Wants(params (string? Subnet, string? Address)[] ips) =>
        new() { NetworkRef = new NamespacedObjectReference { Name = "net" }, FixedIPs = [.. ips.Select(ip => new FixedIP { Subnet = ip.Subnet, IPAddress = ip.Address })] };

    [Fact]
    public void Five_hundred_concurrent_allocations_on_a_slash_24_pool_never_share_an_address_and_the_rest_are_refused()
    {
        var network = Network("p1", "slash24", Subnet("s", "10.0.0.0/24"));
        var allocator = new NetworkAddressAllocator(network);
        var granted = new ConcurrentBag<PortAddresses>();
        var refused = new ConcurrentBag<FieldError>();
        Parallel.For(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            var allocation = allocator.Allocate(PortId(i), new PortSpec());
            if (allocation.Succeeded)
            {
                granted.Add(allocation.Addresses!);
            }
            else
            {
                refused.Add(allocation.Error!);
            }
        });

        Assert.Equal(253, granted.Count);
        Assert.Equal(253, granted.Select(r => r.FixedIPs[0].Address).Distinct().Count());
        Assert.Equal(253, granted.Select(r => r.MacAddress).Distinct().Count());
        Assert.DoesNotContain(granted, g => g.FixedIPs[0].Address is "10.0.0.0" or "10.0.0.1" or "10.0.0.255");
        Assert.Equal(247, refused.Count);
        Assert.All(refused, e => Assert.Equal(IpamRules.SubnetExhausted, e.Rule));

        // Every port deleted, concurrently: all 253 addresses come back.
        Parallel.For(0, 500, i => allocator.Release($"port-uid-{i}"));
        Assert.Equal(0, allocator.Usage()[0].Used);
        var again = Enumerable.Range(500, 253).Select(i => allocator.Allocate(PortId(i), new PortSpec())).ToList();
        Assert.All(again, a => Assert.True(a.Succeeded));
    }

    [Fact]
    public void Five_hundred_concurrent_allocations_on_two_pools_all_succeed_without_a_duplicate()
    {
        var network = Network("p1", "big", Subnet("s", "10.0.0.0/23", "10.0.1.255", ("10.0.0.1", "10.0.0.254"), ("10.0.1.0", "10.0.1.253")));
        var allocator = new NetworkAddressAllocator(network);
        var results = new ConcurrentBag<PortAddresses>();
        Parallel.For(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            var allocation = allocator.Allocate(PortId(i), new PortSpec());
            Assert.True(allocation.Succeeded, allocation.Error?.ToString());
            results.Add(allocation.Addresses!);
        });

        Assert.Equal(500, results.Select(r => r.FixedIPs[0].Address).Distinct().Count());
        Assert.Equal(500, allocator.Usage()[0].Used);
    }

    [Fact]
    public void Exhaustion_names_the_network_and_subnet_and_addresses_come_back_after_release()
    {
        var network = Network("p1", "small", Subnet("s", "10.0.0.0/24", null, ("10.0.0.10", "10.0.0.209")));
        var allocator = new NetworkAddressAllocator(network);
        var taken = new ConcurrentBag<string>();
        Parallel.For(0, 260, i =>
        {
            if (allocator.Allocate(PortId(i), new PortSpec()) is { Succeeded: true } ok)
            {
                taken.Add(ok.Addresses!.FixedIPs[0].Address);
            }
        });

        Assert.Equal(200, taken.Count);
        Assert.Equal(200, taken.Distinct().Count());
        var refused = allocator.Allocate(PortId(1000), new PortSpec());
        Assert.Equal("spec.fixedIPs: no free address in subnet s (10.0.0.0/24) of network p1/small: all 200 addresses of its allocation pools are allocated", refused.Error!.ToString());
        Assert.Equal(IpamRules.SubnetExhausted, refused.Error.Rule);
        Assert.Null(allocator.AddressesOf("port-uid-1000"));

        var freed = allocator.AddressesOf("port-uid-7")!.FixedIPs[0].Address;
        Assert.True(allocator.Release("port-uid-7"));
        var again = allocator.Allocate(PortId(1000), new PortSpec());
        Assert.Equal(freed, again.Addresses!.FixedIPs[0].Address);
    }

    [Fact]
    public void A_released_address_is_not_handed_out_again_while_others_are_free()
    {
        var allocator = new NetworkAddressAllocator(Network("p1", "n", Subnet("s", "10.0.0.0/29")));
        var first = allocator.Allocate(PortId(1), new PortSpec()).Addresses!.FixedIPs[0].Address;
        allocator.Release("port-uid-1");
        var second = allocator.Allocate(PortId(2), new PortSpec()).Addresses!.FixedIPs[0].Address;
        Assert.Equal("10.0.0.2", first);
        Assert.Equal("10.0.0.3", second);
    }

    [Fact]
    public void Allocates_ipv4_and_ipv6_and_honours_requested_addresses_and_mac()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        var spec = Wants(("v4", null), ("v6", "fd00:1::abcd"), (null, "10.0.0.200"));
        spec.MacAddress = "FA:16:3E:AA:BB:CC";
        var allocation = allocator.Allocate(PortId(1), spec);
        Assert.True(allocation.Succeeded, allocation.Error?.ToString());
        Assert.Equal("fa:16:3e:aa:bb:cc", allocation.Addresses!.MacAddress);
        Assert.Equal([new AssignedIP("v4", "10.0.0.10"), new AssignedIP("v6", "fd00:1::abcd"), new AssignedIP("v4", "10.0.0.200")], allocation.Addresses.FixedIPs);
    }

    [Fact]
    public void An_any_address_entry_never_takes_the_address_a_later_entry_names()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        var allocation = allocator.Allocate(PortId(1), Wants(("v4", null), ("v4", "10.0.0.10")));
        Assert.True(allocation.Succeeded, allocation.Error?.ToString());
        Assert.Equal([new AssignedIP("v4", "10.0.0.11"), new AssignedIP("v4", "10.0.0.10")], allocation.Addresses!.FixedIPs);
    }

    [Fact]
    public void Allocates_ipv6_from_the_pool_in_order_and_in_canonical_form()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        var addresses = Enumerable.Range(0, 3).Select(i => allocator.Allocate(PortId(i), Wants(("v6", null))).Addresses!.FixedIPs[0].Address);
        Assert.Equal(["fd00:1::10", "fd00:1::11", "fd00:1::12"], addresses);
        Assert.Equal(new SubnetUsage("v6", 3, 0xfff0), allocator.Usage()[1]);
    }

    private static readonly Dictionary<string, (PortSpec Spec, string Error, string Rule)> Refusals = new()
    {
        ["unknown subnet"] = (Wants(("nope", null)), "spec.fixedIPs[0].subnet: network p1/net has no subnet nope (it has v4, v6)", IpamRules.SubnetExists),
        ["address outside its subnet"] = (Wants(("v4", "10.0.1.5")), "spec.fixedIPs[0].ipAddress: 10.0.1.5 is not inside subnet v4 (10.0.0.0/24)", IpamRules.AddressInsideSubnet),
        ["address outside every subnet"] = (Wants((null, "192.168.0.1")), "spec.fixedIPs[0].ipAddress: 192.168.0.1 is not inside any subnet of network p1/net (10.0.0.0/24, fd00:1::/64)", IpamRules.AddressInsideSubnet),
        ["the gateway"] = (Wants(("v4", "10.0.0.1")), "spec.fixedIPs[0].ipAddress: 10.0.0.1 is the gateway of subnet v4 (10.0.0.0/24)", IpamRules.AddressNotGateway),
        ["the ipv6 gateway"] = (Wants(("v6", "fd00:1::1")), "spec.fixedIPs[0].ipAddress: fd00:1::1 is the gateway of subnet v6 (fd00:1::/64)", IpamRules.AddressNotGateway),
        ["the broadcast address"] = (Wants(("v4", "10.0.0.255")), "spec.fixedIPs[0].ipAddress: 10.0.0.255 is the network or broadcast address of subnet v4 (10.0.0.0/24)", IpamRules.AddressNotNetworkOrBroadcast),
        ["taken by another port"] = (Wants(("v4", "10.0.0.50")), "spec.fixedIPs[0].ipAddress: 10.0.0.50 is already allocated to another port on network p1/net", IpamRules.AddressFree),
        ["taken, second entry"] = (Wants(("v6", null), ("v4", "10.0.0.50")), "spec.fixedIPs[1].ipAddress: 10.0.0.50 is already allocated to another port on network p1/net", IpamRules.AddressFree),
        ["not an address"] = (Wants(("v4", "10.0.0")), "spec.fixedIPs[0].ipAddress: '10.0.0' is not an IP address", IpamRules.AddressValid),
        ["mac taken"] = (new PortSpec { MacAddress = "fa:16:3e:00:00:50" }, "spec.macAddress: fa:16:3e:00:00:50 is already used by another port on the network", IpamRules.MacAddressFree),
        ["mac multicast"] = (new PortSpec { MacAddress = "03:16:3e:00:00:50" }, "spec.macAddress: 03:16:3e:00:00:50 is a multicast address (the lowest bit of the first octet is set); a port needs a unicast MAC", IpamRules.MacAddressValid),
    };

    public static TheoryData<string> RefusalCases => [.. Refusals.Keys];

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void Refuses_naming_the_field_and_takes_nothing(string name)
    {
        var (spec, error, rule) = Refusals[name];
        var taken = Wants(("v4", "10.0.0.50"));
        taken.MacAddress = "fa:16:3e:00:00:50";
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        Assert.True(allocator.Allocate(PortId(0), taken).Succeeded);
        var before = allocator.Usage();

        var refused = allocator.Allocate(PortId(1), spec);

        Assert.Equal(error, refused.Error!.ToString());
        Assert.Equal(rule, refused.Error.Rule);
        Assert.Equal(before, allocator.Usage());
        Assert.Null(allocator.AddressesOf("port-uid-1"));
    }

    [Fact]
    public void A_port_asking_again_gets_what_it_holds()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        var first = allocator.Allocate(PortId(1), new PortSpec()).Addresses;
        var second = allocator.Allocate(PortId(1), new PortSpec()).Addresses;
        Assert.Same(first, second);
        Assert.Equal(1, allocator.Usage()[0].Used);
    }

    [Fact]
    public void Check_is_a_dry_run()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        Assert.True(allocator.Check(PortId(1), Wants(("v4", "10.0.0.60"))).Succeeded);
        Assert.True(allocator.Allocate(PortId(2), Wants(("v4", "10.0.0.60"))).Succeeded);
        Assert.Equal(IpamRules.AddressFree, allocator.Check(PortId(3), Wants(("v4", "10.0.0.60"))).Error!.Rule);
    }

    [Fact]
    public void Only_committed_allocations_are_in_the_snapshot_a_restart_would_rebuild()
    {
        var allocator = new NetworkAddressAllocator(TwoSubnets);
        allocator.Allocate(PortId(1), new PortSpec());
        allocator.Allocate(PortId(2), new PortSpec());
        Assert.True(allocator.Commit("port-uid-1"));
        Assert.Equal(["port-uid-1"], allocator.Snapshot().Keys);
        Assert.Equal(2, allocator.Snapshot(includePending: true).Count);
        Assert.False(allocator.Commit("port-uid-9"));
    }

    [Fact]
    public void Rebuild_keeps_the_older_port_when_two_statuses_claim_one_address()
    {
        var older = PortHolding("p1", "older", "net", "fa:16:3e:00:00:01", ("v4", "10.0.0.10"));
        var younger = PortHolding("p1", "younger", "net", "fa:16:3e:00:00:02", ("v4", "10.0.0.10"));
        var allocator = NetworkAddressAllocator.Rebuild(TwoSubnets, [younger, older], out var conflicts);
        Assert.Equal(["younger"], conflicts.Select(c => c.Name));
        Assert.Equal("10.0.0.10", allocator.AddressesOf(older.Metadata.Uid!)!.FixedIPs[0].Address);
        Assert.Null(allocator.AddressesOf(younger.Metadata.Uid!));
        // The loser's MAC was given back too, so it can be allocated again.
        Assert.False(allocator.Check(PortId(5), new PortSpec { MacAddress = "fa:16:3e:00:00:02" }).Error is not null);
    }
}
