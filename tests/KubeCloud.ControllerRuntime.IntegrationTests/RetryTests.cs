using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

/// <summary>The client's retries against the local control plane's injected failures: what is retried, and a POST after a 5xx never.</summary>
public sealed class RetryTests
{
    public static TheoryData<string, string, int, int?, int, bool> Cases => new()
    {
        // verb, resource, status, Retry-After seconds, failures, retried (else the failure reaches the caller)
        { "create", "servers", 429, 1, 2, true },
        { "create", "servers", 503, 1, 1, true },
        { "create", "servers", 500, null, 1, false },
        { "create", "servers", 503, null, 1, false },
        { "get", "servers", 500, null, 2, true },
        { "update", "servers", 503, null, 2, true },
        { "update", "servers", 429, 1, 1, true },
        { "patch", "servers", 500, null, 1, true },
        { "delete", "servers", 503, null, 1, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Failures_are_retried_as_the_policy_says(string verb, string resource, int status, int? retryAfterSeconds, int failures, bool retried)
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        if (verb != "create")
        {
            await client.CreateAsync(TestCluster.NewServer("a", "web"));
        }

        var before = cluster.Faults.Requests(verb, resource);
        cluster.Faults.FailNext(verb, resource, status, retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, failures);
        Func<Task> call = verb switch
        {
            "create" => () => client.CreateAsync(TestCluster.NewServer("a", "web")),
            "get" => () => client.GetAsync<Server>("web", "a"),
            "update" => async () => await client.UpdateAsync(await client.GetAsync<Server>("web", "a")),
            "patch" => () => client.PatchAsync<Server>("web", "a", KubePatch.Merge(new { metadata = new { labels = new { patched = "yes" } } })),
            "delete" => () => client.DeleteAsync<Server>("web", "a"),
            _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "no call for this verb"),
        };

        if (retried)
        {
            await call();
            Assert.Equal(failures + 1, cluster.Faults.Requests(verb, resource) - before);
        }
        else
        {
            var error = await Assert.ThrowsAnyAsync<KubeApiException>(call);
            Assert.Equal((HttpStatusCode)status, error.StatusCode);
            Assert.Equal(1, cluster.Faults.Requests(verb, resource) - before);
            await Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync<Server>("web", "a"));
        }
    }
}
