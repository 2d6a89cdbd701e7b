using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers.Networks;
using Microsoft.Extensions.DependencyInjection;
using static KubeCloud.Operator.IntegrationTests.Networking.NetworkObjects;

namespace KubeCloud.Operator.IntegrationTests.Networking;

/// <summary>One cluster and operator (VNI range 5000-5009) for the table of network cases.</summary>
public sealed class NetworkCluster : IAsyncLifetime
{
    public OperatorCluster Cluster { get; private set; } = null!;

    public KubeClient Client { get; private set; } = null!;

    public RunningOperator Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await OperatorCluster.StartAsync();
        Client = Cluster.NewClient();
        Operator = await Cluster.StartOperatorAsync(s => (s.VniRangeFirst, s.VniRangeLast) = (5000, 5009));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}

/// <summary>The Network controller against the local API server: subnet checks, segments, usage, deletion.</summary>
public sealed class NetworkControllerTests(NetworkCluster fixture) : IClassFixture<NetworkCluster>
{
    public static TheoryData<string, Func<Network, Network>, ConditionStatus, string, string, int?> Cases => new()
    {
        { "vxlan gets a VNI from the range", n => n, ConditionStatus.True, NetworkReasons.Ready, "vxlan VNI 500", null },
        { "vxlan keeps an admin's VNI outside the range", n => With(n, s => s.SegmentationId = 777_777), ConditionStatus.True, NetworkReasons.Ready, "vxlan VNI 777777, subnets 10.0.0.0/24", 777_777 },
        {
            "vlan keeps its ID", n => With(n, s => (s.ProviderType, s.SegmentationId, s.PhysicalNetwork) = (ProviderType.Vlan, 42, "physnet1")),
            ConditionStatus.True, NetworkReasons.Ready, "vlan 42 on physnet1, subnets 10.0.0.0/24", 42
        },
        {
            "flat has no segment", n => With(n, s => (s.ProviderType, s.PhysicalNetwork) = (ProviderType.Flat, "physnet1")),
            ConditionStatus.True, NetworkReasons.Ready, "flat on physnet1, subnets 10.0.0.0/24", null
        },
        {
            "gateway outside its cidr", n => With(n, s => s.Subnets![0].GatewayIP = "10.0.1.1"),
            ConditionStatus.False, NetworkReasons.SubnetsInvalid, "spec.subnets[0].gatewayIP: 10.0.1.1 is not inside 10.0.0.0/24", null
        },
        {
            "overlapping subnets", n => With(n, s => s.Subnets = [Subnet("a", "10.0.0.0/24"), Subnet("b", "10.0.0.128/25", "10.0.0.200")]),
            ConditionStatus.False, NetworkReasons.SubnetsInvalid,
            "spec.subnets[1].cidr: 10.0.0.128/25 overlaps 10.0.0.0/24 of spec.subnets[0]", null
        },
        {
            "every broken rule is listed", n => With(n, s => (s.Subnets![0].GatewayIP, s.Subnets[0].AllocationPools) = ("10.0.1.1", [new AllocationPool { Start = "10.0.2.1", End = "10.0.2.5" }])),
            ConditionStatus.False, NetworkReasons.SubnetsInvalid,
            "spec.subnets[0].gatewayIP: 10.0.1.1 is not inside 10.0.0.0/24; spec.subnets[0].allocationPools[0]: 10.0.2.1-10.0.2.5 is not inside 10.0.0.0/24", null
        },
        {
            "pool containing the default gateway", n => With(n, s => s.Subnets![0].AllocationPools = [new AllocationPool { Start = "10.0.0.1", End = "10.0.0.20" }]),
            ConditionStatus.False, NetworkReasons.SubnetsInvalid,
            "spec.subnets[0].allocationPools[0]: 10.0.0.1-10.0.0.20 contains the default gateway 10.0.0.1 (set gatewayIP to move it)", null
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_network_is_checked_and_given_its_segment(string name, Func<Network, Network> build, ConditionStatus ready, string reason, string message, int? segmentationId)
    {
        var networkName = new string([.. name.ToLowerInvariant().Replace(' ', '-').Where(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')]);
        await fixture.Client.CreateAsync(build(Network(networkName, Subnet("s", "10.0.0.0/24"))));
        Network network = null!;
        await OperatorCluster.EventuallyAsync(async () => Ready((network = await fixture.Client.GetAsync<Network>(networkName, Project)).Status) is { } c && c.Reason == reason,
            $"{name}: Ready reason {reason}");

        var condition = Ready(network.Status)!;
        Assert.Equal(ready, condition.Status);
        Assert.Contains(message, condition.Message, StringComparison.Ordinal);
        Assert.Equal(network.Metadata.Generation, network.Status!.ObservedGeneration);
        if (network.Spec.ProviderType == ProviderType.Vxlan && segmentationId is null)
        {
            Assert.InRange(network.Status.SegmentationId!.Value, 5000, 5009);
        }
        else
        {
            Assert.Equal(segmentationId, network.Status.SegmentationId);
        }

        if (ready == ConditionStatus.True)
        {
            Assert.Equal([("s", 0L, 253L)], network.Status.Subnets!.Select(s => (s.Name, s.UsedIPs, s.TotalIPs)));
        }
        else
        {
            await OperatorCluster.EventuallyAsync(async () => (await fixture.Client.ListAsync<k8s.Models.Eventsv1Event>(Project)).Items!
                .Any(e => e.Regarding?.Name == networkName && e.Reason == reason && e.Note!.Contains(message, StringComparison.Ordinal)), $"{name}: a Warning Event {reason}");
        }
    }

    [Fact]
    public async Task A_deleted_network_waits_for_its_ports_before_it_releases_its_VNI()
    {
        await fixture.Client.CreateAsync(Network("doomed", Subnet("s", "10.20.0.0/24")));
        await fixture.Client.CreateAsync(Port("doomed-port", "doomed"));
        await OperatorCluster.EventuallyAsync(async () => Allocated(await fixture.Client.GetAsync<Port>("doomed-port", Project)), "the port allocated");
        Network network = null!;
        await OperatorCluster.EventuallyAsync(async () => (network = await fixture.Client.GetAsync<Network>("doomed", Project)).Status?.Subnets?.Single().UsedIPs == 1,
            "the network counts the port's address");
        var vni = network.Status!.SegmentationId!.Value;
        using (var http = new HttpClient { BaseAddress = fixture.Operator.HealthEndpoint })
        {
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("kubecloud_ipam_addresses{network=\"project-a/doomed\",subnet=\"s\",state=\"used\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("kubecloud_ipam_addresses{network=\"project-a/doomed\",subnet=\"s\",state=\"total\"} 253", metrics, StringComparison.Ordinal);
        }

        await fixture.Client.DeleteAsync<Network>("doomed", Project);
        await OperatorCluster.EventuallyAsync(async () => Ready((network = await fixture.Client.GetAsync<Network>("doomed", Project)).Status)?.Reason == NetworkReasons.PortsRemain,
            "the network waits for its port");
        Assert.Contains("waiting for 1 port(s) to be deleted (doomed-port)", Ready(network.Status)!.Message, StringComparison.Ordinal);
        var segments = fixture.Operator.Services.GetRequiredService<SegmentationIds>();
        Assert.Equal(network.Metadata.Uid, segments.Allocator.HolderOf(vni));

        await fixture.Client.DeleteAsync<Port>("doomed-port", Project);
        await OperatorCluster.EventuallyAsync(async () => !(await fixture.Client.ListAsync<Network>(Project)).Items!.Any(n => n.Metadata.Name == "doomed"), "the network is gone");
        Assert.Null(segments.Allocator.HolderOf(vni));
    }

    private static Network With(Network network, Action<NetworkSpec> change)
    {
        change(network.Spec);
        return network;
    }
}
