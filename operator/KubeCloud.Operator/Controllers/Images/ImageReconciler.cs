using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.Operator.Controllers.Images;

/// <summary>
/// The Image controller (Glance's image API without its store): reads the source once, as Glance's web-download import
/// does, streaming it through sha256 (<see cref="ImageSourceProbe"/>): phase Available, <c>status.size</c>,
/// <c>status.checksum</c> (what a node daemon verifies its download against when <c>spec.checksum</c> is unset) and
/// Ready True; otherwise Ready False with the reason, phase Error (not found, refused, no size, too large, or
/// <see cref="ChecksumMismatch"/> when <c>spec.checksum</c> disagrees with the bytes, naming both) or Pending
/// (unreachable), retried with backoff. The source is immutable, so an image once read is not read again. A shared image's <c>sharedWith</c> is checked against
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

    /// <summary>Ready's reason when <c>spec.checksum</c> disagrees with the sha256 of the source's bytes (phase Error).</summary>
    public const string ChecksumMismatch = "ChecksumMismatch";

    private static readonly string[] OwnedFields = ["phase", "size", "checksum", "observedGeneration"];

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
        ImageSourceAnswer answer;
        if (image.Status is { Phase: ImagePhase.Available, Size: { } size, Checksum: { } checksum })
        {
            // Read once: the source is immutable, so its size and sha256 stand (a mismatch is read again: the file may be fixed).
            answer = new ImageSourceAnswer(size, ImageSourceProbe.Available, Conditions.Find(image.Status, ConditionTypes.Ready) is { Reason: ImageSourceProbe.Available } ready
                ? ready.Message ?? string.Empty
                : $"{image.Spec.Source.Url} read: {size} bytes, sha256 {checksum}", checksum);
        }
        else
        {
            answer = await probe.DigestAsync(image.Spec.Source.Url, cancellationToken).ConfigureAwait(false);
        }

        (status.Size, status.Checksum) = (answer.Size, answer.Checksum);
        if (answer.Available && image.Spec.Checksum is { } expected && expected != answer.Checksum)
        {
            answer = new ImageSourceAnswer(answer.Size, ChecksumMismatch,
                $"spec.checksum is {expected} but the {answer.Size} bytes at {image.Spec.Source.Url} have sha256 {answer.Checksum}: fix the file at the source or the Image's checksum", answer.Checksum);
        }

        var available = answer.Reason == ImageSourceProbe.Available;
        status.Phase = available ? ImagePhase.Available : answer.Transient ? ImagePhase.Pending : ImagePhase.Error;
        Conditions.Set(status, ConditionTypes.Ready, available ? ConditionStatus.True : ConditionStatus.False, answer.Reason, answer.Message, generation, now);

        var sharing = CheckSharing(image, status, generation, now);
        if (OwnedStatus.Differs(image.Status, status, OwnedFields) || (sharing is null && Conditions.Find(image.Status, SharedCondition) is not null))
        {
            var before = Conditions.Find(image.Status, ConditionTypes.Ready)?.Reason;
            await client.ApplyStatusAsync(image, status, cancellationToken).ConfigureAwait(false);
            if (before != answer.Reason)
            {
                events.Record(image, available ? EventTypes.Normal : EventTypes.Warning, answer.Reason, "ReadSource", answer.Message);
            }

            if (sharing is { Reason: NamespaceNotFound } && Conditions.Find(image.Status, SharedCondition)?.Message != sharing.Message)
            {
                events.Record(image, EventTypes.Warning, NamespaceNotFound, "Share", sharing.Message!);
            }
        }

        // Every failure is asked again with backoff (a mismatch too: the file at the source may be fixed); a read image never.
        return available ? ReconcileResult.Done : ReconcileResult.RequeueNow;
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
