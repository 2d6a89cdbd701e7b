using System.Globalization;
using System.Text;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Kubectl.Cli;

/// <summary>
/// <c>kubectl kubecloud why</c>: why a server is where it is, from what the operator and the node wrote: phase and
/// task, the fault (nova's instance fault), every condition that is not True (the step it waits on, with reason and
/// message), then the server's Events, newest last.
/// </summary>
internal static class WhyReport
{
    public static string Render(Server server, IEnumerable<Eventsv1Event> events)
    {
        var status = server.Status;
        var text = new StringBuilder();
        var ns = server.Metadata.NamespaceProperty;
        text.Append(CultureInfo.InvariantCulture, $"Server {ns}/{server.Metadata.Name}: phase {status?.Phase?.ToString() ?? "(none yet: the operator has not seen it)"}");
        if (status?.TaskState is { } task)
        {
            text.Append(CultureInfo.InvariantCulture, $", task {task}");
        }

        if (status?.Node is { Length: > 0 } node)
        {
            text.Append(CultureInfo.InvariantCulture, $", on node {node}");
        }

        text.AppendLine();
        if (status?.Fault is { } fault)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Fault ({fault.Code}): {fault.Message}");
        }

        var waiting = (status?.Conditions ?? []).Where(c => c.Status != ConditionStatus.True).ToList();
        if (waiting.Count > 0)
        {
            text.AppendLine("Not yet:");
            foreach (var condition in waiting)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {condition.Type} {condition.Status} ({condition.Reason}){(string.IsNullOrEmpty(condition.Message) ? "" : ": " + condition.Message)}");
            }
        }
        else if (status?.Conditions is { Count: > 0 })
        {
            text.AppendLine("Every condition is True.");
        }

        var mine = events
            .Where(e => e.Regarding?.Kind == Server.KubeKind && e.Regarding.Name == server.Metadata.Name)
            .OrderBy(e => e.EventTime ?? e.DeprecatedLastTimestamp ?? e.Metadata.CreationTimestamp)
            .ToList();
        text.AppendLine(mine.Count == 0 ? "No events." : "Events:");
        foreach (var e in mine.TakeLast(20))
        {
            var count = e.Series?.Count ?? e.DeprecatedCount ?? 1;
            text.AppendLine(CultureInfo.InvariantCulture, $"  {e.Type} {e.Reason}{(count > 1 ? $" (x{count})" : "")}: {e.Note}");
        }

        return text.ToString();
    }
}
