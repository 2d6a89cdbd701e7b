using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Discovery (legacy and aggregated), /version, health, OpenAPI v2/v3, Tables, CRD groups coming and going.</summary>
public sealed class DiscoveryTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public DiscoveryTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private async Task<(HttpResponseMessage Response, JsonNode Body)> GetAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await _fixture.Http.SendAsync(request);
        return (response, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Built_in_resources_come_from_the_openapi_document()
    {
        var (_, core) = await GetAsync("/api/v1");
        var resources = core["resources"]!.AsArray();
        var pods = resources.Single(r => (string?)r!["name"] == "pods")!;
        Assert.Equal("Pod", (string?)pods["kind"]);
        Assert.True((bool?)pods["namespaced"]);
        Assert.Contains("watch", pods["verbs"]!.AsArray().Select(v => (string?)v));
        Assert.Contains(resources, r => (string?)r!["name"] == "pods/status");
        Assert.False((bool?)resources.Single(r => (string?)r!["name"] == "namespaces")!["namespaced"]);
        var (_, apps) = await GetAsync("/apis/apps/v1");
        Assert.Equal(["deploy"], apps["resources"]!.AsArray().Single(r => (string?)r!["name"] == "deployments")!["shortNames"]!.AsArray().Select(s => (string?)s));
        var (_, groups) = await GetAsync("/apis");
        var autoscaling = groups["groups"]!.AsArray().Single(g => (string?)g!["name"] == "autoscaling")!;
        Assert.Equal("v2", (string?)autoscaling["preferredVersion"]!["version"]);
    }

    [Fact]
    public async Task Aggregated_discovery_answers_in_its_own_media_type_and_follows_crds()
    {
        const string accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        var (response, body) = await GetAsync("/apis", accept);
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("APIGroupDiscoveryList", (string?)body["kind"]);
        Assert.DoesNotContain(body["items"]!.AsArray(), g => (string?)g!["metadata"]!["name"] == "disc.example.com");

        await _fixture.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gizmos.disc.example.com"},
             "spec":{"group":"disc.example.com","names":{"plural":"gizmos","kind":"Gizmo","shortNames":["gz"],"categories":["kubecloud"]},"scope":"Cluster",
              "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """);
        (_, body) = await GetAsync("/apis", accept);
        var group = body["items"]!.AsArray().Single(g => (string?)g!["metadata"]!["name"] == "disc.example.com")!;
        var gizmos = group["versions"]![0]!["resources"]![0]!;
        Assert.Equal("Cluster", (string?)gizmos["scope"]);
        Assert.Equal(["gz"], gizmos["shortNames"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("status", (string?)gizmos["subresources"]![0]!["subresource"]);

        var crd = (await _fixture.SendAsync(HttpMethod.Get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.disc.example.com")).Body;
        Assert.Contains(crd["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True");
        await _fixture.CreateAsync("/apis/disc.example.com/v1/gizmos", """{"apiVersion":"disc.example.com/v1","kind":"Gizmo","metadata":{"name":"g1"},"anything":{"goes":1}}""");

        await _fixture.SendAsync(HttpMethod.Delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.disc.example.com");
        await Eventually.TrueAsync(async () => (await _fixture.SendAsync(HttpMethod.Get, "/apis/disc.example.com/v1")).Code == HttpStatusCode.NotFound, "the group to disappear");
        Assert.Equal(HttpStatusCode.NotFound, (await _fixture.SendAsync(HttpMethod.Get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.disc.example.com")).Code);
    }

    [Fact]
    public async Task Version_and_health()
    {
        var (_, version) = await GetAsync("/version");
        Assert.Equal("1", (string?)version["major"]);
        using var anonymous = _fixture.CreateClient(null);
        foreach (var path in new[] { "/healthz", "/readyz", "/livez" })
        {
            Assert.Equal("ok", await anonymous.GetStringAsync(new Uri(path, UriKind.Relative)));
        }
    }

    [Fact]
    public async Task Openapi_v2_and_v3_documents_describe_built_ins_and_crds()
    {
        var (_, v2) = await GetAsync("/openapi/v2", "application/json");
        Assert.NotNull(v2["definitions"]!["io.k8s.api.apps.v1.Deployment"]);
        using var protobufOnly = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        protobufOnly.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        Assert.Equal(HttpStatusCode.NotAcceptable, (await _fixture.Http.SendAsync(protobufOnly)).StatusCode);

        var (_, index) = await GetAsync("/openapi/v3");
        var url = (string)index["paths"]!["apis/apps/v1"]!["serverRelativeURL"]!;
        var (_, apps) = await GetAsync(url);
        var patch = apps["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation" && (string?)p["in"] == "query");
        Assert.NotNull(apps["components"]!["schemas"]!["io.k8s.api.apps.v1.Deployment"]);
        Assert.NotNull(apps["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    }

    [Fact]
    public async Task Tables_carry_columns_rows_and_partial_metadata()
    {
        var (response, table) = await GetAsync("/api/v1/namespaces", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal(["Name", "Status", "Age"], table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        var row = table["rows"]!.AsArray().First(r => (string?)r!["cells"]![0] == "default")!;
        Assert.Equal("Active", (string?)row["cells"]![1]);
        var (_, configMaps) = await GetAsync("/api/v1/namespaces/default/configmaps", "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal(["Name", "Age"], configMaps["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);
    }
}
