using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.Operator.Quota;

namespace KubeCloud.Operator.Controllers.ProjectQuotas;

/// <summary>
/// The ProjectQuota controller: <c>status.used</c> counted from the namespace's objects on every pass
/// (<see cref="ProjectUsageCounter"/>: no counter to drift), kept current by watching every kind it counts; condition
/// <c>QuotaExceeded</c> True when the usage is past a limit already (a limit lowered under it), with an Event; Ready
/// True once counted. The operator owns the whole status.
/// </summary>
public sealed class ProjectQuotaReconciler(IKubeClient client, SharedInformerFactory informers, IEventRecorder events, TimeProvider time) : IReconciler<ProjectQuota>
{
    public const string ControllerName = "projectquota";

    public const string QuotaExceeded = "QuotaExceeded";

    /// <summary>For a change of anything a quota counts: every ProjectQuota of its namespace.</summary>
    public IEnumerable<ReconcileRequest> QuotasOf(IKubernetesObject<V1ObjectMeta> counted)
    {
        ArgumentNullException.ThrowIfNull(counted);
        return counted.Metadata?.NamespaceProperty is { Length: > 0 } ns
            ? informers.For<ProjectQuota>().Store.ListByNamespace(ns).Select(ReconcileRequest.For)
            : [];
    }

    /// <summary>For a Flavor's change (a server not scheduled yet counts its spec's flavor): every ProjectQuota.</summary>
    public IEnumerable<ReconcileRequest> AllQuotas(Flavor flavor) => informers.For<ProjectQuota>().Store.List().Select(ReconcileRequest.For);

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var quota = informers.For<ProjectQuota>().Store.Get(request.Namespace, request.Name);
        if (quota is null)
        {
            return ReconcileResult.Done;
        }

        var ns = request.Namespace!;
        var objects = new ProjectObjects(
            informers.For<Server>().Store.ListByNamespace(ns),
            informers.For<Volume>().Store.ListByNamespace(ns),
            informers.For<Network>().Store.ListByNamespace(ns),
            informers.For<Port>().Store.ListByNamespace(ns),
            informers.For<ServerGroup>().Store.ListByNamespace(ns));
        var flavors = informers.For<Flavor>().Store;
        var used = ProjectUsageCounter.Count(objects, name => flavors.Get(null, name));

        var now = time.GetUtcNow();
        var generation = quota.Metadata.Generation;
        var status = new ProjectQuotaStatus { Used = used.ToAmounts(), Conditions = Conditions.CopyOf(quota.Status), ObservedGeneration = generation };
        var over = QuotaCheck.Over(quota.Spec.Hard, used);
        if (over.Count == 0)
        {
            Conditions.Set(status, QuotaExceeded, ConditionStatus.False, "WithinLimits", "every resource is within its limit", generation, now);
        }
        else
        {
            var message = string.Join("; ", over.Select(e => e.Message)) + "; nothing more can be created until usage drops or the limit is raised";
            var wasOver = Conditions.IsTrue(quota.Status, QuotaExceeded);
            if (Conditions.Set(status, QuotaExceeded, ConditionStatus.True, "OverLimit", message, generation, now) && !wasOver)
            {
                events.Record(quota, EventTypes.Warning, "OverQuota", "CountUsage", message);
            }
        }

        Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.True, "Counted", "usage counted from the project's objects", generation, now);
        var current = new ProjectQuotaStatus { Used = quota.Status?.Used, Conditions = Conditions.CopyOf(quota.Status), ObservedGeneration = quota.Status?.ObservedGeneration };
        if (KubernetesJson.Serialize(current) != KubernetesJson.Serialize(status))
        {
            await client.ApplyStatusAsync(quota, status, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }
}
