using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;
using KubeCloud.Operator.Volumes;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// cinder-api's volume checks at the door: the source image or volume exists and the caller may
/// use it, and the volume is at least as large as its source; a volume never shrinks; multiattach
/// cannot be turned off while several servers hold it; a volume in use cannot be deleted (the state
/// machine's refusal); the quota has room for a volume and its size.
/// </summary>
public sealed class VolumeAdmission(IObjectLookup objects, IAccessAuthorizer authorizer) : IAdmissionValidator<Volume>
{
    public async ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<Volume> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (request.Operation == AdmissionOperation.Delete)
        {
            if (request.OldObject is { } gone && VolumeStateMachine.Apply(VolumeStates.FromStatus(gone), new VolumeEvent.Delete()) is { Allowed: false } refused
                && gone.Status?.Attachments is { Count: > 0 })
            {
                errors.Add(new FieldError("metadata.name", AdmissionRules.VolumeInUse, refused.Reason!));
            }

            return new AdmissionVerdict(errors);
        }

        if (request.Object is not { } volume)
        {
            return AdmissionVerdict.Allow;
        }

        var ns = volume.Metadata.NamespaceProperty ?? string.Empty;
        var old = request.OldObject;
        var refs = new ReferenceChecks(objects, authorizer, request.Caller);
        if (old is null)
        {
            if (volume.Spec.Source?.ImageRef is { } imageRef
                && await refs.ImageAsync(imageRef, ns, "spec.source.imageRef", errors, cancellationToken).ConfigureAwait(false) is { } image)
            {
                var needed = image.Status?.VirtualSize is { } virtualSize ? Quantity.FromBytes(virtualSize) : image.Spec.MinDisk;
                if (needed is { } minimum && volume.Spec.Size < minimum)
                {
                    errors.Add(new FieldError("spec.size", AdmissionRules.VolumeSizeNotSmaller, $"{volume.Spec.Size} is smaller than image {image.Metadata.NamespaceProperty}/{image.Metadata.Name} needs ({minimum})"));
                }
            }

            if (volume.Spec.Source?.VolumeRef is { } sourceRef
                && refs.Local<Volume>(ns, sourceRef.Name, "volume", "spec.source.volumeRef.name", errors) is { } source
                && volume.Spec.Size < source.Spec.Size)
            {
                errors.Add(new FieldError("spec.size", AdmissionRules.VolumeSizeNotSmaller, $"{volume.Spec.Size} is smaller than the source volume {sourceRef.Name} ({source.Spec.Size})"));
            }

            QuotaGate.Check(objects, ns, new QuotaUsage { Volumes = 1, VolumeStorage = volume.Spec.Size }, "spec.size", errors);
            return new AdmissionVerdict(errors);
        }

        if (volume.Spec.Size < old.Spec.Size)
        {
            errors.Add(new FieldError("spec.size", AdmissionRules.VolumeSizeNotSmaller, $"a volume cannot shrink: {volume.Spec.Size} is smaller than {old.Spec.Size}"));
        }
        else if (volume.Spec.Size > old.Spec.Size)
        {
            QuotaGate.Check(objects, ns, new QuotaUsage { VolumeStorage = volume.Spec.Size - old.Spec.Size }, "spec.size", errors);
        }

        if (!volume.Spec.Multiattach && old.Spec.Multiattach && (volume.Status?.Attachments ?? old.Status?.Attachments ?? []).Count > 1)
        {
            errors.Add(new FieldError("spec.multiattach", AdmissionRules.MultiattachInUse, $"the volume is attached to {(old.Status?.Attachments ?? []).Count} servers; detach all but one before turning multiattach off"));
        }

        return new AdmissionVerdict(errors);
    }
}
