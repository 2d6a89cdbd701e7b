using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Watch from a resourceVersion, bookmarks, timeoutSeconds, selectors, and 410 Gone then relist for a client that fell behind.</summary>
public sealed class WatchTests : IClassFixture<WatchTests.Fixture>
{
    private readonly Fixture _fixture;

    public WatchTests(Fixture fixture)
    {
        _fixture = fixture;
    }

    public sealed class Fixture : ServerFixture
    {
        protected override LocalApiServerOptions Options() => new() { WatchHistorySize = 50, BookmarkInterval = TimeSpan.FromMilliseconds(200) };
    }

    private async Task<string> NamespaceAsync(string name)
    {
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""");
        return name;
    }

    private Task<JsonObject> ConfigMapAsync(string ns, string name, string labels = "{}") =>
        _fixture.CreateAsync($"/api/v1/namespaces/{ns}/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":" + labels + "},\"data\":{\"v\":\"0\"}}");

    /// <summary>Reads watch events until <paramref name="count"/> arrived or the stream ended.</summary>
    private async Task<List<JsonObject>> WatchAsync(string path, int count, TimeSpan? timeout = null) =>
        await await StartWatchAsync(path, count, timeout);

    /// <summary>Opens a watch (registered when this returns); the returned task reads <paramref name="count"/> events.</summary>
    private Task<Task<List<JsonObject>>> StartWatchAsync(string path, int count, TimeSpan? timeout = null) =>
        WatchStream.StartAsync(_fixture.Http, path, events => events.Count >= count, timeout ?? TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Watch_from_a_resource_version_replays_later_changes_in_order()
    {
        var ns = await NamespaceAsync("replay");
        var first = await ConfigMapAsync(ns, "a");
        var rv = (string)first["metadata"]!["resourceVersion"]!;
        await ConfigMapAsync(ns, "b");
        await _fixture.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/a");
        var events = await WatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}", 2);
        Assert.Equal(["ADDED", "DELETED"], events.Select(e => (string)e["type"]!));
        Assert.Equal("b", (string?)events[0]["object"]!["metadata"]!["name"]);
        Assert.True(long.Parse((string)events[1]["object"]!["metadata"]!["resourceVersion"]!) > long.Parse((string)events[0]["object"]!["metadata"]!["resourceVersion"]!));
    }

    [Fact]
    public async Task Bookmarks_arrive_and_timeout_seconds_ends_the_stream()
    {
        var ns = await NamespaceAsync("bookmarks");
        await ConfigMapAsync(ns, "x");
        var list = (await _fixture.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps")).Body;
        var rv = (string)list["metadata"]!["resourceVersion"]!;
        // The server ends the stream (timeoutSeconds) long before the client's own 60 s deadline; bookmarks come every 200 ms.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await _fixture.Http.GetAsync(new Uri($"/api/v1/namespaces/{ns}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=3", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        var events = new List<JsonObject>();
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            events.Add(JsonNode.Parse(line)!.AsObject());
        }

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("BOOKMARK", (string?)e["type"]));
        Assert.Equal("ConfigMap", (string?)events[0]["object"]!["kind"]);
        Assert.True(long.Parse((string)events[0]["object"]!["metadata"]!["resourceVersion"]!) >= long.Parse(rv));
    }

    [Fact]
    public async Task A_client_behind_the_retained_history_gets_410_and_relists()
    {
        var ns = await NamespaceAsync("behind");
        var old = await ConfigMapAsync(ns, "old");
        var staleRevision = (string)old["metadata"]!["resourceVersion"]!;
        for (var i = 0; i < 60; i++)
        {
            await ConfigMapAsync(ns, $"filler-{i}");
        }

        var events = await WatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={staleRevision}", 1);
        Assert.Equal("ERROR", (string?)events.Single()["type"]);
        var status = events[0]["object"]!;
        Assert.Equal(410, (int?)status["code"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.StartsWith("too old resource version: ", (string?)status["message"], StringComparison.Ordinal);

        // Relist, then watch from the list's revision: the next change arrives.
        var list = (await _fixture.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps")).Body;
        Assert.Equal(61, list["items"]!.AsArray().Count);
        var rv = (string)list["metadata"]!["resourceVersion"]!;
        var watch = await StartWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}", 1);
        await ConfigMapAsync(ns, "fresh");
        Assert.Equal("fresh", (string?)(await watch).Single()["object"]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Compacted_history_answers_410_for_any_earlier_revision()
    {
        var ns = await NamespaceAsync("compacted");
        var obj = await ConfigMapAsync(ns, "c");
        await ConfigMapAsync(ns, "d");
        _fixture.Server.CompactHistory();
        var events = await WatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={(string)obj["metadata"]!["resourceVersion"]!}", 1);
        Assert.Equal("ERROR", (string?)events.Single()["type"]);
        Assert.Equal(410, (int?)events[0]["object"]!["code"]);
    }

    [Fact]
    public async Task Watch_without_revision_starts_with_current_objects_and_honours_label_selectors()
    {
        var ns = await NamespaceAsync("selected");
        await ConfigMapAsync(ns, "blue", """{"color":"blue"}""");
        await ConfigMapAsync(ns, "red", """{"color":"red"}""");
        var watch = await StartWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&labelSelector=color%3Dblue", 3);
        await ConfigMapAsync(ns, "blue2", """{"color":"blue"}""");
        await ConfigMapAsync(ns, "red2", """{"color":"red"}""");
        // Relabelling an object out of the selection is a DELETED event for this watcher.
        await _fixture.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/blue", JsonNode.Parse("""{"metadata":{"labels":{"color":"green"}}}"""), "application/merge-patch+json");
        var events = await watch;
        Assert.Equal(["ADDED:blue", "ADDED:blue2", "DELETED:blue"], events.Select(e => $"{e["type"]}:{e["object"]!["metadata"]!["name"]}"));
    }
}
