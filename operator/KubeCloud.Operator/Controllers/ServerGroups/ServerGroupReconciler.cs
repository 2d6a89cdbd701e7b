using k8s;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.Operator.Controllers.ServerGroups;

/// <summary>
/// The ServerGroup controller: <c>status.members</c> are the Servers whose <c>spec.schedulerHints.serverGroup</c> names
/// the group (an index, never a scan), and the condition <c>PolicySatisfied</c> says whether the placed members keep
/// the policy (<see cref="ServerGroupPolicyCheck"/>), with an Event when it breaks. Ready is True once the members are
/// counted. The operator owns the whole status.
/// </summary>
public sealed class ServerGroupReconciler(IKubeClient client, SharedInformerFactory informers, IEventRecorder events, TimeProvider time) : IReconciler<ServerGroup>
{
    public const string ControllerName = "servergroup";

    /// <summary>Servers by <c>namespace/group</c> of the group their scheduler hints name.</summary>
    public const string ServersByGroup = "kubecloud.io/servers-by-group";

    public const string PolicySatisfied = "PolicySatisfied";

    public static void AddIndexes(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        informers.For<Server>().AddIndex(ServersByGroup, s => [s.Spec.SchedulerHints?.ServerGroup is { Length: > 0 } g ? $"{s.Metadata.NamespaceProperty}/{g}" : null]);
    }

    /// <summary>For a Server's change: the group it names (the hint is immutable, so the old group is the same).</summary>
    public static IEnumerable<ReconcileRequest> GroupOf(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Spec.SchedulerHints?.ServerGroup is { Length: > 0 } group ? [new ReconcileRequest(server.Metadata.NamespaceProperty, group)] : [];
    }

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var group = informers.For<ServerGroup>().Store.Get(request.Namespace, request.Name);
        if (group is null)
        {
            return ReconcileResult.Done;
        }

        var now = time.GetUtcNow();
        var generation = group.Metadata.Generation;
        var members = informers.For<Server>().Store.ByIndex(ServersByGroup, $"{request.Namespace}/{request.Name}");
        var status = new ServerGroupStatus
        {
            Members = [.. members.Select(m => m.Metadata.Name).Order(StringComparer.Ordinal)],
            Conditions = Conditions.CopyOf(group.Status),
        };
        var violation = ServerGroupPolicyCheck.Check(group.Spec, members);
        var wasViolated = Conditions.Find(group.Status, PolicySatisfied)?.Status == ConditionStatus.False;
        if (violation is null)
        {
            var how = group.Spec.Policy is ServerGroupPolicy.SoftAffinity or ServerGroupPolicy.SoftAntiAffinity ? "a soft policy is a preference the weighers follow" : "the placed members keep the policy";
            Conditions.Set(status, PolicySatisfied, ConditionStatus.True, "Satisfied", how, generation, now);
        }
        else if (Conditions.Set(status, PolicySatisfied, ConditionStatus.False, violation.Reason, violation.Message, generation, now) && !wasViolated)
        {
            events.Record(group, EventTypes.Warning, violation.Reason, "CheckPolicy", violation.Message);
        }

        Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.True, "MembersCounted", $"{status.Members.Count} member(s)", generation, now);
        status.ObservedGeneration = generation;
        if (KubernetesJson.Serialize(Mine(group.Status)) != KubernetesJson.Serialize(status))
        {
            await client.ApplyStatusAsync(group, status, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    private static ServerGroupStatus Mine(ServerGroupStatus? current) => new()
    {
        Members = current?.Members ?? [],
        Conditions = Conditions.CopyOf(current),
        ObservedGeneration = current?.ObservedGeneration,
    };

}
