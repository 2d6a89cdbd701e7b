using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Auth;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Resources;

namespace KubeCloud.LocalCluster.Handlers;

/// <summary>
/// The virtual review resources (never stored): SubjectAccessReview, LocalSubjectAccessReview,
/// SelfSubjectAccessReview and SelfSubjectRulesReview (evaluated by KubeCloud.LocalCluster.Auth),
/// and SelfSubjectReview (who am I).
/// </summary>
public sealed class AccessReviewHandler
{
    private readonly AccessReviewEvaluator _evaluator;

    public AccessReviewHandler(AccessReviewEvaluator evaluator)
    {
        _evaluator = evaluator;
    }

    public static bool Handles(ResourceType type) =>
        (type.Group, type.Plural) is ("authorization.k8s.io", "selfsubjectaccessreviews" or "subjectaccessreviews" or "localsubjectaccessreviews" or "selfsubjectrulesreviews")
            or ("authentication.k8s.io", "selfsubjectreviews");

    public async Task CreateAsync(ApiContext context, ResourceType type)
    {
        var review = await RequestBody.ReadObjectAsync(context.Http);
        if (type.Plural == "selfsubjectreviews")
        {
            review["apiVersion"] = type.ApiVersion;
            review["kind"] = type.Kind;
            review["status"] = new JsonObject { ["userInfo"] = UserJson(context.User) };
            await ResponseWriter.WriteNodeAsync(context.Http, 201, review);
            return;
        }

        var outcome = type.Plural switch
        {
            "selfsubjectaccessreviews" => _evaluator.SelfSubjectAccessReview(review, context.User),
            "selfsubjectrulesreviews" => _evaluator.SelfSubjectRulesReview(review, context.User),
            "localsubjectaccessreviews" => _evaluator.LocalSubjectAccessReview(review, context.Info.Namespace),
            _ => _evaluator.SubjectAccessReview(review),
        };
        if (outcome.Error is { } error)
        {
            throw new ApiException(error);
        }

        await ResponseWriter.WriteNodeAsync(context.Http, 201, outcome.Review!);
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name, ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()) };
        if (user.Uid is not null)
        {
            json["uid"] = user.Uid;
        }

        if (user.Extra is { Count: > 0 } extra)
        {
            json["extra"] = new JsonObject(extra.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)new JsonArray(e.Value.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()))));
        }

        return json;
    }
}
