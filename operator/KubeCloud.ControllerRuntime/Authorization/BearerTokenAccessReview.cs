using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Authorization;

/// <summary>The answer to one request: allowed, or the HTTP status (401, 403) and a message in the API server's words.</summary>
public sealed record AccessDecision(bool Allowed, int StatusCode, string Message, string? User)
{
    public static AccessDecision Allow(string user) => new(true, 200, "allowed", user);
}

/// <summary>
/// Authenticates and authorizes a request to an endpoint beside the API server the way the kubelet does for
/// <c>nodes/log</c> (its webhook authentication and authorization modes): the bearer token is checked with a
/// TokenReview, then the user it names is asked about with a SubjectAccessReview, so RBAC decides. Used for virtual
/// subresources such as <c>servers/console</c>, which mere read access to the object does not grant.
/// </summary>
public sealed class BearerTokenAccessReview(IKubeClient client)
{
    public async Task<AccessDecision> ReviewAsync(string? authorization, V1ResourceAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            return new AccessDecision(false, 401, "Unauthorized: a bearer token is required (Authorization: Bearer TOKEN)", null);
        }

        var token = authorization[scheme.Length..].Trim();
        var review = await client.CreateAsync(
            new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Metadata = new V1ObjectMeta(), Spec = new V1TokenReviewSpec { Token = token } },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (review.Status?.Authenticated != true || review.Status.User is not { } user)
        {
            return new AccessDecision(false, 401, $"Unauthorized: the token was not accepted{(review.Status?.Error is { Length: > 0 } e ? ": " + e : string.Empty)}", null);
        }

        return await new SubjectAccessCheck(client).AuthorizeAsync(user, attributes, cancellationToken).ConfigureAwait(false);
    }
}
