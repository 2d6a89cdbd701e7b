using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Optimistic concurrency: many writers on one object get 409s and no update is lost.</summary>
public sealed class ConcurrencyTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public ConcurrencyTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Many_writers_see_conflicts_and_lose_no_update()
    {
        const string path = "/api/v1/namespaces/default/configmaps/counter";
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"counter"},"data":{"n":"0"}}""");
        const int writers = 8;
        const int incrementsEach = 15;
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var done = 0; done < incrementsEach;)
            {
                var current = (await _fixture.SendAsync(HttpMethod.Get, path)).Body;
                current["data"]!["n"] = (int.Parse((string)current["data"]!["n"]!) + 1).ToString();
                var (code, _) = await _fixture.SendAsync(HttpMethod.Put, path, current);
                if (code == HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref conflicts);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.OK, code);
                    done++;
                }
            }
        })));
        var final = (await _fixture.SendAsync(HttpMethod.Get, path)).Body;
        Assert.Equal((writers * incrementsEach).ToString(), (string?)final["data"]!["n"]);
        Assert.True(conflicts > 0, "concurrent writers must have met 409 Conflict");
    }

    [Fact]
    public async Task Concurrent_patches_retry_inside_the_server_and_all_apply()
    {
        await _fixture.CreateAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"patched"},"data":{}}""");
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var (code, body) = await _fixture.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/patched", JsonNode.Parse($$$"""{"data":{"k{{{i}}}":"v"}}"""), "application/merge-patch+json");
            Assert.True(code == HttpStatusCode.OK, body.ToJsonString());
        })));
        var final = (await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/patched")).Body;
        Assert.Equal(40, final["data"]!.AsObject().Count);
    }
}
