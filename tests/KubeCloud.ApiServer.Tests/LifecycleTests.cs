using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Garbage collection through ownerReferences, generation, pagination, selectors and dryRun over HTTP.</summary>
public sealed class LifecycleTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public LifecycleTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private async Task<JsonObject> OwnerAsync(string name) =>
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"}}""");

    private async Task DependentAsync(string name, JsonObject owner) =>
        await _fixture.CreateAsync("/api/v1/namespaces/default/secrets", $$$"""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"{{{name}}}","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"{{{owner["metadata"]!["name"]}}}","uid":"{{{owner["metadata"]!["uid"]}}}","blockOwnerDeletion":true}]}}
            """);

    private async Task<bool> ExistsAsync(string path) => (await _fixture.SendAsync(HttpMethod.Get, path)).Code == HttpStatusCode.OK;

    private Task<(HttpStatusCode Code, JsonObject Body)> DeleteAsync(string name, string policy) =>
        _fixture.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/default/configmaps/{name}", JsonNode.Parse($$$"""{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"{{{policy}}}"}"""));

    [Fact]
    public async Task Background_deletion_collects_dependents()
    {
        var owner = await OwnerAsync("bg-owner");
        await DependentAsync("bg-child", owner);
        await DeleteAsync("bg-owner", "Background");
        await Eventually.TrueAsync(async () => !await ExistsAsync("/api/v1/namespaces/default/secrets/bg-child"), "the dependent to be collected");
    }

    [Fact]
    public async Task Foreground_deletion_removes_dependents_first()
    {
        var owner = await OwnerAsync("fg-owner");
        await DependentAsync("fg-child", owner);
        await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/secrets/fg-child", JsonNode.Parse("""{"metadata":{"finalizers":["test/hold"]}}"""), "application/merge-patch+json");
        await DeleteAsync("fg-owner", "Foreground");
        var held = (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/fg-owner")).Body;
        Assert.Contains("foregroundDeletion", held["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        await Eventually.TrueAsync(async () => (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/secrets/fg-child")).Body["metadata"]?["deletionTimestamp"] is not null, "the dependent to be deleting");
        Assert.True(await ExistsAsync("/api/v1/namespaces/default/configmaps/fg-owner"), "the owner waits for its dependents");
        await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/secrets/fg-child", JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers"}]"""), "application/json-patch+json");
        await Eventually.TrueAsync(async () => !await ExistsAsync("/api/v1/namespaces/default/configmaps/fg-owner"), "the owner to go after its dependents");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_without_the_owner_reference()
    {
        var owner = await OwnerAsync("or-owner");
        await DependentAsync("or-child", owner);
        await DeleteAsync("or-owner", "Orphan");
        await Eventually.TrueAsync(async () => !await ExistsAsync("/api/v1/namespaces/default/configmaps/or-owner"), "the owner to go");
        var child = (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/secrets/or-child")).Body;
        Assert.Null(child["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task Generation_moves_on_spec_changes_only()
    {
        var created = await _fixture.CreateAsync("/apis/apps/v1/namespaces/default/deployments", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"gen"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"g"}},"template":{"metadata":{"labels":{"app":"g"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);
        Assert.Equal(1, (int?)created["metadata"]!["generation"]);
        var (_, labelled) = await _fixture.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/gen", JsonNode.Parse("""{"metadata":{"labels":{"x":"y"}}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(1, (int?)labelled["metadata"]!["generation"]);
        var (_, scaled) = await _fixture.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/gen", JsonNode.Parse("""{"spec":{"replicas":3}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(2, (int?)scaled["metadata"]!["generation"]);
        var (_, status) = await _fixture.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/gen/status", JsonNode.Parse("""{"status":{"replicas":3},"spec":{"replicas":9}}"""), "application/merge-patch+json");
        Assert.Equal(2, (int?)status["metadata"]!["generation"]);
        Assert.Equal(3, (int?)status["spec"]!["replicas"]);
        Assert.Equal(3, (int?)status["status"]!["replicas"]);
    }

    [Fact]
    public async Task Lists_paginate_with_limit_and_continue_and_filter_with_selectors()
    {
        await _fixture.CreateAsync("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"pages"}}""");
        for (var i = 0; i < 7; i++)
        {
            await _fixture.CreateAsync("/api/v1/namespaces/pages/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-" + i + "\",\"labels\":{\"parity\":\"" + (i % 2 == 0 ? "even" : "odd") + "\"}}}");
        }

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var query = "/api/v1/namespaces/pages/configmaps?limit=3" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next));
            var page = (await _fixture.SendAsync(HttpMethod.Get, query)).Body;
            names.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            next = (string?)page["metadata"]!["continue"];
            pages++;
        }
        while (next is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm-{i}"), names);

        var odd = (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/pages/configmaps?labelSelector=parity%20in%20(odd)")).Body;
        Assert.Equal(3, odd["items"]!.AsArray().Count);
        var one = (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-4,metadata.namespace%3Dpages")).Body;
        Assert.Equal("cm-4", (string?)one["items"]!.AsArray().Single()!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Json_patch_applies_and_refuses_as_kube_apiserver()
    {
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"jp"},"data":{"a":"1"}}""");
        var (code, body) = await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/jp", JsonNode.Parse("""[{"op":"test","path":"/data/a","value":"1"},{"op":"add","path":"/data/b","value":"2"},{"op":"remove","path":"/data/a"}]"""), "application/json-patch+json");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("""{"b":"2"}""", body["data"]!.ToJsonString());
        (code, _) = await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/jp", JsonNode.Parse("""{"op":"add"}"""), "application/json-patch+json");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        (code, _) = await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/jp", JsonNode.Parse("""[{"op":"remove","path":"/data/zzz"}]"""), "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
    }

    [Fact]
    public async Task Dry_run_does_not_store_and_delete_collection_honours_selectors()
    {
        var (code, _) = await _fixture.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?dryRun=All", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}"""));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.False(await ExistsAsync("/api/v1/namespaces/default/configmaps/dry"));
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dc-1","labels":{"batch":"x"}}}""");
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dc-2","labels":{"batch":"x"}}}""");
        await _fixture.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dx");
        Assert.False(await ExistsAsync("/api/v1/namespaces/default/configmaps/dc-1"));
        Assert.False(await ExistsAsync("/api/v1/namespaces/default/configmaps/dc-2"));
    }

    [Fact]
    public async Task A_write_that_changes_nothing_keeps_the_resourceVersion()
    {
        const string path = "/api/v1/namespaces/default/configmaps/noop?fieldManager=noop-test";
        const string apply = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"noop"},"data":{"a":"1"}}""";
        var first = (await _fixture.SendAsync(HttpMethod.Patch, path, JsonNode.Parse(apply), "application/apply-patch+yaml")).Body;
        var revision = (string?)first["metadata"]!["resourceVersion"];

        var again = (await _fixture.SendAsync(HttpMethod.Patch, path, JsonNode.Parse(apply), "application/apply-patch+yaml")).Body;
        Assert.Equal(revision, (string?)again["metadata"]!["resourceVersion"]);
        var put = await _fixture.SendAsync(HttpMethod.Put, path, again);
        Assert.Equal(HttpStatusCode.OK, put.Code);
        Assert.Equal(revision, (string?)put.Body["metadata"]!["resourceVersion"]);

        var changed = (await _fixture.SendAsync(HttpMethod.Patch, path, JsonNode.Parse(apply.Replace("\"1\"", "\"2\"", StringComparison.Ordinal)), "application/apply-patch+yaml")).Body;
        Assert.NotEqual(revision, (string?)changed["metadata"]!["resourceVersion"]);
        Assert.Equal("2", (string?)changed["data"]!["a"]);
    }

    [Fact]
    public async Task An_apply_that_no_longer_lists_an_item_of_a_keyed_list_removes_the_whole_item()
    {
        const string path = "/apis/apps/v1/namespaces/default/deployments/keyed?fieldManager=keyed-test";
        const string apply = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"keyed"},
             "spec":{"selector":{"matchLabels":{"app":"k"}},"template":{"metadata":{"labels":{"app":"k"}},"spec":{"containers":[CONTAINERS]}}}}
            """;
        const string web = """{"name":"web","image":"nginx"}""";
        const string sidecar = """{"name":"sidecar","image":"envoy"}""";
        await _fixture.SendAsync(HttpMethod.Patch, path, JsonNode.Parse(apply.Replace("CONTAINERS", web + "," + sidecar, StringComparison.Ordinal)), "application/apply-patch+yaml");

        var applied = (await _fixture.SendAsync(HttpMethod.Patch, path, JsonNode.Parse(apply.Replace("CONTAINERS", web, StringComparison.Ordinal)), "application/apply-patch+yaml")).Body;
        var containers = applied["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["web"], containers.Select(c => (string?)c!["name"]));
    }
}
