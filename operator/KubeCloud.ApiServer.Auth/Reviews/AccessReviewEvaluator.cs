using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// Evaluates the authorization.k8s.io/v1 review kinds as kube-apiserver's REST storage for them
/// does: SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview and
/// SelfSubjectRulesReview. Each takes the request body and returns the body with
/// <c>status</c> filled in, or a Status for the API server to answer with.
/// </summary>
public sealed class AccessReviewEvaluator
{
    private const string Group = "authorization.k8s.io";

    private readonly IAuthorizer authorizer;
    private readonly RbacAuthorizer rules;

    /// <param name="authorizer">The API server's whole authorizer chain (the one requests go through).</param>
    /// <param name="rules">Where SelfSubjectRulesReview reads the rules of a user from.</param>
    public AccessReviewEvaluator(IAuthorizer authorizer, RbacAuthorizer rules)
    {
        this.authorizer = authorizer ?? throw new ArgumentNullException(nameof(authorizer));
        this.rules = rules ?? throw new ArgumentNullException(nameof(rules));
    }

    public AccessReviewEvaluator(RbacAuthorizer rbac)
        : this(rbac, rbac)
    {
    }

    /// <summary>POST /apis/authorization.k8s.io/v1/subjectaccessreviews: the subject is spec.user/groups/uid/extra.</summary>
    public AccessReviewOutcome SubjectAccessReview(JsonObject body)
    {
        var review = KubeJson.Deserialize<V1SubjectAccessReview>(body) ?? new V1SubjectAccessReview();
        var spec = review.Spec ?? new V1SubjectAccessReviewSpec();
        var errors = ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes);
        if (string.IsNullOrEmpty(spec.User) && (spec.Groups is null || spec.Groups.Count == 0))
        {
            errors.Add($"spec.user: Invalid value: \"{spec.User}\": at least one of user or group must be specified");
        }

        if (errors.Count > 0)
        {
            return AccessReviewOutcome.Failed(Invalid("SubjectAccessReview", errors));
        }

