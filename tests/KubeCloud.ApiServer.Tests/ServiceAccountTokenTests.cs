using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// TokenRequest with the real kubectl (<c>kubectl create token</c>), then requests with that token: the service
/// account's identity and rights, refusal (401) once the token expires (the server's clock is moved, not waited for),
/// once the account is deleted or re-created, or once the bound object is gone; TokenReview agrees.
/// </summary>
public sealed class ServiceAccountTokenTests : IClassFixture<ServiceAccountTokenTests.ClockFixture>
{
    private const string Unauthorized = "You must be logged in to the server (Unauthorized)";

    private readonly ClockFixture _fixture;

    public ServiceAccountTokenTests(ClockFixture fixture)
    {
        _fixture = fixture;
    }

    public sealed class ClockFixture : ServerFixture
    {
        public ManualClock Clock { get; } = new();

        protected override LocalApiServerOptions Options() => new() { Clock = Clock };
    }

    private async Task<string> NamespaceWithAccountAsync(string ns, string account = "builder")
    {
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
        return (string)(await CreateAccountAsync(ns, account))["metadata"]!["uid"]!;
    }

    private Task<JsonObject> CreateAccountAsync(string ns, string account) =>
        _fixture.CreateAsync($"/api/v1/namespaces/{ns}/serviceaccounts", $$$"""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"{{{account}}}"}}""");

