using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Security;
using KubeCloud.ApiServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Mutating and validating webhooks over HTTPS (caBundle) are called on client writes, in kube's order.</summary>
public sealed class AdmissionTests : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly ServerFixture _fixture;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _users = new();
    private WebApplication? _webhook;
    private int _port;

    public AdmissionTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(ServingCertificates.Instance.ServingCertificate)));
        _webhook = builder.Build();
        _webhook.Run(AnswerAsync);
        await _webhook.StartAsync();
        _port = new Uri(_webhook.Urls.First()).Port;
    }

    private async Task AnswerAsync(HttpContext http)
    {
        var review = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var request = review["request"]!;
        _users.Enqueue($"{http.Request.Path}: {request["userInfo"]?["username"]} {request["userInfo"]?["groups"]?.ToJsonString()}");
        var labels = request["object"]?["metadata"]?["labels"] as JsonObject;
        var response = new JsonObject { ["uid"] = request["uid"]!.DeepClone(), ["allowed"] = true };
        if (http.Request.Path == "/mutate")
        {
            var patch = labels is null
                ? """[{"op":"add","path":"/metadata/labels","value":{"mutated":"yes"}}]"""
                : """[{"op":"add","path":"/metadata/labels/mutated","value":"yes"}]""";
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch));
        }
        else if ((string?)labels?["deny"] == "true")
        {
            response["allowed"] = false;
            response["status"] = new JsonObject { ["code"] = 403, ["message"] = "configmaps labelled deny are refused" };
        }
        else if ((string?)labels?["mutated"] != "yes")
        {
            response["allowed"] = false;
            response["status"] = new JsonObject { ["code"] = 400, ["message"] = "validation ran before mutation" };
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    private string Configuration(string kind, string path) => $$$"""
        {"apiVersion":"admissionregistration.k8s.io/v1","kind":"{{{kind}}}","metadata":{"name":"test-{{{path}}}"},
         "webhooks":[{"name":"{{{path}}}.test.kubecloud.io","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Fail",
           "clientConfig":{"url":"https://127.0.0.1:{{{_port}}}/{{{path}}}","caBundle":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(_fixture.Server.CaCertificatePem))}}}"},
           "namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"hooked"}},
           "rules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE","UPDATE"],"resources":["configmaps"]}]}]}
        """;

    [Fact]
    public async Task Webhooks_mutate_then_validate_client_writes()
    {
        await _fixture.CreateAsync("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"hooked"}}""");
        await _fixture.CreateAsync("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", Configuration("MutatingWebhookConfiguration", "mutate"));
        await _fixture.CreateAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", Configuration("ValidatingWebhookConfiguration", "validate"));

        var created = await _fixture.CreateAsync("/api/v1/namespaces/hooked/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ok"}}""");
        Assert.Equal("yes", (string?)created["metadata"]!["labels"]!["mutated"]);

        var (code, status) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/hooked/configmaps", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"no","labels":{"deny":"true"}}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Contains("configmaps labelled deny are refused", (string?)status["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/hooked/configmaps/no")).Code);

        // Outside the namespace selector nothing is called.
        var plain = await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"plain","labels":{"deny":"true"}}}""");
        Assert.Null(plain["metadata"]!["labels"]!["mutated"]);

        // Both webhooks see the impersonated user, not the one who authenticated.
        using var impersonating = _fixture.CreateClient(_fixture.Server.AdminToken);
        impersonating.DefaultRequestHeaders.Add("Impersonate-User", "erin");
        impersonating.DefaultRequestHeaders.Add("Impersonate-Group", "system:masters");
        using var body = new StringContent("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"as-erin"}}""", Encoding.UTF8, "application/json");
        using var response = await impersonating.PostAsync(new Uri("/api/v1/namespaces/hooked/configmaps", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("/mutate: erin [\"system:masters\",\"system:authenticated\"]", _users);
        Assert.Contains("/validate: erin [\"system:masters\",\"system:authenticated\"]", _users);
    }

    public async Task DisposeAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }
}
