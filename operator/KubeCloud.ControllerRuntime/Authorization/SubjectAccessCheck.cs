using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Authorization;

/// <summary>
/// The authorization half of a request to an endpoint beside the API server: a SubjectAccessReview for the user an
/// authenticator named (bearer token, front-proxy headers), so RBAC decides; a denial reads as the API server's 403.
/// </summary>
public sealed class SubjectAccessCheck(IKubeClient client)
{
    public async Task<AccessDecision> AuthorizeAsync(V1UserInfo user, V1ResourceAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        var access = await client.CreateAsync(new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Metadata = new V1ObjectMeta(),
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Username,
                Groups = user.Groups,
                Uid = user.Uid,
                Extra = user.Extra,
                ResourceAttributes = attributes,
            },
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (access.Status?.Allowed == true)
        {
            return AccessDecision.Allow(user.Username);
        }

        return new AccessDecision(false, 403, ForbiddenMessage(user.Username, attributes), user.Username);
    }

    /// <summary>kube-apiserver's words: <c>servers "web-1" is forbidden: User "bob" cannot get resource "servers/console" in API group "..." in the namespace "p"</c>.</summary>
    public static string ForbiddenMessage(string user, V1ResourceAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var resource = attributes.Subresource is { Length: > 0 } sub ? $"{attributes.Resource}/{sub}" : attributes.Resource;
        var where = attributes.NamespaceProperty is { Length: > 0 } ns ? $" in the namespace \"{ns}\"" : " at the cluster scope";
        return $"{attributes.Resource} \"{attributes.Name}\" is forbidden: User \"{user}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{attributes.Group}\"{where}";
    }
}