    private async Task<string> CreateTokenAsync(string version, string arguments) =>
        (await _fixture.KubectlAsync(version, $"create token {arguments}")).EnsureSuccess().Stdout.Trim();

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Kubectl_create_token_gives_a_token_with_the_service_accounts_identity_and_rights(string version)
    {
        var ns = "tokens-" + version.Replace('.', '-');
        var uid = await NamespaceWithAccountAsync(ns);
        var token = await CreateTokenAsync(version, $"builder -n {ns}");

        var whoami = (await _fixture.KubectlAsync(version, $"--token={token} auth whoami -o json")).EnsureSuccess().Stdout;
        var user = JsonNode.Parse(whoami)!["status"]!["userInfo"]!;
        Assert.Equal($"system:serviceaccount:{ns}:builder", (string?)user["username"]);
        Assert.Equal(uid, (string?)user["uid"]);
        Assert.Equal(["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string?)g));
        Assert.StartsWith("JTI=", (string?)user["extra"]!["authentication.kubernetes.io/credential-id"]![0], StringComparison.Ordinal);

        Assert.Contains(
            $"User \"system:serviceaccount:{ns}:builder\" cannot list resource \"configmaps\"",
            (await _fixture.KubectlAsync(version, $"--token={token} get configmaps -n {ns}")).Stderr,
            StringComparison.Ordinal);
        await _fixture.CreateAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"builder-view"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"ServiceAccount","name":"builder","namespace":"{{{ns}}}"}]}
            """);
        (await _fixture.KubectlAsync(version, $"--token={token} get configmaps -n {ns}")).EnsureSuccess();
        Assert.Equal("yes", (await _fixture.KubectlAsync(version, $"--token={token} auth can-i list configmaps -n {ns}")).Stdout.Trim());
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_token_is_refused_once_it_expires(string version)
    {
        var ns = "expiry-" + version.Replace('.', '-');
        await NamespaceWithAccountAsync(ns);
        var token = await CreateTokenAsync(version, $"builder -n {ns} --duration=10m");
        (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).EnsureSuccess();

        _fixture.Clock.Advance(TimeSpan.FromMinutes(9));
        (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).EnsureSuccess();
        _fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Contains(Unauthorized, (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).Stderr, StringComparison.Ordinal);

        var tooShort = await _fixture.KubectlAsync(version, $"create token builder -n {ns} --duration=5m");
        Assert.Contains("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes", tooShort.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_token_is_refused_once_its_account_is_deleted_even_if_a_new_one_takes_the_name(string version)
    {
        var ns = "deleted-" + version.Replace('.', '-');
        await NamespaceWithAccountAsync(ns);
        var token = await CreateTokenAsync(version, $"builder -n {ns}");
        (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).EnsureSuccess();

        (await _fixture.KubectlAsync(version, $"delete serviceaccount builder -n {ns}")).EnsureSuccess();
        Assert.Contains(Unauthorized, (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).Stderr, StringComparison.Ordinal);
        await CreateAccountAsync(ns, "builder");
        Assert.Contains(Unauthorized, (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).Stderr, StringComparison.Ordinal);
        (await _fixture.KubectlAsync(version, $"--token={await CreateTokenAsync(version, $"builder -n {ns}")} auth whoami")).EnsureSuccess();
        Assert.Contains("serviceaccounts \"nobody\" not found", (await _fixture.KubectlAsync(version, $"create token nobody -n {ns}")).Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_token_bound_to_a_secret_lives_as_long_as_the_secret(string version)
    {
        var ns = "bound-" + version.Replace('.', '-');
        await NamespaceWithAccountAsync(ns);
        await _fixture.CreateAsync($"/api/v1/namespaces/{ns}/secrets", """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"anchor"}}""");
        var token = await CreateTokenAsync(version, $"builder -n {ns} --bound-object-kind=Secret --bound-object-name=anchor");
        (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).EnsureSuccess();
        (await _fixture.KubectlAsync(version, $"delete secret anchor -n {ns}")).EnsureSuccess();
        Assert.Contains(Unauthorized, (await _fixture.KubectlAsync(version, $"--token={token} auth whoami")).Stderr, StringComparison.Ordinal);
        Assert.Contains("secrets \"anchor\" not found", (await _fixture.KubectlAsync(version, $"create token builder -n {ns} --bound-object-kind=Secret --bound-object-name=anchor")).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_review_accepts_the_tokens_for_their_audiences_only()
    {
        await NamespaceWithAccountAsync("review");
        var (code, request) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/review/serviceaccounts/builder/token", JsonNode.Parse("""
            {"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["vault"]}}
            """));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(3600, (long?)request["spec"]!["expirationSeconds"]);
        var vaultToken = (string)request["status"]!["token"]!;

        async Task<JsonNode> ReviewAsync(string token, string audiences)
        {
            var (reviewCode, review) = await _fixture.SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse($$$"""
                {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}"{{{audiences}}}}}
                """));
            Assert.Equal(HttpStatusCode.Created, reviewCode);
            return review["status"]!;
        }

        var forVault = await ReviewAsync(vaultToken, ""","audiences":["vault"]""");
        Assert.True((bool?)forVault["authenticated"]);
        Assert.Equal("system:serviceaccount:review:builder", (string?)forVault["user"]!["username"]);
        Assert.Equal("vault", (string?)forVault["audiences"]![0]);
        Assert.Null((bool?)(await ReviewAsync(vaultToken, ""))["authenticated"]);
        using (var vaultClient = _fixture.CreateClient(vaultToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await vaultClient.GetAsync(new Uri("/api", UriKind.Relative))).StatusCode);
        }


        var apiToken = await CreateTokenAsync("1.32", "builder -n review");
        Assert.True((bool?)(await ReviewAsync(apiToken, ""))["authenticated"]);
        Assert.Null((bool?)(await ReviewAsync(apiToken, ""","audiences":["vault"]"""))["authenticated"]);
        Assert.Equal("kubecloud-admin", (string?)(await ReviewAsync(_fixture.Server.AdminToken, ""))["user"]!["username"]);
        Assert.Null((bool?)(await ReviewAsync("not-a-token", ""))["authenticated"]);
    }

    [Fact]
    public async Task With_a_data_directory_a_token_outlives_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("kubecloud-lc-token-restart-");
        try
        {
            string token;
            await using (var before = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = directory.FullName }))
            {
                using var admin = ServerFixture.CreateClient(before, before.AdminToken);
                using var account = new StringContent("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder"}}""", System.Text.Encoding.UTF8, "application/json");
                (await admin.PostAsync(new Uri("/api/v1/namespaces/default/serviceaccounts", UriKind.Relative), account)).EnsureSuccessStatusCode();
                using var request = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}""", System.Text.Encoding.UTF8, "application/json");
                using var issued = await admin.PostAsync(new Uri("/api/v1/namespaces/default/serviceaccounts/builder/token", UriKind.Relative), request);
                token = (string)JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["status"]!["token"]!;
            }

            await using var after = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = directory.FullName });
            using var client = ServerFixture.CreateClient(after, token);
            using var review = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json");
            using var whoami = await client.PostAsync(new Uri("/apis/authentication.k8s.io/v1/selfsubjectreviews", UriKind.Relative), review);
            Assert.Equal(HttpStatusCode.Created, whoami.StatusCode);
            Assert.Equal("system:serviceaccount:default:builder", (string?)JsonNode.Parse(await whoami.Content.ReadAsStringAsync())!["status"]!["userInfo"]!["username"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
