using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Auth;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Resources;

namespace KubeCloud.LocalCluster.Handlers;

/// <summary>
/// The virtual review resources (never stored): SelfSubjectAccessReview, SubjectAccessReview,
/// LocalSubjectAccessReview (answered by the authorizer) and SelfSubjectReview (who am I).
/// </summary>
public sealed class AccessReviewHandler
{
    private readonly Func<IAuthorizer> _authorizer;

    public AccessReviewHandler(Func<IAuthorizer> authorizer)
    {
        _authorizer = authorizer;
    }

    public static bool Handles(ResourceType type) =>
        (type.Group, type.Plural) is ("authorization.k8s.io", "selfsubjectaccessreviews" or "subjectaccessreviews" or "localsubjectaccessreviews")
            or ("authentication.k8s.io", "selfsubjectreviews");

    public async Task CreateAsync(ApiContext context, ResourceType type)
    {
        var review = await RequestBody.ReadObjectAsync(context.Http);
        review["apiVersion"] = type.ApiVersion;
        review["kind"] = type.Kind;
        if (type.Plural == "selfsubjectreviews")
        {
            review["status"] = new JsonObject { ["userInfo"] = UserJson(context.User) };
            await ResponseWriter.WriteNodeAsync(context.Http, 201, review);
            return;
        }

        var spec = review["spec"] as JsonObject ?? [];
        var user = type.Plural == "selfsubjectaccessreviews"
            ? context.User
            : new UserInfo((string?)spec["user"] ?? "", (string?)spec["uid"], spec["groups"] is JsonArray groups ? groups.Select(g => (string?)g ?? "").ToList() : []);
        RequestAttributes attributes;
        if (spec["nonResourceAttributes"] is JsonObject nonResource)
        {
            attributes = new RequestAttributes(user, (string?)nonResource["verb"] ?? "", false, (string?)nonResource["path"] ?? "");
        }
        else
        {
            var resource = spec["resourceAttributes"] as JsonObject ?? [];
            var ns = (string?)resource["namespace"] ?? (type.Plural == "localsubjectaccessreviews" ? context.Info.Namespace : "");
            attributes = new RequestAttributes(user, (string?)resource["verb"] ?? "", true, "", (string?)resource["group"] ?? "", (string?)resource["version"] ?? "", (string?)resource["resource"] ?? "", (string?)resource["subresource"] ?? "", ns, (string?)resource["name"] ?? "");
        }

        var result = user.Groups.Contains(UserInfo.MastersGroup) ? new AuthorizationResult(AuthorizationDecision.Allow) : _authorizer().Authorize(attributes);
        var status = new JsonObject { ["allowed"] = result.Allowed };
        if (result.Decision == AuthorizationDecision.Deny)
        {
            status["denied"] = true;
        }

        if (result.Reason.Length > 0)
        {
            status["reason"] = result.Reason;
        }

        review["status"] = status;
        await ResponseWriter.WriteNodeAsync(context.Http, 201, review);
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name, ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()) };
        if (user.Uid is not null)
        {
            json["uid"] = user.Uid;
        }

        return json;
    }
}