        var user = new UserInfo(
            spec.User ?? "",
            spec.Uid,
            [.. spec.Groups ?? []],
            spec.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value]));
        return Answer(body, "SubjectAccessReview", Decide(user, spec.ResourceAttributes, spec.NonResourceAttributes));
    }

    /// <summary>POST /apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews.</summary>
    public AccessReviewOutcome LocalSubjectAccessReview(JsonObject body, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrEmpty(@namespace))
        {
            return AccessReviewOutcome.Failed(BadRequest($"namespace is required on this type: {@namespace}"));
        }

        var review = KubeJson.Deserialize<V1LocalSubjectAccessReview>(body) ?? new V1LocalSubjectAccessReview();
        var spec = review.Spec ?? new V1SubjectAccessReviewSpec();
        var errors = ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes);
        if (spec.NonResourceAttributes is not null)
        {
            errors.Add("spec.nonResourceAttributes: Invalid value: \"object\": disallowed on this kind of request");
        }

        if (string.IsNullOrEmpty(spec.User) && (spec.Groups is null || spec.Groups.Count == 0))
        {
            errors.Add($"spec.user: Invalid value: \"{spec.User}\": at least one of user or group must be specified");
        }

        if (errors.Count > 0)
        {
            return AccessReviewOutcome.Failed(Invalid("LocalSubjectAccessReview", errors));
        }

        var metadataNamespace = review.Metadata?.NamespaceProperty;
        if ((!string.IsNullOrEmpty(metadataNamespace) && metadataNamespace != @namespace) || spec.ResourceAttributes!.NamespaceProperty != @namespace)
        {
            return AccessReviewOutcome.Failed(BadRequest($"spec.resourceAttributes.namespace must match namespace: {@namespace}"));
        }

        var user = new UserInfo(
            spec.User ?? "",
            spec.Uid,
            [.. spec.Groups ?? []],
            spec.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value]));
        return Answer(body, "LocalSubjectAccessReview", Decide(user, spec.ResourceAttributes, null));
    }

    /// <summary>POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: the subject is the requesting user.</summary>
    public AccessReviewOutcome SelfSubjectAccessReview(JsonObject body, UserInfo user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var review = KubeJson.Deserialize<V1SelfSubjectAccessReview>(body) ?? new V1SelfSubjectAccessReview();
        var spec = review.Spec ?? new V1SelfSubjectAccessReviewSpec();
        var errors = ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes);
        if (errors.Count > 0)
        {
            return AccessReviewOutcome.Failed(Invalid("SelfSubjectAccessReview", errors));
        }

        return Answer(body, "SelfSubjectAccessReview", Decide(user, spec.ResourceAttributes, spec.NonResourceAttributes));
    }

    /// <summary>
    /// POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews: the resource and non-resource
    /// rules of the requesting user in spec.namespace (cluster-wide bindings and that namespace's
    /// RoleBindings). <c>incomplete</c> is true only when a binding names a missing role.
    /// </summary>
    public AccessReviewOutcome SelfSubjectRulesReview(JsonObject body, UserInfo user)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(user);
        var review = KubeJson.Deserialize<V1SelfSubjectRulesReview>(body) ?? new V1SelfSubjectRulesReview();
        var @namespace = review.Spec?.NamespaceProperty ?? "";
        if (@namespace.Length == 0)
        {
            return AccessReviewOutcome.Failed(BadRequest("no namespace on request"));
        }

        var (policyRules, errors) = rules.RulesFor(user, @namespace);
        var status = new V1SubjectRulesReviewStatus
        {
            ResourceRules = [.. policyRules.Where(r => r.Resources is { Count: > 0 }).Select(r => new V1ResourceRule
            {
                Verbs = r.Verbs ?? [],
                ApiGroups = r.ApiGroups,
                Resources = r.Resources,
                ResourceNames = r.ResourceNames,
            })],
            NonResourceRules = [.. policyRules.Where(r => r.NonResourceURLs is { Count: > 0 }).Select(r => new V1NonResourceRule
            {
                Verbs = r.Verbs ?? [],
                NonResourceURLs = r.NonResourceURLs,
            })],
            Incomplete = errors.Count > 0,
            EvaluationError = errors.Count switch
            {
                0 => null,
                1 => errors[0],
                _ => $"[{string.Join(", ", errors)}]",
            },
        };
        var response = Echo(body, "SelfSubjectRulesReview");
        response["status"] = KubeJson.SerializeToNode(status);
        return AccessReviewOutcome.Succeeded(response);
    }

    private AuthorizationResult Decide(UserInfo user, V1ResourceAttributes? resource, V1NonResourceAttributes? nonResource)
    {
        var attributes = resource is not null
            ? new RequestAttributes(
                user,
                resource.Verb ?? "",
                IsResourceRequest: true,
                ApiGroup: resource.Group ?? "",
                ApiVersion: resource.Version ?? "",
                Resource: resource.Resource ?? "",
                Subresource: resource.Subresource ?? "",
                Namespace: resource.NamespaceProperty ?? "",
                Name: resource.Name ?? "")
            : new RequestAttributes(user, nonResource!.Verb ?? "", IsResourceRequest: false, Path: nonResource.Path ?? "");
        return authorizer.Authorize(attributes);
    }

    /// <summary>The request body as the response starts: a copy with apiVersion and kind set.</summary>
    private static JsonObject Echo(JsonObject body, string kind)
    {
        var response = (JsonObject)body.DeepClone();
        response["apiVersion"] = $"{Group}/v1";
        response["kind"] = kind;
        return response;
    }

    private static AccessReviewOutcome Answer(JsonObject body, string kind, AuthorizationResult result)
    {
        var response = Echo(body, kind);
        response["status"] = KubeJson.SerializeToNode(new V1SubjectAccessReviewStatus
        {
            Allowed = result.Allowed,
            Denied = result.Decision == AuthorizationDecision.Deny ? true : null,
            Reason = result.Reason.Length > 0 ? result.Reason : null,
        });
        return AccessReviewOutcome.Succeeded(response);
    }

    private static List<string> ValidateSpec(V1ResourceAttributes? resource, V1NonResourceAttributes? nonResource)
    {
        var errors = new List<string>();
        if (resource is not null && nonResource is not null)
        {
            errors.Add("spec.nonResourceAttributes: Invalid value: \"object\": cannot be specified in combination with resourceAttributes");
        }

        if (resource is null && nonResource is null)
        {
            errors.Add("spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        return errors;
    }

    private static V1Status Invalid(string kind, List<string> errors) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = $"{kind}.{Group} \"\" is invalid: {(errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]")}",
        Reason = "Invalid",
        Details = new V1StatusDetails { Group = Group, Kind = kind },
        Code = 422,
    };

    private static V1Status BadRequest(string message) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = "BadRequest",
        Code = 400,
    };
}

/// <summary>A review with its status, or the Status the API server answers with instead.</summary>
public sealed record AccessReviewOutcome(JsonObject? Review, V1Status? Error)
{
    public static AccessReviewOutcome Succeeded(JsonObject review) => new(review, null);

    public static AccessReviewOutcome Failed(V1Status error) => new(null, error);
}
