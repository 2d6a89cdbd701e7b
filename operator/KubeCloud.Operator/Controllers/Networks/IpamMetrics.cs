using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.Operator.Ipam;
using Prometheus;

namespace KubeCloud.Operator.Controllers.Networks;

/// <summary>
/// IPAM pool usage, <c>kubecloud_ipam_addresses{network="ns/name",subnet,state="used|total"}</c>, in the runtime's
/// registry (<see cref="RuntimeMetrics.Registry"/>, served at /metrics), set by the Network controller from the
/// allocators each time it reconciles a network, and removed when the network is gone.
/// </summary>
public static class IpamMetrics
{
    public static Gauge Addresses { get; } = Metrics.WithCustomRegistry(RuntimeMetrics.Registry).CreateGauge(
        "kubecloud_ipam_addresses", "Addresses of a subnet's allocation pools: state=used (held by ports) or total.", ["network", "subnet", "state"]);

    public static void Set(string network, IEnumerable<SubnetUsage> usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        foreach (var subnet in usage)
        {
            Addresses.WithLabels(network, subnet.Subnet, "used").Set(subnet.Used);
            Addresses.WithLabels(network, subnet.Subnet, "total").Set((double)subnet.PoolSize);
        }
    }

    public static void Remove(string network, IEnumerable<string> subnets)
    {
        ArgumentNullException.ThrowIfNull(subnets);
        foreach (var subnet in subnets)
        {
            Addresses.RemoveLabelled(network, subnet, "used");
            Addresses.RemoveLabelled(network, subnet, "total");
        }
    }
}
