using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>The test-only <see cref="FaultInjection"/>: injected failures, dropped watches, request counters.</summary>
public sealed class FaultInjectionTests : IClassFixture<FaultInjectionTests.Fixture>
{
    private readonly Fixture _fixture;

    public FaultInjectionTests(Fixture fixture)
    {
        _fixture = fixture;
    }

    public sealed class Fixture : ServerFixture
    {
        public FaultInjection Faults { get; } = new();

        protected override LocalApiServerOptions Options() => new() { Faults = Faults };
    }

    private FaultInjection Faults => _fixture.Faults;

    private async Task<string> NamespaceAsync(string name)
    {
        await _fixture.CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""");
        return name;
    }

    private static JsonObject ConfigMap(string name) =>
        JsonNode.Parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"v\":\"0\"}}")!.AsObject();

    public static TheoryData<string, string, int, int?, string> Failures => new()
    {
        { "create", "configmaps", 429, 2, "TooManyRequests" },
        { "create", "*", 503, 1, "ServiceUnavailable" },
        { "*", "configmaps", 500, null, "InternalError" },
        { "create", "configmaps", 409, null, "Conflict" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task The_next_matching_requests_fail_with_the_status_and_Retry_After_then_requests_pass(string verb, string resource, int code, int? retryAfterSeconds, string reason)
    {
        var ns = await NamespaceAsync($"fail-{code}");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var creates = Faults.Requests("create", "configmaps");
        Faults.FailNext("get", "secrets", 500);
        Faults.FailNext(verb, resource, code, retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, count: 2);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await _fixture.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(ConfigMap("c").ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal((HttpStatusCode)code, response.StatusCode);
            var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("Status", (string?)status["kind"]);
            Assert.Equal(reason, (string?)status["reason"]);
            Assert.Equal(code, (int?)status["code"]);
            Assert.Equal(retryAfterSeconds, (int?)status["details"]?["retryAfterSeconds"]);
            Assert.Equal(retryAfterSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
        }

        var (created, _) = await _fixture.SendAsync(HttpMethod.Post, path, ConfigMap("c"));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(creates + 3, Faults.Requests("create", "configmaps"));

        // The failure queued first for another verb and resource is still there.
        var (secret, _) = await _fixture.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/nope");
        Assert.Equal(HttpStatusCode.InternalServerError, secret);
        var (notFound, _) = await _fixture.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/nope");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
    }

    [Fact]
    public async Task Requests_and_the_resource_versions_of_watches_are_counted()
    {
        var ns = await NamespaceAsync("counted");
        var path = $"/api/v1/namespaces/{ns}/serviceaccounts";
        var lists = Faults.Requests("list", "serviceaccounts");
        var watches = Faults.Requests("watch", "serviceaccounts");
        var before = Faults.WatchResourceVersions("serviceaccounts").Count;
        Faults.FailNext("list", "serviceaccounts", 503, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _fixture.SendAsync(HttpMethod.Get, path)).Code);
        var (code, list) = await _fixture.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, code);
        var rv = (string)list["metadata"]!["resourceVersion"]!;
        await (await WatchStream.StartAsync(_fixture.Http, $"{path}?watch=true&timeoutSeconds=1", _ => false, TimeSpan.FromSeconds(10)));
        await (await WatchStream.StartAsync(_fixture.Http, $"{path}?watch=true&timeoutSeconds=1&resourceVersion={rv}", _ => false, TimeSpan.FromSeconds(10)));

        Assert.Equal(lists + 2, Faults.Requests("list", "serviceaccounts"));
        Assert.Equal(watches + 2, Faults.Requests("watch", "serviceaccounts"));
        Assert.Equal(["", rv], Faults.WatchResourceVersions("serviceaccounts").Skip(before));
    }

    [Theory]
    [InlineData(false, "1.1")]
    [InlineData(true, "1.1")]
    [InlineData(false, "2.0")]
    // No mid-event row over HTTP/2: the drop resets the stream (RST_STREAM), and the peer may discard DATA frames it has
    // not yet handed to the reader, so half a line is delivered over HTTP/1.1 only (seen: an empty last line in a CI run).
    public async Task Dropped_watches_end_abruptly_and_mid_event_leaves_half_a_line(bool midEvent, string httpVersion)
    {
        var ns = await NamespaceAsync($"dropped-{(midEvent ? "mid" : "clean")}-{httpVersion.Replace('.', '-')}");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/namespaces/{ns}/configmaps?watch=true", UriKind.Relative))
        {
            Version = Version.Parse(httpVersion),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(request.Version, response.Version);
        await _fixture.CreateAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("before").ToJsonString());
        var stream = await response.Content.ReadAsStreamAsync(cancel.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (!Encoding.UTF8.GetString(received.ToArray()).EndsWith('\n'))
        {
            received.Write(buffer, 0, await stream.ReadAsync(buffer, cancel.Token));
        }

        Assert.Equal(1, _fixture.Server.OpenWatches("", "configmaps"));
        await Faults.DropWatchesAsync(midEvent);

        var ended = false;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            ended = true;
        }

        Assert.True(ended, "the stream ended cleanly instead of breaking off");
        var lines = Encoding.UTF8.GetString(received.ToArray()).Split('\n');
        Assert.Equal("before", (string?)JsonNode.Parse(lines[0])!["object"]!["metadata"]!["name"]);
        Assert.Equal(midEvent ? "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"partial" : "", lines[^1]);
        Assert.False(cancel.IsCancellationRequested);
        await Eventually.TrueAsync(() => Task.FromResult(_fixture.Server.OpenWatches("", "configmaps") == 0), "the server forgot the dropped watch");
    }

    [Theory]
    [InlineData("post", "configmaps", 500, "verb")]
    [InlineData("get", "", 500, "resource")]
    [InlineData("get", "configmaps", 200, "statusCode")]
    public void Bad_faults_are_refused_naming_the_argument(string verb, string resource, int code, string argument)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new FaultInjection().FailNext(verb, resource, code));
        Assert.Equal(argument, error.ParamName);
    }
}
