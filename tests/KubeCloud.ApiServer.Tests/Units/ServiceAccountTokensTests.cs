using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Security;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>Signed service-account tokens: what is accepted, as whom and for which audiences, and every reason one is refused.</summary>
public sealed class ServiceAccountTokensTests
{
    private static readonly string[] Api = [ServiceAccountTokens.Issuer];

    /// <summary>The stored objects a token names.</summary>
    private sealed class Objects : IClusterObjectSource
    {
        public Dictionary<(string Resource, string Namespace, string Name), JsonObject> Stored { get; } = [];

        public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null) => [.. Stored.Where(s => s.Key.Resource == resource).Select(s => s.Value)];

        public JsonObject? Get(string group, string resource, string? @namespace, string name) => Stored.GetValueOrDefault((resource, @namespace ?? "", name));

        public JsonObject Put(string resource, string @namespace, string name, string uid, JsonObject? spec = null) =>
            Stored[(resource, @namespace, name)] = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["uid"] = uid }, ["spec"] = spec };
    }

    public enum Change
    {
        None,
        AccountDeleted,
        AccountRecreated,
        AccountTerminating,
        PodDeleted,
        Tampered,
        OtherKey,
        NotAJwt,
    }

    public sealed record Case(string Name, string[]? Issued = null, string[]? Asked = null, long AfterSeconds = 0, Change Change = Change.None, bool BoundToPod = false, string? Refused = null, string[]? Accepted = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("a fresh token for the API", Accepted: Api),
        new("a second before it expires", AfterSeconds: 599, Accepted: Api),
        new("at its expiry", AfterSeconds: 600, Refused: "service account token has expired"),
        new("a token for another audience is not one for the API", Issued: ["vault"], Refused: "token audiences don't match"),
        new("a token for another audience, asked for it", Issued: ["vault", "s3"], Asked: ["vault"], Accepted: ["vault"]),
        new("the account deleted", Change: Change.AccountDeleted, Refused: "service account ns1/builder (uid sa-1) no longer exists"),
        new("the account deleted and re-created: another uid", Change: Change.AccountRecreated, Refused: "no longer exists"),
        new("the account being deleted", Change: Change.AccountTerminating, Refused: "no longer exists"),
        new("bound to a pod: its name and uid as extras", BoundToPod: true, Accepted: Api),
        new("bound to a pod that is gone", BoundToPod: true, Change: Change.PodDeleted, Refused: "bound to pod web (uid pod-1), which no longer exists"),
        new("a changed payload", Change: Change.Tampered, Refused: "invalid bearer token"),
        new("signed by another server's key", Change: Change.OtherKey, Refused: "invalid bearer token"),
        new("not a JWT", Change: Change.NotAJwt, Refused: "invalid bearer token"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accepts_a_token_only_while_it_and_what_it_names_are_valid(Case c)
    {
        var objects = new Objects();
        var clock = new ManualClock();
        var account = objects.Put("serviceaccounts", "ns1", "builder", "sa-1");
        var pod = objects.Put("pods", "ns1", "web", "pod-1", new JsonObject { ["serviceAccountName"] = "builder" });
        using var tokens = new ServiceAccountTokens(new MemoryServiceAccountKeyStore(), objects, clock);
        var token = tokens.Issue(account, c.Issued ?? Api, clock.GetUtcNow(), 600, c.BoundToPod ? "Pod" : null, c.BoundToPod ? pod : null);
        clock.Advance(TimeSpan.FromSeconds(c.AfterSeconds));
        switch (c.Change)
        {
            case Change.AccountDeleted:
                objects.Stored.Remove(("serviceaccounts", "ns1", "builder"));
                break;
            case Change.AccountRecreated:
                objects.Put("serviceaccounts", "ns1", "builder", "sa-2");
                break;
            case Change.AccountTerminating:
                account["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
                break;
            case Change.PodDeleted:
                objects.Stored.Remove(("pods", "ns1", "web"));
                break;
            case Change.Tampered:
                var parts = token.Split('.');
                token = $"{parts[0]}.{parts[1][..^2]}{(parts[1][^2] == 'A' ? 'B' : 'A')}{parts[1][^1]}.{parts[2]}";
                break;
            case Change.OtherKey:
                using (var other = new ServiceAccountTokens(new MemoryServiceAccountKeyStore(), objects, clock))
                {
                    token = other.Issue(account, Api, clock.GetUtcNow(), 600);
                }

                break;
            case Change.NotAJwt:
                token = "not-a.jwt";
                break;
        }

        var (user, audiences, error) = tokens.Authenticate(token, c.Asked);
        if (c.Refused is not null)
        {
            Assert.Null(user);
            Assert.Contains(c.Refused, error, StringComparison.Ordinal);
            return;
        }

        Assert.NotNull(user);
        Assert.Equal("system:serviceaccount:ns1:builder", user.Name);
        Assert.Equal("sa-1", user.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1", UserInfo.AuthenticatedGroup], user.Groups);
        Assert.StartsWith("JTI=", user.Extra![ServiceAccountTokens.CredentialIdExtra][0], StringComparison.Ordinal);
        Assert.Equal(c.BoundToPod ? "web" : null, user.Extra.GetValueOrDefault("authentication.kubernetes.io/pod-name")?[0]);
        Assert.Equal(c.BoundToPod ? "pod-1" : null, user.Extra.GetValueOrDefault("authentication.kubernetes.io/pod-uid")?[0]);
        Assert.Equal(c.Accepted, audiences);
    }

    [Fact]
    public void Tokens_outlive_a_restart_when_the_key_store_keeps_the_key()
    {
        var directory = Directory.CreateTempSubdirectory("kubecloud-sa-key-");
        try
        {
            var objects = new Objects();
            var account = objects.Put("serviceaccounts", "ns1", "builder", "sa-1");
            var store = new FileServiceAccountKeyStore(Path.Combine(directory.FullName, "pki", "sa.key"));
            string token;
            using (var before = new ServiceAccountTokens(store, objects, TimeProvider.System))
            {
                token = before.Issue(account, Api, DateTimeOffset.UtcNow, 3600);
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.FullName, "pki", "sa.key")));
            }

            using var after = new ServiceAccountTokens(new FileServiceAccountKeyStore(Path.Combine(directory.FullName, "pki", "sa.key")), objects, TimeProvider.System);
            Assert.Equal("system:serviceaccount:ns1:builder", after.Authenticate(token).User?.Name);
            using var fresh = new ServiceAccountTokens(new MemoryServiceAccountKeyStore(), objects, TimeProvider.System);
            Assert.Null(fresh.Authenticate(token).User);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
