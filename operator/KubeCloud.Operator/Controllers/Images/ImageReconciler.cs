using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.Operator.Controllers.Images;

/// <summary>
/// The Image controller (Glance's image API without its store): checks that the source answers and says how large the
/// file is (<see cref="ImageSourceProbe"/>): phase Available, status.size and Ready True; otherwise Ready False with the
/// probe's reason, phase Error (not found, refused, no size) or Pending (unreachable), retried with backoff. The source
/// is immutable, so an image once Available is not asked again. A shared image's <c>sharedWith</c> is checked against
/// the namespaces that exist (condition <see cref="SharedCondition"/>). The node daemons own <c>status.nodes</c>.
/// </summary>
public sealed class ImageReconciler(IKubeClient client, SharedInformerFactory informers, ImageSourceProbe probe, IEventRecorder events, TimeProvider time) : IReconciler<Image>
{
    /// <summary>The condition saying whether every namespace of <c>sharedWith</c> exists (only on shared images).</summary>
    public const string SharedCondition = "Shared";
    public const string SharedReason = "Shared";
    public const string NamespaceNotFound = "NamespaceNotFound";

    /// <summary>Images by each namespace of <c>spec.sharedWith</c>.</summary>
    public const string BySharedWith = "kubecloud.io/shared-with";

    private static readonly string[] OwnedFields = ["phase", "size", "observedGeneration"];

    private readonly IIndexer<Image> _images = Indexed(informers);
    private readonly IIndexer<V1Namespace> _namespaces = informers.For<V1Namespace>().Store;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var image = _images.Get(request.Namespace, request.Name);
        if (image is null || image.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var status = new ImageStatus { Conditions = Conditions.CopyOf(image.Status, type => type is ConditionTypes.Ready or SharedCondition) };
        var now = time.GetUtcNow();
        var generation = image.Metadata.Generation;
        ImageSourceAnswer? answer = null;
        if (image.Status is { Phase: ImagePhase.Available, Size: { } size })
        {
            (status.Phase, status.Size) = (ImagePhase.Available, size);
            Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.True, ImageSourceProbe.Available, Conditions.Find(image.Status, ConditionTypes.Ready)?.Message, generation, now);
        }
        else
        {
            answer = await probe.ProbeAsync(image.Spec.Source.Url, cancellationToken).ConfigureAwait(false);
            status.Phase = answer.Available ? ImagePhase.Available : answer.Transient ? ImagePhase.Pending : ImagePhase.Error;
            status.Size = answer.Size;
            Conditions.Set(status, ConditionTypes.Ready, answer.Available ? ConditionStatus.True : ConditionStatus.False, answer.Reason, answer.Message, generation, now);
        }

        var sharing = CheckSharing(image, status, generation, now);
        if (OwnedStatus.Differs(image.Status, status, OwnedFields) || (sharing is null && Conditions.Find(image.Status, SharedCondition) is not null))
        {
            var before = Conditions.Find(image.Status, ConditionTypes.Ready)?.Reason;
            await client.ApplyStatusAsync(image, status, cancellationToken).ConfigureAwait(false);
            if (answer is not null && before != answer.Reason)
            {
                events.Record(image, answer.Available ? EventTypes.Normal : EventTypes.Warning, answer.Reason, "CheckSource", answer.Message);
            }

            if (sharing is { Reason: NamespaceNotFound } && Conditions.Find(image.Status, SharedCondition)?.Message != sharing.Message)
            {
                events.Record(image, EventTypes.Warning, NamespaceNotFound, "Share", sharing.Message!);
            }
        }

        return answer is { Available: false } ? ReconcileResult.RequeueNow : ReconcileResult.Done;
    }

    /// <summary>The Images to reconcile when a namespace comes or goes: those shared with it.</summary>
    public IEnumerable<ReconcileRequest> SharedWith(V1Namespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        return _images.ByIndex(BySharedWith, ns.Metadata.Name).Select(ReconcileRequest.For);
    }

    /// <summary>Sets the Shared condition of a shared image (removes it from others); returns it, or null.</summary>
    private Condition? CheckSharing(Image image, ImageStatus status, long? generation, DateTimeOffset now)
    {
        if (image.Spec.Visibility != ImageVisibility.Shared)
        {
            Conditions.Remove(status, SharedCondition);
            return null;
        }

        var namespaces = image.Spec.SharedWith ?? [];
        var missing = namespaces.Where(ns => _namespaces.Get(null, ns) is null).ToList();
        if (missing.Count > 0)
        {
            Conditions.Set(status, SharedCondition, ConditionStatus.False, NamespaceNotFound,
                $"spec.sharedWith: no namespace {string.Join(", ", missing)}; the image is shared with the others only", generation, now);
        }
        else
        {
            Conditions.Set(status, SharedCondition, ConditionStatus.True, SharedReason,
                namespaces.Count == 0 ? "shared with no namespace yet: list them in spec.sharedWith" : $"shared with {string.Join(", ", namespaces)}", generation, now);
        }

        return Conditions.Find(status, SharedCondition);
    }

    private static IIndexer<Image> Indexed(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var informer = informers.For<Image>();
        informer.AddIndex(BySharedWith, image => image.Spec.SharedWith ?? []);
        return informer.Store;
    }
}
