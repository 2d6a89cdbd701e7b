using k8s;
using k8s.Models;
using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// The policy check of the admission rules (Keystone's policy.json, DESIGN.md section 1): a SubjectAccessReview
/// (authorization.k8s.io/v1) for the caller as the AdmissionRequest's userInfo names them (user, groups, uid, extra),
/// asking about a verb on a kubecloud.io resource or virtual subresource. The API server's authorizer answers, so
/// RoleBindings decide: a RoleBinding granting <c>use</c> on networks in project-b opens project-b's networks.
/// </summary>
public sealed class SubjectAccessReviewAuthorizer(IKubernetes kubernetes) : IAccessAuthorizer
{
    public async ValueTask<bool> IsAllowedAsync(AdmissionCaller caller, AccessQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(question);
        var review = new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Metadata = new V1ObjectMeta(),
            Spec = new V1SubjectAccessReviewSpec
            {
                User = caller.UserName,
                Groups = [.. caller.Groups],
                Uid = caller.Uid,
                Extra = caller.Extra?.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value], StringComparer.Ordinal),
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = AccessQuestion.Group,
                    Resource = question.Resource,
                    Subresource = question.Subresource,
                    Verb = question.Verb,
                    Name = question.Name,
                    NamespaceProperty = question.Namespace,
                },
            },
        };
        var answer = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
        return answer.Status?.Allowed == true;
    }
}
