using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using static KubeCloud.ApiServer.Auth.Tests.Build;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class AccessReviewEvaluatorTests
{
    private static readonly UserInfo Alice = Person("alice");

    private static AccessReviewEvaluator Evaluator()
    {
        var cluster = new InMemoryObjectSource(BootstrapPolicy.Objects());
        cluster.Put(ClusterRole("kubecloud-member",
            Rule("get,list,create", "kubecloud.io", "servers"),
            Rule("use", "kubecloud.io", "networks")));
        cluster.Put(RoleBinding("demo", "alice", "ClusterRole", "kubecloud-member", User("alice")));
        return new AccessReviewEvaluator(new RbacAuthorizer(cluster));
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void SubjectAccessReview_allows_with_the_binding_as_reason()
    {
        var outcome = Evaluator().SubjectAccessReview(Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
             "spec":{"user":"alice","groups":["system:authenticated"],
                     "resourceAttributes":{"namespace":"demo","verb":"use","group":"kubecloud.io","resource":"networks","name":"net-1"}}}
            """));

        Assert.Null(outcome.Error);
        var status = outcome.Review!["status"]!;
        Assert.True((bool)status["allowed"]!);
        Assert.Null(status["denied"]);
        Assert.Equal("RBAC: allowed by RoleBinding \"alice/demo\" of ClusterRole \"kubecloud-member\" to User \"alice\"", (string?)status["reason"]);
        Assert.Equal("alice", (string?)outcome.Review["spec"]!["user"]);
        Assert.Equal("authorization.k8s.io/v1", (string?)outcome.Review["apiVersion"]);
        Assert.Equal("SubjectAccessReview", (string?)outcome.Review["kind"]);
    }

    [Fact]
    public void SubjectAccessReview_for_a_virtual_subresource_is_not_allowed_without_a_rule()
    {
        var outcome = Evaluator().SubjectAccessReview(Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
             "spec":{"user":"alice","resourceAttributes":{"namespace":"demo","verb":"create","group":"kubecloud.io","resource":"servers","subresource":"forcenode","name":"web"}}}
            """));

        var status = outcome.Review!["status"]!.AsObject();
        Assert.False((bool)status["allowed"]!);
        Assert.False(status.ContainsKey("denied"));
        Assert.False(status.ContainsKey("reason"));
    }

    [Fact]
    public void SubjectAccessReview_for_groups_only_and_non_resource_paths()
    {
        var outcome = Evaluator().SubjectAccessReview(Parse("""
            {"spec":{"groups":["system:authenticated"],"nonResourceAttributes":{"path":"/apis/kubecloud.io","verb":"get"}}}
            """));

        Assert.True((bool)outcome.Review!["status"]!["allowed"]!);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"",
            (string?)outcome.Review["status"]!["reason"]);
    }

    [Theory]
    [InlineData("""{"spec":{"user":"alice"}}""",
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified")]
    [InlineData("""{"spec":{"resourceAttributes":{"verb":"get"}}}""",
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified")]
    [InlineData("""{"spec":{"user":"a","resourceAttributes":{"verb":"get"},"nonResourceAttributes":{"path":"/"}}}""",
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.nonResourceAttributes: Invalid value: \"object\": cannot be specified in combination with resourceAttributes")]
    public void SubjectAccessReview_invalid_specs_are_422(string body, string message)
    {
        var outcome = Evaluator().SubjectAccessReview(Parse(body));
        Assert.Equal(422, outcome.Error!.Code);
        Assert.Equal("Invalid", outcome.Error.Reason);
        Assert.Equal(message, outcome.Error.Message);
    }

    private sealed class DenyingAuthorizer : IAuthorizer
    {
        public AuthorizationResult Authorize(RequestAttributes attributes) => new(AuthorizationDecision.Deny, "denied by policy");
    }

    [Fact]
    public void An_explicit_deny_sets_denied()
    {
        var rbac = new RbacAuthorizer(new InMemoryObjectSource());
        var outcome = new AccessReviewEvaluator(new DenyingAuthorizer(), rbac).SubjectAccessReview(Parse("""
            {"spec":{"user":"alice","resourceAttributes":{"verb":"get","resource":"pods","namespace":"demo"}}}
            """));

        var status = outcome.Review!["status"]!;
        Assert.False((bool)status["allowed"]!);
        Assert.True((bool)status["denied"]!);
        Assert.Equal("denied by policy", (string?)status["reason"]);
    }

    [Fact]
    public void SelfSubjectAccessReview_uses_the_requesting_user()
    {
        var body = Parse("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"demo","verb":"list","group":"kubecloud.io","resource":"servers"}}}""");

        Assert.True((bool)Evaluator().SelfSubjectAccessReview(body, Alice).Review!["status"]!["allowed"]!);
        Assert.False((bool)Evaluator().SelfSubjectAccessReview(body, Person("bob")).Review!["status"]!["allowed"]!);
        Assert.True((bool)Evaluator().SelfSubjectAccessReview(body, Person("root", UserInfo.MastersGroup)).Review!["status"]!["allowed"]!);
    }

    [Fact]
    public void LocalSubjectAccessReview_requires_the_namespace_to_match()
    {
        var body = Parse("""{"metadata":{"namespace":"demo"},"spec":{"user":"alice","resourceAttributes":{"namespace":"demo","verb":"get","group":"kubecloud.io","resource":"servers"}}}""");

        Assert.True((bool)Evaluator().LocalSubjectAccessReview(body, "demo").Review!["status"]!["allowed"]!);
        var mismatch = Evaluator().LocalSubjectAccessReview(body, "other").Error!;
        Assert.Equal(400, mismatch.Code);
        Assert.Equal("spec.resourceAttributes.namespace must match namespace: other", mismatch.Message);

        var nonResource = Evaluator().LocalSubjectAccessReview(Parse("""{"spec":{"user":"alice","nonResourceAttributes":{"path":"/","verb":"get"}}}"""), "demo").Error!;
        Assert.Equal(422, nonResource.Code);
        Assert.Contains("spec.nonResourceAttributes: Invalid value: \"object\": disallowed on this kind of request", nonResource.Message);
    }

    [Fact]
    public void SelfSubjectRulesReview_lists_resource_and_non_resource_rules()
    {
        var outcome = Evaluator().SelfSubjectRulesReview(
            Parse("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"demo"}}"""), Alice);

        var status = outcome.Review!["status"]!;
        Assert.False((bool)status["incomplete"]!);
        var resources = status["resourceRules"]!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Contains("""{"apiGroups":["kubecloud.io"],"resources":["networks"],"verbs":["use"]}""", resources);
        Assert.Contains("""{"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"],"verbs":["create"]}""", resources);
        var urls = status["nonResourceRules"]!.AsArray().SelectMany(r => r!["nonResourceURLs"]!.AsArray()).Select(u => (string?)u).ToList();
        Assert.Contains("/apis/*", urls);
        Assert.Contains("/version", urls);

        var elsewhere = Evaluator().SelfSubjectRulesReview(Parse("""{"spec":{"namespace":"other"}}"""), Alice).Review!;
        Assert.DoesNotContain(elsewhere["status"]!["resourceRules"]!.AsArray(), r => r!.ToJsonString().Contains("networks"));
    }

    [Fact]
    public void SelfSubjectRulesReview_requires_a_namespace()
    {
        var error = Evaluator().SelfSubjectRulesReview(Parse("""{"spec":{}}"""), Alice).Error!;
        Assert.Equal(400, error.Code);
        Assert.Equal("no namespace on request", error.Message);
    }
}
