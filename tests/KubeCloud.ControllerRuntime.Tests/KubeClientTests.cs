using System.Net;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Tests;

public class KubeClientTests
{
    private static readonly Uri Server = new("https://api.test:6443");

    private static KubeClient Client(StubHandler handler, TimeProvider? time = null) =>
        new(new KubernetesClientConfiguration { Host = Server.ToString(), AccessToken = "t0ken" }, handler, new KubeClientOptions { Time = time ?? TimeProvider.System, Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1) } });

    public static TheoryData<int, string, Type> StatusCases => new()
    {
        { 404, "NotFound", typeof(NotFoundException) },
        { 409, "AlreadyExists", typeof(AlreadyExistsException) },
        { 409, "Conflict", typeof(ConflictException) },
        { 422, "Invalid", typeof(InvalidException) },
        { 403, "Forbidden", typeof(ForbiddenException) },
        { 401, "Unauthorized", typeof(UnauthorizedException) },
        { 410, "Expired", typeof(GoneException) },
        { 400, "BadRequest", typeof(KubeApiException) },
    };

    [Theory]
    [MemberData(nameof(StatusCases))]
    public async Task Status_bodies_become_typed_exceptions(int code, string reason, Type expected)
    {
        var handler = new StubHandler((_, _) => StubHandler.Json((HttpStatusCode)code, StubHandler.Status(code, reason, "servers.kubecloud.io 'web' says no")));
        using var client = Client(handler);
        var error = await Assert.ThrowsAnyAsync<KubeApiException>(() => client.GetAsync<Server>("web", "demo"));
        Assert.IsType(expected, error);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(code, error.Status.Code);
        Assert.Contains("says no", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_carries_the_causes()
    {
        var details = """{"name":"web","group":"kubecloud.io","kind":"Server","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.flavorRef"}]}""";
        var handler = new StubHandler((_, _) => StubHandler.Json((HttpStatusCode)422, StubHandler.Status(422, "Invalid", "Server is invalid", details)));
        using var client = Client(handler);
        var error = await Assert.ThrowsAsync<InvalidException>(() => client.CreateAsync(new Server { Metadata = new() { Name = "web", NamespaceProperty = "demo" } }));
        Assert.Equal("spec.flavorRef", Assert.Single(error.Causes).Field);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Too_many_requests_is_retried_after_Retry_After_even_for_a_create()
    {
        var handler = new StubHandler((request, n) => n == 1
            ? StubHandler.Json(HttpStatusCode.TooManyRequests, StubHandler.Status(429, "TooManyRequests", "slow down"), TimeSpan.FromMilliseconds(0))
            : StubHandler.Json(HttpStatusCode.Created, """{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"web","namespace":"demo","resourceVersion":"7"}}"""));
        using var client = Client(handler);
        var created = await client.CreateAsync(new Server { Metadata = new() { Name = "web", NamespaceProperty = "demo" } });
        Assert.Equal("7", created.Metadata.ResourceVersion);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers", r.PathAndQuery));
    }

    [Fact]
    public async Task A_500_is_retried_for_a_get_but_not_for_a_create()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.InternalServerError, StubHandler.Status(500, "InternalError", "etcd leader changed")));
        using var client = Client(handler);
        await Assert.ThrowsAsync<ServerErrorException>(() => client.GetAsync<Server>("web", "demo"));
        Assert.Equal(5, handler.Requests.Count);

        handler.Requests.Clear();
        await Assert.ThrowsAsync<ServerErrorException>(() => client.CreateAsync(new Server { Metadata = new() { Name = "web", NamespaceProperty = "demo" } }));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public void Retry_delays_double_and_honour_a_longer_Retry_After()
    {
        var policy = new RetryPolicy();
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.DelayFor(1, null));
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.DelayFor(3, null));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayFor(20, null));
        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayFor(1, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayFor(1, TimeSpan.FromMinutes(5)));
        Assert.True(RetryPolicy.IsRetryable(HttpMethod.Post, HttpStatusCode.ServiceUnavailable, hasRetryAfter: true));
        Assert.False(RetryPolicy.IsRetryable(HttpMethod.Post, HttpStatusCode.ServiceUnavailable, hasRetryAfter: false));
        Assert.True(RetryPolicy.IsRetryable(HttpMethod.Put, HttpStatusCode.BadGateway, hasRetryAfter: false));
        Assert.False(RetryPolicy.IsRetryable(HttpMethod.Get, HttpStatusCode.Conflict, hasRetryAfter: false));
    }

    [Fact]
    public async Task Requests_carry_the_query_options_and_patch_content_types()
    {
        var handler = new StubHandler((request, _) => StubHandler.Json(HttpStatusCode.OK, request.Method == HttpMethod.Get
            ? """{"kind":"ServerList","apiVersion":"kubecloud.io/v1alpha1","metadata":{"resourceVersion":"42","continue":"abc"},"items":[{"metadata":{"name":"a","namespace":"demo"}}]}"""
            : """{"kind":"Server","apiVersion":"kubecloud.io/v1alpha1","metadata":{"name":"a","namespace":"demo"}}"""));
        using var client = Client(handler);

        var list = await client.ListAsync<Server>("demo", new ListOptions { LabelSelector = "app=web,tier in (a,b)", Limit = 50, Continue = "xyz" });
        Assert.Equal("42", list.Metadata!.ResourceVersion);
        Assert.Equal("a", Assert.Single(list.Items!).Metadata.Name);
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=50&continue=xyz", handler.Requests[^1].PathAndQuery);

        await client.PatchAsync<Server>("a", "demo", KubePatch.Apply(new Server { Metadata = new() { Name = "a", NamespaceProperty = "demo" } }), new PatchOptions { FieldManager = "kubecloud", Force = true, DryRun = true });
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers/a?dryRun=All&fieldManager=kubecloud&force=true", handler.Requests[^1].PathAndQuery);
        Assert.Equal("application/apply-patch+yaml", handler.Requests[^1].ContentType);

        await client.PatchStatusAsync<Server>("a", "demo", KubePatch.Json(System.Text.Json.Nodes.JsonNode.Parse("""[{"op":"replace","path":"/status/phase","value":"Active"}]""")!));
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers/a/status", handler.Requests[^1].PathAndQuery);
        Assert.Equal("application/json-patch+json", handler.Requests[^1].ContentType);

        await client.PatchAsync<V1Pod>("p", "demo", KubePatch.StrategicMerge(new { metadata = new { labels = new { a = "b" } } }));
        Assert.Equal("/api/v1/namespaces/demo/pods/p", handler.Requests[^1].PathAndQuery);
        Assert.Equal("application/strategic-merge-patch+json", handler.Requests[^1].ContentType);

        await Assert.ThrowsAsync<ArgumentException>(() => client.PatchAsync<Server>("a", "demo", KubePatch.Apply("{}")));
    }

    [Fact]
    public async Task Delete_sends_preconditions_and_returns_either_the_object_or_the_Status()
    {
        var handler = new StubHandler((request, n) => StubHandler.Json(HttpStatusCode.OK, n == 1
            ? """{"kind":"Server","apiVersion":"kubecloud.io/v1alpha1","metadata":{"name":"a","namespace":"demo","deletionTimestamp":"2026-11-21T12:00:00Z","finalizers":["kubecloud.io/server"]}}"""
            : """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"a","kind":"servers","uid":"u1"}}"""));
        using var client = Client(handler);
        var pending = await client.DeleteAsync<Server>("a", "demo", new DeleteOptions { PreconditionUid = "u1", PreconditionResourceVersion = "9", PropagationPolicy = "Foreground" });
        Assert.NotNull(pending.Object!.Metadata.DeletionTimestamp);
        Assert.Contains("\"preconditions\":{\"resourceVersion\":\"9\",\"uid\":\"u1\"}", handler.Requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("\"propagationPolicy\":\"Foreground\"", handler.Requests[0].Body, StringComparison.Ordinal);

        var gone = await client.DeleteAsync<Server>("a", "demo");
        Assert.Equal("Success", gone.Status!.Status);
    }

    [Fact]
    public async Task A_resource_client_fills_in_its_namespace()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Created, """{"kind":"Server","apiVersion":"kubecloud.io/v1alpha1","metadata":{"name":"a","namespace":"demo"}}"""));
        using var client = Client(handler);
        var servers = client.Resource<Server>("demo");
        await servers.CreateAsync(new Server { Metadata = new() { Name = "a" } });
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers", handler.Requests[^1].PathAndQuery);
        Assert.Contains("\"namespace\":\"demo\"", handler.Requests[^1].Body, StringComparison.Ordinal);
        await servers.DeleteAsync("a");
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers/a", handler.Requests[^1].PathAndQuery);
        await client.Resource<Flavor>("ignored").GetAsync("m1");
        Assert.Equal("/apis/kubecloud.io/v1alpha1/flavors/m1", handler.Requests[^1].PathAndQuery);
    }

    [Fact]
    public async Task A_list_is_read_from_the_stream_under_the_request_timeout()
    {
        // Headers and the first items arrive, then the body stalls: the request timeout covers the body's read too.
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new StallingStream("""{"kind":"ServerList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a"}},"""u8.ToArray())),
        });
        using var client = new KubeClient(
            new KubernetesClientConfiguration { Host = Server.ToString(), AccessToken = "t0ken" },
            handler,
            new KubeClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1) } });

        await Assert.ThrowsAsync<TimeoutException>(() => client.ListAsync<Server>("demo"));

        // The caller's own cancellation stays a cancellation.
        using var patient = Client(handler);
        using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.ListAsync<Server>("demo", cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Resource_paths_come_from_the_entity_attribute()
    {
        Assert.Equal("/apis/kubecloud.io/v1alpha1/namespaces/demo/servers/web/status", ResourceInfo.Of<Server>().PathFor("demo", "web", "status"));
        Assert.Equal("/apis/kubecloud.io/v1alpha1/servers", ResourceInfo.Of<Server>().PathFor(null));
        Assert.Equal("/apis/kubecloud.io/v1alpha1/flavors/m1", ResourceInfo.Of<Flavor>().PathFor("ignored", "m1"));
        Assert.Equal("/api/v1/namespaces/kube-system/configmaps", ResourceInfo.Of<V1ConfigMap>().PathFor("kube-system"));
        Assert.Equal("/apis/coordination.k8s.io/v1/namespaces/x/leases/l", ResourceInfo.Of<V1Lease>().PathFor("x", "l"));
        Assert.True(ResourceInfo.Of<Server>().Matches("kubecloud.io/v1beta1", "Server"));
        Assert.False(ResourceInfo.Of<Server>().Matches("other.io/v1alpha1", "Server"));
        Assert.Throws<ArgumentException>(() => ResourceInfo.Of<V1Status>());
    }
}

/// <summary>A response body that yields its bytes, then waits until the read is cancelled.</summary>
internal sealed class StallingStream(byte[] first) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < first.Length)
        {
            var n = Math.Min(buffer.Length, first.Length - _position);
            first.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
