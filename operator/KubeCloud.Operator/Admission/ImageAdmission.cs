using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Admission;

/// <summary>Glance's publicize_image rule: making an image public needs the admin rule.</summary>
public sealed class ImageAdmission(IObjectLookup objects, IAccessAuthorizer authorizer) : IAdmissionValidator<Image>
{
    public async ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<Image> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Object is not { } image || image.Spec.Visibility != ImageVisibility.Public || request.OldObject?.Spec.Visibility == ImageVisibility.Public)
        {
            return AdmissionVerdict.Allow;
        }

        var errors = new List<FieldError>();
        var refs = new ReferenceChecks(objects, authorizer, request.Caller);
        await refs.AdminFieldAsync(Image.KubePluralName, AccessRules.Publicize, image.Metadata.NamespaceProperty, "spec.visibility", "visibility public", errors, cancellationToken).ConfigureAwait(false);
        return new AdmissionVerdict(errors);
    }
}
