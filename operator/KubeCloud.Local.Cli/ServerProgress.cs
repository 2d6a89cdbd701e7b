using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;

namespace KubeCloud.Local.Cli;

/// <summary>
/// Waits until the example servers are Active and their guests run on this host, printing a line whenever what a server
/// waits for changes (phase, task state, the Ready condition's reason and message while it is not True, the domain's state).
/// A stored Active phase from a previous run is not enough: the domain must be running too.
/// </summary>
internal sealed class ServerProgress(IKubeClient client, IHypervisorDriver driver, TextWriter progress)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public async Task WaitActiveAsync(IReadOnlyList<(string Namespace, string Name)> servers, CancellationToken cancellationToken)
    {
        var last = new Dictionary<(string, string), string>();
        var pending = servers.ToHashSet();
        while (pending.Count > 0)
        {
            foreach (var key in pending.ToList())
            {
                var (line, active) = await DescribeAsync(key.Namespace, key.Name, cancellationToken);
                if (!last.TryGetValue(key, out var before) || before != line)
                {
                    last[key] = line;
                    progress.WriteLine($"kubecloud-local: server {key.Namespace}/{key.Name}: {line}");
                }

                if (active)
                {
                    pending.Remove(key);
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
    }

    private async Task<(string Line, bool Active)> DescribeAsync(string ns, string name, CancellationToken cancellationToken)
    {
        Server server;
        try
        {
            server = await client.GetAsync<Server>(name, ns, cancellationToken);
        }
        catch (NotFoundException)
        {
            return ("not found (was it deleted?)", false);
        }

        var status = server.Status;
        var phase = status?.Phase?.ToString() ?? "Pending";
        var task = status?.TaskState is { } t ? $" ({t})" : string.Empty;
        var waiting = status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready && c.Status != ConditionStatus.True && !string.IsNullOrEmpty(c.Message)) is { } c
            ? $"; {c.Type} {c.Reason}: {c.Message}"
            : string.Empty;
        var domain = ServerDomainMapper.DomainName(server);
        var state = driver.Find(domain) is null ? "no domain yet" : $"domain {domain} {driver.GetStatus(domain).State.ToString().ToLowerInvariant()}";
        var active = status?.Phase == ServerPhase.Active && driver.Find(domain) is not null && driver.GetStatus(domain).State == DomainState.Running;
        return ($"{phase}{task}; {state}{waiting}", active);
    }
}
