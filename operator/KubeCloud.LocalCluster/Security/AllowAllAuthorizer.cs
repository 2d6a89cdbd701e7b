using KubeCloud.LocalCluster.Auth;

namespace KubeCloud.LocalCluster.Security;

/// <summary>
/// SEAM (until the RBAC authorizer of KubeCloud.LocalCluster.Auth lands): allows every
/// authenticated request. system:masters is always allowed, as in kube-apiserver.
/// </summary>
public sealed class AllowAllAuthorizer : IAuthorizer
{
    public AuthorizationResult Authorize(RequestAttributes attributes) => new(AuthorizationDecision.Allow);
}
