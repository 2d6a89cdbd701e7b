using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers.Ports;

namespace KubeCloud.Operator.IntegrationTests.Networking;

/// <summary>Builders and reads for the networking tests: networks, ports and what their statuses say.</summary>
internal static class NetworkObjects
{
    public const string Project = "project-a";

    public static Network Network(string name, params Subnet[] subnets) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Project },
        Spec = new NetworkSpec { Subnets = [.. subnets] },
    };

    public static Subnet Subnet(string name, string cidr, string? gateway = null) => new() { Name = name, Cidr = cidr, GatewayIP = gateway };

    public static Port Port(string name, string network, params FixedIP[] fixedIPs) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Project },
        Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = network }, FixedIPs = fixedIPs.Length == 0 ? null : [.. fixedIPs] },
    };

    public static async Task<IReadOnlyList<Port>> PortsAsync(IKubeClient client) => (await client.Resource<Port>(Project).ListAsync()).Items ?? [];

    public static Condition? Ready(IHasConditions? status) => Conditions.Find(status, ConditionTypes.Ready);

    public static bool Allocated(Port port) => Ready(port.Status) is { Status: ConditionStatus.True, Reason: PortReasons.Allocated } && port.Status?.MacAddress is not null;

    /// <summary>Allocated, or refused for the reason given, each for the port's current generation: the port's reconcile has converged.</summary>
    public static bool Settled(Port port, string refusal) =>
        Ready(port.Status) is { } ready && ready.ObservedGeneration == port.Metadata.Generation && (Allocated(port) || ready.Reason == refusal);

    /// <summary>Every address and MAC recorded in the ports' statuses is recorded once.</summary>
    public static void AssertNoDuplicates(IEnumerable<Port> ports)
    {
        var allocated = ports.Where(p => p.Status?.MacAddress is not null).ToList();
        var macs = allocated.Select(p => p.Status!.MacAddress!).ToList();
        var ips = allocated.SelectMany(p => p.Status!.FixedIPs ?? []).Select(ip => $"{ip.Subnet}/{ip.IPAddress}").ToList();
        Assert.Equal(macs.Count, macs.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ips.Count, ips.Distinct(StringComparer.Ordinal).Count());
        Assert.All(allocated, p => Assert.NotEmpty(p.Status!.FixedIPs ?? []));
    }
}
