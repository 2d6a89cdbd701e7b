using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Security;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// The virtual review resources (never stored): SubjectAccessReview, LocalSubjectAccessReview,
/// SelfSubjectAccessReview and SelfSubjectRulesReview (evaluated by KubeCloud.ApiServer.Auth),
/// SelfSubjectReview (who am I) and TokenReview (whose token is this, for which audiences).
/// </summary>
public sealed class AccessReviewHandler
{
    private readonly AccessReviewEvaluator _evaluator;
    private readonly TokenAuthenticator _tokens;

    public AccessReviewHandler(AccessReviewEvaluator evaluator, TokenAuthenticator tokens)
    {
        _evaluator = evaluator;
        _tokens = tokens;
    }

    public static bool Handles(ResourceType type) =>
        (type.Group, type.Plural) is ("authorization.k8s.io", "selfsubjectaccessreviews" or "subjectaccessreviews" or "localsubjectaccessreviews" or "selfsubjectrulesreviews")
            or ("authentication.k8s.io", "selfsubjectreviews" or "tokenreviews");

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

        if (type.Plural == "tokenreviews")
        {
            await ResponseWriter.WriteNodeAsync(context.Http, 201, TokenReview(review, type));
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

    /// <summary>A TokenReview answered as kube-apiserver does: the user and the audiences the token is good for, or authenticated false with the reason.</summary>
    private JsonObject TokenReview(JsonObject review, ResourceType type)
    {
        var spec = review["spec"] as JsonObject ?? [];
        if ((string?)spec["token"] is not { Length: > 0 } token)
        {
            throw ApiException.BadRequest("token is required for TokenReview in authentication");
        }

        var audiences = spec["audiences"] is JsonArray { Count: > 0 } list ? list.Select(a => (string?)a ?? "").ToList() : null;
        var (user, accepted, error) = _tokens.AuthenticateToken(token, audiences);
        review["apiVersion"] = type.ApiVersion;
        review["kind"] = type.Kind;
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        review["status"] = user is null
            ? new JsonObject { ["user"] = new JsonObject(), ["error"] = error }
            : new JsonObject
            {
                ["authenticated"] = true,
                ["user"] = UserJson(user),
                ["audiences"] = new JsonArray([.. accepted.Select(a => (JsonNode)JsonValue.Create(a))]),
            };
        return review;
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
