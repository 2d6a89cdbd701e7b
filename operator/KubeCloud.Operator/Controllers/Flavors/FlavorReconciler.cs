using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.Operator.Controllers.Flavors;

/// <summary>
/// The Flavor controller: Ready once the sizes make sense (<see cref="FlavorChecks"/>), False naming the field
/// otherwise; a private flavor that lists no project is Ready with the reason <see cref="PrivateWithoutProjects"/> and a
/// Warning Event, since only admins can use it. A flavor holds nothing outside itself: no finalizer.
/// </summary>
public sealed class FlavorReconciler(IKubeClient client, SharedInformerFactory informers, IEventRecorder events, TimeProvider time) : IReconciler<Flavor>
{
    public const string ReadyReason = "Ready";
    public const string InvalidReason = "Invalid";
    public const string PrivateWithoutProjects = "PrivateWithoutProjects";

    private static readonly string[] OwnedFields = ["observedGeneration"];

    private readonly IIndexer<Flavor> _flavors = informers.For<Flavor>().Store;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var flavor = _flavors.Get(request.Namespace, request.Name);
        if (flavor is null || flavor.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var errors = FlavorChecks.Check(flavor.Spec);
        var (ready, reason, message) = errors.Count > 0
            ? (ConditionStatus.False, InvalidReason, string.Join("; ", errors))
            : !flavor.Spec.Public && (flavor.Spec.Projects ?? []).Count == 0
                ? (ConditionStatus.True, PrivateWithoutProjects, "the flavor is private and spec.projects lists no namespace: only admins can use it")
                : (ConditionStatus.True, ReadyReason, $"{flavor.Spec.Vcpus} vCPUs, {flavor.Spec.Memory} memory, {flavor.Spec.RootDisk} root disk");
        var status = new FlavorStatus { Conditions = Conditions.CopyOf(flavor.Status, type => type == ConditionTypes.Ready) };
        Conditions.Set(status, ConditionTypes.Ready, ready, reason, message, flavor.Metadata.Generation, time.GetUtcNow());
        if (!OwnedStatus.Differs(flavor.Status, status, OwnedFields))
        {
            return ReconcileResult.Done;
        }

        var before = Conditions.Find(flavor.Status, ConditionTypes.Ready)?.Reason;
        await client.ApplyStatusAsync(flavor, status, cancellationToken).ConfigureAwait(false);
        if (before != reason && reason != ReadyReason)
        {
            events.Record(flavor, EventTypes.Warning, reason, "Check", message);
        }

        return ReconcileResult.Done;
    }
}
