using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>The impersonation filter against kube-apiserver's: which checks it asks for, the user it makes, and its refusals.</summary>
public sealed class ImpersonationTests
{
    private static readonly UserInfo Alice = new("alice", "a-1", ["tenants", UserInfo.AuthenticatedGroup]);

    /// <summary>An authorizer that allows exactly the listed impersonations ("users/bob", "serviceaccounts/ns/sa", "userextras/scopes/view") and records what it was asked.</summary>
    private sealed class ListAuthorizer(params string[] allowed) : IAuthorizer
    {
        public List<string> Asked { get; } = [];

        public AuthorizationResult Authorize(RequestAttributes attributes)
        {
            var resource = attributes.Subresource.Length > 0 ? $"{attributes.Resource}/{attributes.Subresource}" : attributes.Resource;
            var key = string.Join('/', new[] { resource, attributes.Namespace, attributes.Name }.Where(p => p.Length > 0));
            Asked.Add($"{attributes.Verb} {(attributes.ApiGroup.Length > 0 ? attributes.ApiGroup + ":" : "")}{key}");
            return new AuthorizationResult(allowed.Contains(key) ? AuthorizationDecision.Allow : AuthorizationDecision.NoOpinion);
        }
    }

    public sealed record Case(string Name, (string Header, string[] Values)[] Headers, string[] Allowed, string? User = null, string[]? Groups = null, string? Uid = null, string? Extra = null, int Code = 0, string? Message = null, string[]? Asked = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("no headers: the authenticated user", [], [], User: "alice", Groups: ["tenants", UserInfo.AuthenticatedGroup], Uid: "a-1", Asked: []),
        new("a user, allowed: system:authenticated added, no uid, no groups of the requester", [("Impersonate-User", ["bob"])], ["users/bob"], User: "bob", Groups: [UserInfo.AuthenticatedGroup], Asked: ["impersonate users/bob"]),
        new("a user, refused: kube's 403", [("Impersonate-User", ["bob"])], [], Code: 403,
            Message: "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        new("a user and groups: each group checked", [("Impersonate-User", ["bob"]), ("Impersonate-Group", ["devs", "ops"])], ["users/bob", "groups/devs", "groups/ops"],
            User: "bob", Groups: ["devs", "ops", UserInfo.AuthenticatedGroup], Asked: ["impersonate users/bob", "impersonate groups/devs", "impersonate groups/ops"]),
        new("one group refused", [("Impersonate-User", ["bob"]), ("Impersonate-Group", ["devs", "system:masters"])], ["users/bob", "groups/devs"], Code: 403,
            Message: "groups \"system:masters\" is forbidden: User \"alice\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope"),
        new("a service account user: checked as the serviceaccount in its namespace, with its groups", [("Impersonate-User", ["system:serviceaccount:ns1:builder"])], ["serviceaccounts/ns1/builder"],
            User: "system:serviceaccount:ns1:builder", Groups: ["system:serviceaccounts", "system:serviceaccounts:ns1", UserInfo.AuthenticatedGroup], Asked: ["impersonate serviceaccounts/ns1/builder"]),
        new("a service account, refused: kube's 403 in the namespace", [("Impersonate-User", ["system:serviceaccount:ns1:builder"])], ["users/system:serviceaccount:ns1:builder"], Code: 403,
            Message: "serviceaccounts \"builder\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ns1\""),
        new("a service account with groups given: only those", [("Impersonate-User", ["system:serviceaccount:ns1:builder"]), ("Impersonate-Group", ["devs"])], ["serviceaccounts/ns1/builder", "groups/devs"],
            User: "system:serviceaccount:ns1:builder", Groups: ["devs", UserInfo.AuthenticatedGroup]),
        new("a malformed service account name is a user", [("Impersonate-User", ["system:serviceaccount:ns1"])], ["users/system:serviceaccount:ns1"],
            User: "system:serviceaccount:ns1", Groups: [UserInfo.AuthenticatedGroup]),
        new("system:unauthenticated given: system:authenticated not added", [("Impersonate-User", ["bob"]), ("Impersonate-Group", ["system:unauthenticated"])], ["users/bob", "groups/system:unauthenticated"],
            User: "bob", Groups: ["system:unauthenticated"]),
        new("system:authenticated given: not twice", [("Impersonate-User", ["bob"]), ("Impersonate-Group", ["system:authenticated"])], ["users/bob", "groups/system:authenticated"],
            User: "bob", Groups: [UserInfo.AuthenticatedGroup]),
        new("the anonymous user gets system:unauthenticated", [("Impersonate-User", ["system:anonymous"])], ["users/system:anonymous"],
            User: "system:anonymous", Groups: ["system:unauthenticated"]),
        new("a uid: checked on uids.authentication.k8s.io", [("Impersonate-User", ["bob"]), ("Impersonate-Uid", ["1234"])], ["users/bob", "uids/1234"],
            User: "bob", Uid: "1234", Groups: [UserInfo.AuthenticatedGroup], Asked: ["impersonate users/bob", "impersonate authentication.k8s.io:uids/1234"]),
        new("a uid, refused", [("Impersonate-User", ["bob"]), ("Impersonate-Uid", ["1234"])], ["users/bob"], Code: 403,
            Message: "uids.authentication.k8s.io \"1234\" is forbidden: User \"alice\" cannot impersonate resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope"),
        new("extras: the key lower-cased and unescaped, each value checked on userextras/<key>", [("Impersonate-User", ["bob"]), ("Impersonate-Extra-Acme.com%2fProject", ["p1", "p2"])], ["users/bob", "userextras/acme.com/project/p1", "userextras/acme.com/project/p2"],
            User: "bob", Groups: [UserInfo.AuthenticatedGroup], Extra: "acme.com/project=p1,p2", Asked: ["impersonate users/bob", "impersonate authentication.k8s.io:userextras/acme.com/project/p1", "impersonate authentication.k8s.io:userextras/acme.com/project/p2"]),
        new("an extra value refused", [("Impersonate-User", ["bob"]), ("Impersonate-Extra-Scopes", ["view"])], ["users/bob"], Code: 403,
            Message: "userextras.authentication.k8s.io \"view\" is forbidden: User \"alice\" cannot impersonate resource \"userextras/scopes\" in API group \"authentication.k8s.io\" at the cluster scope"),
        new("groups without a user: 500 as kube", [("Impersonate-Group", ["devs"])], ["groups/devs"], Code: 500,
            Message: "Internal error occurred: requested [{Group devs}] without impersonating a user", Asked: []),
        new("a uid without a user: 500", [("Impersonate-Uid", ["1234"])], ["uids/1234"], Code: 500,
            Message: "Internal error occurred: requested [{UID 1234}] without impersonating a user"),
        new("the user is checked before groups: the first refusal names it", [("Impersonate-User", ["bob"]), ("Impersonate-Group", ["devs"])], ["groups/devs"], Code: 403,
            Message: "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", Asked: ["impersonate users/bob"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Impersonates_as_kube_apiserver_does(Case c)
    {
        var authorizer = new ListAuthorizer(c.Allowed);
        var headers = new HeaderDictionary();
        foreach (var (header, values) in c.Headers)
        {
            headers[header] = values;
        }

        if (c.Code != 0)
        {
            var refusal = Assert.Throws<ApiException>(() => new Impersonation(authorizer).ActAs(Alice, headers));
            Assert.Equal(c.Code, refusal.Code);
            Assert.Equal(c.Message, refusal.Status.Message);
            Assert.Equal(c.Code == 403 ? "Forbidden" : "InternalError", refusal.Status.Reason);
        }
        else
        {
            var user = new Impersonation(authorizer).ActAs(Alice, headers);
            Assert.Equal(c.User, user.Name);
            Assert.Equal(c.Groups, user.Groups);
            Assert.Equal(c.Uid, user.Uid);
            Assert.Equal(c.Extra, user.Extra is null ? null : string.Join(";", user.Extra.Select(e => $"{e.Key}={string.Join(',', e.Value)}")));
        }

        if (c.Asked is not null)
        {
            Assert.Equal(c.Asked, authorizer.Asked);
        }
    }

    [Fact]
    public void System_masters_may_impersonate_anyone_without_asking_the_authorizer()
    {
        var authorizer = new ListAuthorizer();
        var admin = new UserInfo("root", null, [UserInfo.MastersGroup, UserInfo.AuthenticatedGroup]);
        var user = new Impersonation(authorizer).ActAs(admin, new HeaderDictionary { ["Impersonate-User"] = "bob", ["Impersonate-Group"] = "devs" });
        Assert.Equal("bob", user.Name);
        Assert.Equal(["devs", UserInfo.AuthenticatedGroup], user.Groups);
        Assert.Empty(authorizer.Asked);
    }
}
