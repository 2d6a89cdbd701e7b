using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Invalid objects are refused with kube-apiserver's status code, reason and field path, and nothing is stored.</summary>
public sealed class InvalidObjectTests : IClassFixture<InvalidObjectTests.Fixture>
{
    private readonly Fixture _fixture;

    public InvalidObjectTests(Fixture fixture)
    {
        _fixture = fixture;
    }

    public sealed class Fixture : ServerFixture
    {
        protected override LocalApiServerOptions Options()
        {
            var options = new LocalApiServerOptions();
            options.CrdFiles.Add(Path.Combine(AppContext.BaseDirectory, "TestData", "crds", "widgets.yaml"));
            foreach (var file in Directory.GetFiles(Path.Combine(KubeClients.RepositoryRoot, "crds"), "*.yaml"))
            {
                options.CrdFiles.Add(file);
            }

            return options;
        }
    }

    public static TheoryData<string, string, string, int, string, string?> Cases => new()
    {
        // name, collection path, object, code, reason, field of the first cause
        { "configmap with an invalid name", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}""", 422, "Invalid", "metadata.name" },
        { "configmap without a name", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}""", 422, "Invalid", "metadata.name" },
        { "configmap with an invalid data key", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k"},"data":{"bad key":"x"}}""", 422, "Invalid", "data[bad key]" },
        { "configmap with an invalid label value", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"l","labels":{"a":"not valid!"}}}""", 422, "Invalid", "metadata.labels" },
        { "configmap with an invalid label key", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"l2","labels":{"-a":"b"}}}""", 422, "Invalid", "metadata.labels" },
        { "configmap with a number as data", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"},"data":{"a":1}}""", 400, "BadRequest", null },
        { "configmap in a missing namespace", "/api/v1/namespaces/nowhere/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m"}}""", 404, "NotFound", null },
        { "configmap of the wrong kind", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"w"}}""", 400, "BadRequest", null },
        { "configmap with a foreign namespace", "/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","namespace":"kube-system"}}""", 400, "BadRequest", null },
        { "service with an uppercase name", "/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"Web"},"spec":{"ports":[{"port":80}]}}""", 422, "Invalid", "metadata.name" },
        { "service with port zero", "/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"p0"},"spec":{"ports":[{"port":0}]}}""", 422, "Invalid", "spec.ports[0].port" },
        { "service port without port", "/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"p1"},"spec":{"ports":[{"name":"x"}]}}""", 422, "Invalid", "spec.ports[0].port" },
        { "namespace with a dot", "/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}""", 422, "Invalid", "metadata.name" },
        { "deployment with negative replicas", "/apis/apps/v1/namespaces/default/deployments", Deployment("neg", "\"replicas\":-1,"), 422, "Invalid", "spec.replicas" },
        { "deployment with replicas as text", "/apis/apps/v1/namespaces/default/deployments", Deployment("txt", "\"replicas\":\"two\","), 400, "BadRequest", null },
        { "deployment without selector", "/apis/apps/v1/namespaces/default/deployments", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nosel"},"spec":{"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""", 422, "Invalid", "spec.selector" },
        { "deployment whose selector does not match", "/apis/apps/v1/namespaces/default/deployments", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"mis"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"y"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""", 422, "Invalid", "spec.template.metadata.labels" },
        { "deployment container without image", "/apis/apps/v1/namespaces/default/deployments", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"noimg"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c"}]}}}}""", 422, "Invalid", "spec.template.spec.containers[0].image" },
        { "pod with container port out of range", "/api/v1/namespaces/default/pods", """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pp"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":70000}]}]}}""", 422, "Invalid", "spec.containers[0].ports[0].containerPort" },
        { "pod without containers field", "/api/v1/namespaces/default/pods", """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pc"},"spec":{}}""", 422, "Invalid", "spec.containers" },
        { "role binding without roleRef", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"}}""", 422, "Invalid", "roleRef" },
        { "crd whose name does not match", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"wrong.example.com"},"spec":{"group":"example.com","names":{"plural":"things","kind":"Thing"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}""", 422, "Invalid", "metadata.name" },
        { "crd with a bad scope", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.example.com"},"spec":{"group":"example.com","names":{"plural":"things","kind":"Thing"},"scope":"Global","versions":[{"name":"v1","served":true,"storage":true}]}}""", 422, "Invalid", "spec.scope" },
        { "widget with an invalid name", "/apis/test.kubecloud.io/v1/namespaces/default/widgets", """{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"UPPER"},"spec":{"size":1}}""", 422, "Invalid", "metadata.name" },
        { "widget with an invalid finalizer", "/apis/test.kubecloud.io/v1/namespaces/default/widgets", """{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"fin","finalizers":["-bad-"]},"spec":{"size":1}}""", 422, "Invalid", "metadata.finalizers[0]" },
        { "widget without its required size", "/apis/test.kubecloud.io/v1/namespaces/default/widgets", """{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"nosize"},"spec":{}}""", 422, "Invalid", "spec.size" },
        { "widget with size as text", "/apis/test.kubecloud.io/v1/namespaces/default/widgets", """{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"txt"},"spec":{"size":"big"}}""", 422, "Invalid", "spec.size" },
        { "server without flavorRef", "/apis/kubecloud.io/v1alpha1/namespaces/default/servers", """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"web"},"spec":{"imageRef":{"name":"debian"}}}""", 422, "Invalid", "spec.flavorRef" },
        { "flavor with negative vcpus", "/apis/kubecloud.io/v1alpha1/flavors", """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Flavor","metadata":{"name":"neg"},"spec":{"vcpus":-1,"memory":"1Gi","rootDisk":"1Gi"}}""", 422, "Invalid", "spec.vcpus" },
        { "image with an unsupported disk format", "/apis/kubecloud.io/v1alpha1/namespaces/default/images", """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Image","metadata":{"name":"img"},"spec":{"source":{"url":"https://example.com/a.img"},"diskFormat":"vmdk"}}""", 422, "Invalid", "spec.diskFormat" },
        { "private-only field on a public flavor (CEL)", "/apis/kubecloud.io/v1alpha1/flavors", """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Flavor","metadata":{"name":"cel"},"spec":{"vcpus":1,"memory":"1Gi","rootDisk":"1Gi","public":true,"projects":["demo"]}}""", 422, "Invalid", "spec.projects" },
        { "widget of another group", "/apis/test.kubecloud.io/v1/namespaces/default/widgets", """{"apiVersion":"other.io/v1","kind":"Widget","metadata":{"name":"og"},"spec":{"size":1}}""", 400, "BadRequest", null },
    };

    private static string Deployment(string name, string specPrefix) =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{" + specPrefix +
        "\"selector\":{\"matchLabels\":{\"app\":\"a\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"a\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Is_refused_and_not_stored(string name, string path, string json, int code, string reason, string? field)
    {
        var before = _fixture.Server.CurrentRevision;
        var (status, body) = await _fixture.SendAsync(HttpMethod.Post, path, JsonNode.Parse(json));
        Assert.True(code == (int)status, $"{name}: {status} {body}");
        Assert.Equal("Status", (string?)body["kind"]);
        Assert.Equal("Failure", (string?)body["status"]);
        Assert.Equal(reason, (string?)body["reason"]);
        Assert.Equal(code, (int?)body["code"]);
        if (field is not null)
        {
            var causes = body["details"]!["causes"]!.AsArray();
            Assert.Contains(causes, c => (string?)c!["field"] == field);
            Assert.Contains($"{field}: ", (string?)body["message"], StringComparison.Ordinal);
        }

        Assert.Equal(before, _fixture.Server.CurrentRevision);
    }

    [Fact]
    public async Task Message_names_kind_object_and_field_as_kube_apiserver_does()
    {
        var (_, body) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services", JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"p0"},"spec":{"ports":[{"port":0}]}}"""));
        Assert.Equal("Service \"p0\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", (string?)body["message"]);
        Assert.Equal("FieldValueInvalid", (string?)body["details"]!["causes"]![0]!["reason"]);
    }

    [Fact]
    public async Task Unknown_fields_follow_field_validation()
    {
        var json = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"uf"},"data":{"a":"b"},"extra":1}""";
        var (strict, body) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", JsonNode.Parse(json));
        Assert.Equal(HttpStatusCode.BadRequest, strict);
        Assert.Equal("strict decoding error: unknown field \"extra\"", (string?)body["message"]);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?fieldValidation=Warn") { Content = new StringContent(json) };
        request.Content.Headers.ContentType = new("application/json");
        using var warned = await _fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, warned.StatusCode);
        Assert.Contains("299 - \"unknown field \\\"extra\\\"\"", warned.Headers.GetValues("Warning"));
    }

    [Fact]
    public async Task Stale_update_is_a_conflict_and_missing_object_is_not_found()
    {
        var created = await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stale"},"data":{"a":"1"}}""");
        created["data"]!["a"] = "2";
        (await _fixture.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/stale", created)).Code.Equals(HttpStatusCode.OK);
        created["data"]!["a"] = "3";
        var (code, body) = await _fixture.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/stale", created);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)body["reason"]);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"stale\": the object has been modified; please apply your changes to the latest version and try again", (string?)body["message"]);

        (code, body) = await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/nothing");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("configmaps \"nothing\" not found", (string?)body["message"]);
        Assert.Equal("configmaps", (string?)body["details"]!["kind"]);

        (code, body) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stale"}}"""));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", (string?)body["reason"]);
    }

    [Fact]
    public async Task Custom_resources_are_pruned_defaulted_and_strict_about_unknown_fields()
    {
        var json = """{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"pruned"},"spec":{"size":2,"shape":"round"}}""";
        var (strict, body) = await _fixture.SendAsync(HttpMethod.Post, "/apis/test.kubecloud.io/v1/namespaces/default/widgets?fieldValidation=Strict", JsonNode.Parse(json));
        Assert.Equal(HttpStatusCode.BadRequest, strict);
        Assert.Equal("strict decoding error: unknown field \"spec.shape\"", (string?)body["message"]);
        var created = await _fixture.CreateAsync("/apis/test.kubecloud.io/v1/namespaces/default/widgets?fieldValidation=Ignore", json);
        Assert.Null(created["spec"]!["shape"]);
        Assert.Equal("blue", (string?)created["spec"]!["color"]);
    }

    [Fact]
    public async Task A_crd_with_a_rule_the_evaluator_cannot_run_is_accepted_with_a_warning()
    {
        var crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"odds.example.com"},
             "spec":{"group":"example.com","names":{"plural":"odds","kind":"Odd"},"scope":"Namespaced",
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object",
                "x-kubernetes-validations":[{"rule":"self.name.matches('^a')"}],"properties":{"name":{"type":"string"}}}}}}}]}}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions") { Content = new StringContent(crd) };
        request.Content.Headers.ContentType = new("application/json");
        using var response = await _fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var warning = Assert.Single(response.Headers.GetValues("Warning"));
        Assert.Contains("self.name.matches('^a')", warning, StringComparison.Ordinal);
        Assert.Contains("not evaluated", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_project_crds_have_no_rule_the_evaluator_cannot_run()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(KubeClients.RepositoryRoot, "crds"), "*.yaml"))
        {
            var crd = global::KubeCloud.Crds.Yaml.YamlJsonReader.Read(await File.ReadAllTextAsync(file)).AsObject();
            Assert.Empty(new KubeCloud.ApiServer.Validation.StructuralSchemaValidation().Warnings(crd));
        }
    }

    [Fact]
    public async Task Anonymous_requests_are_unauthorized()
    {
        using var anonymous = _fixture.CreateClient(null);
        using var response = await anonymous.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Unauthorized", (string?)body["reason"]);
        using var wrong = _fixture.CreateClient("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(new Uri("/api", UriKind.Relative))).StatusCode);
    }
}
