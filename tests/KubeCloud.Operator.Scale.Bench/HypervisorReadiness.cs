using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>Real node daemons have started once their Hypervisors report (the daemons' first heartbeats).</summary>
public static class HypervisorReadiness
{
    /// <summary>Waits until every Hypervisor of <paramref name="nodes"/> reports Ready with its capacity (the daemons' first heartbeats).</summary>
    public static async Task WaitAsync(IKubeClient client, IReadOnlyCollection<string> nodes, TimeSpan timeout, CancellationToken cancellationToken, Func<string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(nodes);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var ready = ((await client.ListAsync<Hypervisor>(cancellationToken: cancellationToken)).Items ?? [])
                .Count(h => nodes.Contains(h.Metadata.Name) && h.Status?.Capacity is not null && Conditions.IsTrue(h.Status, ConditionTypes.Ready));
            if (ready == nodes.Count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node daemons: {ready} of {nodes.Count} Hypervisors Ready within {timeout.TotalSeconds:F0} s{(describe is null ? string.Empty : ":\n" + describe())}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }
}
