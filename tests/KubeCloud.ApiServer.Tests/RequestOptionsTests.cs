using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>The query parameters every request takes are honoured, not just accepted: <c>timeout</c>, <c>pretty</c>, and the health endpoints' <c>verbose</c>/<c>exclude</c>.</summary>
public sealed class RequestOptionsTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public RequestOptionsTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task A_watch_ends_at_the_request_deadline()
    {
        // Without the deadline this watch would run until the client's 30 s timeout and fail the test.
        using var response = await _fixture.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps?watch=true&timeout=1s", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("ERROR", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pretty_indents_and_refused_parameters_name_themselves()
    {
        var pretty = await _fixture.Http.GetStringAsync(new Uri("/api/v1/namespaces/default?pretty=true", UriKind.Relative));
        Assert.StartsWith("{\n  \"", pretty, StringComparison.Ordinal);
        Assert.Equal("default", (string?)JsonNode.Parse(pretty)!["metadata"]!["name"]);

        var (code, status) = await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default?export=true");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.StartsWith("query parameter \"export\" is not implemented by this server for get requests", (string?)status["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/readyz", "ok")]
    [InlineData("/livez?verbose", "[+]ping ok\nlivez check passed\n")]
    [InlineData("/healthz?verbose&exclude=ping&exclude=etcd", "[+]ping excluded: ok\nwarn: some health checks cannot be excluded: no matches for \"etcd\"\nhealthz check passed\n")]
    [InlineData("/readyz/ping", "ok")]
    public async Task Health_endpoints_answer_anyone_as_kube_does(string path, string expected)
    {
        using var anonymous = ServerFixture.CreateClient(_fixture.Server, null);
        Assert.Equal(expected, await anonymous.GetStringAsync(new Uri(path, UriKind.Relative)));
    }
}
