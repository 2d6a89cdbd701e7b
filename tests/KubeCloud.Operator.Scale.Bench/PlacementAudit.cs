using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// The invariants of a run, checked from the objects alone: every server Active on one of the run's nodes (its
/// <c>kubecloud.io/node</c> label equal to <c>status.node</c>), and no node holding more than it has room for: per
/// Hypervisor the servers bound to it (<c>status.flavor</c>: vCPUs, memory, root disk) against its capacity as the
/// scheduler reads it (<see cref="HostStateFactory"/>: allocation ratios, reserved amounts, <c>maxInstances</c>, the
/// defaults of <see cref="SchedulerOptions.Default"/>).
/// </summary>
public static class PlacementAudit
{
    /// <summary>What is wrong, one line each; empty when the run holds.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyCollection<Server> servers, IReadOnlyCollection<Hypervisor> hypervisors)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(hypervisors);
        var problems = new List<string>();
        var hosts = hypervisors.ToDictionary(h => h.Metadata.Name, h => HostStateFactory.FromHypervisor(h, SchedulerOptions.Default, default, DateTimeOffset.UtcNow), StringComparer.Ordinal);
        foreach (var server in servers.Where(s => s.Status?.Phase != ServerPhase.Active))
        {
            problems.Add($"{Name(server)}: phase {server.Status?.Phase?.ToString() ?? "(none)"}{(server.Status?.Fault is { } fault ? ": " + fault.Message : string.Empty)}");
        }

        foreach (var server in servers.Where(s => s.Status?.Phase == ServerPhase.Active))
        {
            var node = server.Status!.Node;
            if (node is null || !hosts.ContainsKey(node))
            {
                problems.Add($"{Name(server)}: Active on {node ?? "no node"}, which is not one of the run's {hosts.Count} Hypervisors");
            }
            else if (NodeLabel(server) != node)
            {
                problems.Add($"{Name(server)}: status.node {node} but label {ApiGroup.NodeLabel}={NodeLabel(server) ?? "(none)"}");
            }

            if (server.Status.Flavor is null)
            {
                problems.Add($"{Name(server)}: Active without status.flavor");
            }
        }

        foreach (var group in servers.Where(s => s.Status?.Node is { } n && hosts.ContainsKey(n)).GroupBy(s => s.Status!.Node!, StringComparer.Ordinal))
        {
            var host = hosts[group.Key];
            var flavors = group.Select(s => s.Status!.Flavor).OfType<FlavorSnapshot>().ToList();
            var (vcpus, memoryMb, diskMb, count) = (flavors.Sum(f => (long)f.Vcpus), flavors.Sum(f => f.Memory.ToMebibytes()), flavors.Sum(f => f.RootDisk.ToMebibytes()), group.Count());
            Over(problems, group.Key, "instances", count, host.MaxInstances);
            Over(problems, group.Key, "vCPUs", vcpus, host.VcpuLimit);
            Over(problems, group.Key, "memory MiB", memoryMb, host.MemoryLimitMb);
            Over(problems, group.Key, "root disk MiB", diskMb, host.DiskLimitMb);
        }

        return problems;
    }

    /// <summary>Servers per node: fewest, most, and how many nodes hold any.</summary>
    public static string Spread(IReadOnlyCollection<Server> servers, IReadOnlyCollection<Hypervisor> hypervisors)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(hypervisors);
        var counts = hypervisors.Select(h => servers.Count(s => s.Status?.Node == h.Metadata.Name)).ToList();
        return counts.Count == 0 ? "no nodes" : $"{counts.Count(c => c > 0)} of {counts.Count} nodes hold servers, {counts.Min()} to {counts.Max()} each";
    }

    private static void Over(List<string> problems, string node, string what, long used, long limit)
    {
        if (used > limit)
        {
            problems.Add($"{node}: {used} {what} placed, room for {limit}");
        }
    }

    private static string? NodeLabel(Server server) =>
        server.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) ? node : null;

    private static string Name(Server server) => $"{server.Metadata.NamespaceProperty}/{server.Metadata.Name}";
}
