using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// The rules every kind shares for what it names: the object exists, and the caller may use it.
/// A network or image of the caller's own namespace needs nothing more; one of another namespace
/// needs the verb <c>use</c> on it there, unless the network is shared or the image public or shared
/// with the namespace. A private flavor needs the namespace in its projects, or <c>use</c> on it.
/// </summary>
internal sealed class ReferenceChecks(IObjectLookup objects, IAccessAuthorizer authorizer, AdmissionCaller caller)
{
    public IObjectLookup Objects => objects;

    /// <summary>The network, or null with the refusal added.</summary>
    public async ValueTask<Network?> NetworkAsync(NamespacedObjectReference reference, string ns, string field, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var networkNs = string.IsNullOrEmpty(reference.Namespace) ? ns : reference.Namespace;
        if (Local<Network>(networkNs, reference.Name, "network", field, errors) is not { } network)
        {
            return null;
        }

        if (networkNs != ns && !network.Spec.Shared && !await AllowedAsync(AccessRules.Use, Network.KubePluralName, networkNs, reference.Name, cancellationToken).ConfigureAwait(false))
        {
            errors.Add(new FieldError(field, AdmissionRules.NetworkAccess,
                $"network {networkNs}/{reference.Name} belongs to another project and is not shared; using it needs the verb 'use' on networks in {networkNs}"));
            return null;
        }

        return network;
    }

    /// <summary>The image, or null with the refusal added.</summary>
    public async ValueTask<Image?> ImageAsync(NamespacedObjectReference reference, string ns, string field, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var imageNs = string.IsNullOrEmpty(reference.Namespace) ? ns : reference.Namespace;
        if (Local<Image>(imageNs, reference.Name, "image", field, errors) is not { } image)
        {
            return null;
        }

        var visible = imageNs == ns
            || image.Spec.Visibility == ImageVisibility.Public
            || (image.Spec.Visibility == ImageVisibility.Shared && (image.Spec.SharedWith ?? []).Contains(ns));
        if (!visible && !await AllowedAsync(AccessRules.Use, Image.KubePluralName, imageNs, reference.Name, cancellationToken).ConfigureAwait(false))
        {
            errors.Add(new FieldError(field, AdmissionRules.ImageAccess,
                $"image {imageNs}/{reference.Name} is {image.Spec.Visibility.ToString().ToLowerInvariant()} and not shared with {ns}; using it needs the verb 'use' on images in {imageNs}"));
            return null;
        }

        if (image.Status?.Phase == ImagePhase.Error)
        {
            errors.Add(new FieldError(field, AdmissionRules.ImageUsable, $"image {imageNs}/{reference.Name} is in Error and cannot be booted; fix or replace it"));
            return null;
        }

        return image;
    }

    /// <summary>The flavor, or null with the refusal added.</summary>
    public async ValueTask<Flavor?> FlavorAsync(string name, string ns, string field, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var flavor = objects.Get<Flavor>(null, name);
        if (flavor is null)
        {
            errors.Add(new FieldError(field, AdmissionRules.ReferenceExists, $"flavor {name} does not exist"));
            return null;
        }

        if (!flavor.Spec.Public && !(flavor.Spec.Projects ?? []).Contains(ns)
            && !await AllowedAsync(AccessRules.Use, Flavor.KubePluralName, null, name, cancellationToken).ConfigureAwait(false))
        {
            errors.Add(new FieldError(field, AdmissionRules.FlavorAccess, $"flavor {name} is private and {ns} is not in its projects"));
            return null;
        }

        return flavor;
    }

    /// <summary>The object in <paramref name="ns"/>, or null with a ReferenceExists refusal added.</summary>
    public T? Local<T>(string ns, string name, string kind, string field, List<FieldError> errors)
        where T : class
    {
        var found = objects.Get<T>(ns, name);
        if (found is null)
        {
            errors.Add(new FieldError(field, AdmissionRules.ReferenceExists, $"{kind} {ns}/{name} does not exist"));
        }

        return found;
    }

    /// <summary>The admin rule for a field: the verb <c>create</c> on the virtual subresource; adds an AdminOnly refusal when denied.</summary>
    public async ValueTask<bool> AdminFieldAsync(string resource, string subresource, string? ns, string field, string what, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var question = new AccessQuestion(AccessRules.Create, resource, ns, null, subresource);
        if (await authorizer.IsAllowedAsync(caller, question, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        errors.Add(new FieldError(field, AdmissionRules.AdminOnly, $"{what} is admin only: it needs the verb 'create' on {resource}/{subresource}{(ns is null ? string.Empty : " in " + ns)}"));
        return false;
    }

    private ValueTask<bool> AllowedAsync(string verb, string resource, string? ns, string name, CancellationToken cancellationToken) =>
        authorizer.IsAllowedAsync(caller, new AccessQuestion(verb, resource, ns, name), cancellationToken);
}
