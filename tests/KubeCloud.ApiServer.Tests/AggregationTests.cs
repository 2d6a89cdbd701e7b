using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Aggregation;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// The aggregation layer as kube-apiserver's: an APIService with a Service is proxied to the Service's endpoint with the
/// front-proxy client certificate and identity headers, after this server authenticated and authorized the request;
/// unavailable backends are 503 naming the APIService and kube's reason; answers stream through; local groups stay local.
/// </summary>
public sealed class AggregationTests : IClassFixture<AggregationFixture>
{
    private const string Group = AggregationFixture.Group;
    private const string Version = AggregationFixture.Version;
    private readonly AggregationFixture _fixture;

    public AggregationTests(AggregationFixture fixture)
    {
        _fixture = fixture;
    }

    private LocalApiServer Server => _fixture.Server;

    [Fact]
    public async Task A_proxied_request_carries_the_front_proxy_identity_and_never_the_callers_credentials()
    {
        using var alice = _fixture.CreateClient(Server.AddUser("alice", "console-users"));
        using var request = new HttpRequestMessage(HttpMethod.Get, AggregationFixture.ConsolePath + "?tailLines=5&follow=false");
        request.Headers.TryAddWithoutValidation("X-Remote-User", "mallory");
        request.Headers.TryAddWithoutValidation("X-Remote-Group", "system:masters");
        request.Headers.TryAddWithoutValidation("X-Remote-Extra-Scopes", "everything");
        request.Headers.TryAddWithoutValidation("X-Remote-Uid", "0");
        var echo = await EchoAsync(alice, request);

        Assert.Equal("front-proxy-client", (string?)echo["clientCommonName"]);
        Assert.Equal(AggregationFixture.ConsolePath, (string?)echo["path"]);
        Assert.Equal("?tailLines=5&follow=false", (string?)echo["query"]);
        var headers = echo["headers"]!.AsObject();
        Assert.Equal(["alice"], Values(headers, "x-remote-user"));
        Assert.Equal(["console-users", "system:authenticated"], Values(headers, "x-remote-group"));
        Assert.DoesNotContain(headers, h => h.Key is "authorization" or "x-remote-extra-scopes" or "x-remote-uid");
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task An_impersonated_user_and_its_extras_reach_the_backend_one_header_per_value_and_impersonation_headers_do_not(string version)
    {
        // kubectl has no --as-user-extra flag, but its kubeconfig does: one Impersonate-Extra line per value, as on a cluster.
        var home = Path.Combine(_fixture.Home, $"impersonating-{version}");
        Directory.CreateDirectory(home);
        var kubeconfig = Path.Combine(home, "config");
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(Server.KubeconfigPath)).Replace(
            $"    token: {Server.AdminToken}\n",
            $"    token: {Server.AdminToken}\n    as: carol\n    as-groups: [console-users]\n    as-user-extra:\n      acme.io/scopes: [read, console]\n",
            StringComparison.Ordinal));
        var result = (await new ClientProcess(kubeconfig, home).RunAsync(KubeClients.Kubectl(version), $"get --raw {AggregationFixture.ConsolePath}")).EnsureSuccess();

        var headers = JsonNode.Parse(result.Stdout)!["headers"]!.AsObject();
        Assert.Equal(["carol"], Values(headers, "x-remote-user"));
        Assert.Equal(["console-users", "system:authenticated"], Values(headers, "x-remote-group"));
        Assert.Equal(["read", "console"], Values(headers, "x-remote-extra-acme.io%2fscopes"));
        Assert.DoesNotContain(headers, h => h.Key.StartsWith("impersonate-", StringComparison.Ordinal) || h.Key.StartsWith("x-kubecloud-", StringComparison.Ordinal) || h.Key == "authorization");
    }

    [Fact]
    public async Task Bodies_go_through_and_requests_that_follow_on_the_same_backend_connection_keep_their_identity()
    {
        using var alice = _fixture.CreateClient(Server.AddUser("alice-body", "console-users"));
        var connections = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(i == 1 ? HttpMethod.Get : HttpMethod.Post, AggregationFixture.ConsolePath)
            {
                Content = i == 1 ? null : new StringContent($"{{\"request\":{i}}}", Encoding.UTF8, "application/json"),
            };
            var echo = await EchoAsync(i == 1 ? alice : _fixture.Http, request);
            connections.Add((string)echo["connection"]!);
            Assert.Equal(i == 1 ? "" : $"{{\"request\":{i}}}", (string?)echo["body"]);
            Assert.Equal(i == 1 ? ["alice-body"] : ["kubecloud-admin"], Values(echo["headers"]!.AsObject(), "x-remote-user"));
            Assert.Equal(i == 1 ? ["console-users", "system:authenticated"] : ["system:masters", "system:authenticated"], Values(echo["headers"]!.AsObject(), "x-remote-group"));
        }

        Assert.True(connections.Count < 3, "the aggregator keeps its backend connections alive between requests");
    }

    public static TheoryData<string, string?, HttpStatusCode, string> AccessCases => new()
    {
        { "a user bound to get servers/console", "console-users", HttpStatusCode.OK, "\"x-remote-user\":[\"user-200\"]" },
        { "a user without the subresource rule", "tenants", HttpStatusCode.Forbidden, $"cannot get resource \"servers/console\" in API group \"{Group}\" in the namespace \"demo\"" },
        { "no token", null, HttpStatusCode.Unauthorized, "Unauthorized" },
    };

    [Theory]
    [MemberData(nameof(AccessCases))]
    public async Task The_request_is_authorized_here_with_its_own_attributes_before_it_is_proxied(string @case, string? group, HttpStatusCode expected, string says)
    {
        var token = group is null ? null : Server.AddUser($"user-{expected:D}", group);
        using var client = _fixture.CreateClient(token);
        using var response = await client.GetAsync(AggregationFixture.ConsolePath);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{@case}: {response.StatusCode} {body}");
        Assert.Contains(says, (string?)JsonNode.Parse(body)?["message"] ?? body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Kubectl_reaches_the_backend_through_get_raw_and_discovers_its_group(string version)
    {
        var kubectl = KubeClients.Kubectl(version);
        var tenant = _fixture.Tenant($"kubectl-{version.Replace('.', '-')}", "console-users");

        var raw = (await tenant.RunAsync(kubectl, $"get --raw {AggregationFixture.ConsolePath}?tailLines=3")).EnsureSuccess();
        var echo = JsonNode.Parse(raw.Stdout)!.AsObject();
        Assert.Equal([$"kubectl-{version.Replace('.', '-')}"], Values(echo["headers"]!.AsObject(), "x-remote-user"));
        Assert.Equal("?tailLines=3", (string?)echo["query"]);

        Assert.Contains($"{Group}/{Version}", (await tenant.RunAsync(kubectl, "api-versions")).EnsureSuccess().Stdout.Split('\n'));
        var discovery = JsonNode.Parse((await tenant.RunAsync(kubectl, $"get --raw /apis/{Group}/{Version}")).EnsureSuccess().Stdout)!;
        Assert.Equal("APIResourceList", (string?)discovery["kind"]);
        var resources = (await tenant.RunAsync(kubectl, $"api-resources --api-group={Group}")).EnsureSuccess();
        Assert.Contains("echoes", resources.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("unable to retrieve", resources.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Named cases: what is missing, the group registered for it, and kube's reason.</summary>
    public static TheoryData<string, string> UnavailableCases => new()
    {
        { "no Service", ServiceEndpointResolver.ServiceNotFound },
        { "a Service without the APIService's port", ServiceEndpointResolver.ServicePortError },
        { "a Service without EndpointSlices or Endpoints", ServiceEndpointResolver.EndpointsNotFound },
        { "an EndpointSlice without the Service's port name", ServiceEndpointResolver.MissingEndpoints },
        { "an endpoint where nothing listens", ApiServiceAvailability.FailedDiscoveryCheck },
    };

    [Theory]
    [MemberData(nameof(UnavailableCases))]
    public async Task A_request_to_an_unavailable_backend_is_503_naming_the_APIService_and_the_reason(string @case, string reason)
    {
        var service = reason.ToLowerInvariant();
        var group = $"{service}.example.io";
        switch (reason)
        {
            case ServiceEndpointResolver.ServiceNotFound:
                await _fixture.CreateApiServiceAsync(group, "v1", new JsonObject { ["namespace"] = AggregationFixture.ServiceNamespace, ["name"] = service }, _fixture.Backend.CaPem);
                break;
            case ServiceEndpointResolver.ServicePortError:
                await _fixture.RegisterAsync(service, _fixture.Backend.Port, group, "v1", _fixture.Backend.CaPem, servicePort: 8443);
                break;
            case ServiceEndpointResolver.EndpointsNotFound:
                await _fixture.RegisterAsync(service, 0, group, "v1", _fixture.Backend.CaPem);
                break;
            case ServiceEndpointResolver.MissingEndpoints:
                await _fixture.RegisterAsync(service, _fixture.Backend.Port, group, "v1", _fixture.Backend.CaPem, slicePortName: "metrics");
                break;
            default:
                await _fixture.RegisterAsync(service, ClosedPort(), group, "v1", _fixture.Backend.CaPem);
                break;
        }

        var (code, status) = await _fixture.SendAsync(HttpMethod.Get, $"/apis/{group}/v1/namespaces/demo/things");
        Assert.True(code == HttpStatusCode.ServiceUnavailable, $"{@case}: {code} {status}");
        Assert.Equal("ServiceUnavailable", (string?)status["reason"]);
        Assert.Equal($"v1.{group}", (string?)status["details"]?["name"]);
        Assert.Equal("apiservices", (string?)status["details"]?["kind"]);
        Assert.Equal(reason, (string?)status["details"]?["causes"]?[0]?["reason"]);
        Assert.Contains($"APIService \"v1.{group}\" is not available ({reason})", (string?)status["message"], StringComparison.Ordinal);

        var condition = await _fixture.WaitAvailableAsync($"v1.{group}", "False", reason);
        Assert.False(string.IsNullOrEmpty((string?)condition["message"]), @case);
    }

    /// <summary>Named cases: the APIService's name, its TLS settings, and whether the backend is reached.</summary>
    public static TheoryData<string, string, string, bool, bool> TlsCases => new()
    {
        { "the caBundle of another CA", AggregationFixture.ServiceName, "other-ca", false, false },
        { "a certificate for another Service's name", "impostor", "backend-ca", false, false },
        { "insecureSkipTLSVerify with the caBundle of another CA", AggregationFixture.ServiceName, "other-ca", true, true },
    };

    [Theory]
    [MemberData(nameof(TlsCases))]
    public async Task The_backend_certificate_is_verified_against_caBundle_for_the_service_name(string @case, string service, string ca, bool insecure, bool reached)
    {
        var group = $"tls-{TlsCases.ToList().FindIndex(c => (string)c[0] == @case)}.example.io";
        using var otherCa = KubeCloud.ApiServer.Security.ServingCertificates.NewCa("someone-else");
        var caPem = ca == "other-ca" ? otherCa.ExportCertificatePem() : _fixture.Backend.CaPem;
        if (service == AggregationFixture.ServiceName)
        {
            await _fixture.CreateApiServiceAsync(group, "v1", new JsonObject { ["namespace"] = AggregationFixture.ServiceNamespace, ["name"] = service }, caPem, insecure);
        }
        else
        {
            await _fixture.RegisterAsync(service, _fixture.Backend.Port, group, "v1", caPem, insecure);
        }

        var (code, body) = await _fixture.SendAsync(HttpMethod.Get, $"/apis/{group}/v1/namespaces/demo/things");
        if (reached)
        {
            Assert.True(code == HttpStatusCode.OK, $"{@case}: {code} {body}");
            Assert.Equal("front-proxy-client", (string?)body["clientCommonName"]);
            return;
        }

        Assert.True(code == HttpStatusCode.ServiceUnavailable, $"{@case}: {code} {body}");
        Assert.Equal(ApiServiceAvailability.FailedDiscoveryCheck, (string?)body["details"]?["causes"]?[0]?["reason"]);
        Assert.Contains("certificate", (string?)body["message"], StringComparison.OrdinalIgnoreCase);
        await _fixture.WaitAvailableAsync($"v1.{group}", "False", ApiServiceAvailability.FailedDiscoveryCheck);
    }

    [Fact]
    public async Task A_streamed_answer_arrives_in_pieces_while_the_backend_still_holds_it_open()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/apis/{Group}/{Version}/namespaces/demo/servers/web/stream?follow=true");
        using var response = await _fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TransferEncodingChunked, "a stream without a length goes out chunked");
        await using var body = await response.Content.ReadAsStreamAsync();

        // A guard, not a timing assertion: a proxy that buffered would never deliver the first line while the backend waits.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new StringBuilder();
        var buffer = new byte[256];
        while (!received.ToString().Contains('\n', StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, guard.Token);
            Assert.True(read > 0, $"the stream ended after {received}");
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.Equal("first line\n", received.ToString());
        Assert.True(_fixture.Backend.StreamWaiting.Task.IsCompleted, "the backend is still holding the response open");

        _fixture.Backend.ReleaseStream();
        using var reader = new StreamReader(body);
        Assert.Equal("last line\n", await reader.ReadToEndAsync(guard.Token));
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_backend_request()
    {
        _fixture.Backend.ResetHold();
        var cancelled = _fixture.Backend.HoldCancelled.Task;
        using var caller = new CancellationTokenSource();
        var pending = _fixture.Http.GetAsync($"/apis/{Group}/{Version}/namespaces/demo/servers/web/hold", HttpCompletionOption.ResponseHeadersRead, caller.Token);
        await _fixture.Backend.HoldStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(cancelled.IsCompleted);

        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await cancelled.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_extension_apiserver_authentication_ConfigMap_tells_backends_how_to_trust_the_aggregator()
    {
        var (code, configMap) = await _fixture.SendAsync(HttpMethod.Get, "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication");
        Assert.Equal(HttpStatusCode.OK, code);
        var data = configMap["data"]!.AsObject();
        Assert.Equal(
            ["requestheader-allowed-names", "requestheader-client-ca-file", "requestheader-extra-headers-prefix", "requestheader-group-headers", "requestheader-username-headers"],
            data.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Equal("[\"front-proxy-client\"]", (string?)data["requestheader-allowed-names"]);
        Assert.Equal("[\"X-Remote-User\"]", (string?)data["requestheader-username-headers"]);
        Assert.Equal("[\"X-Remote-Group\"]", (string?)data["requestheader-group-headers"]);
        Assert.Equal("[\"X-Remote-Extra-\"]", (string?)data["requestheader-extra-headers-prefix"]);
        Assert.Equal(Server.FrontProxyCaCertificatePem, (string?)data["requestheader-client-ca-file"]);
        Assert.NotEqual(Server.CaCertificatePem, Server.FrontProxyCaCertificatePem);

        var (roleCode, role) = await _fixture.SendAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader");
        Assert.Equal(HttpStatusCode.OK, roleCode);
        var rule = role["rules"]![0]!;
        Assert.Equal("[\"get\",\"list\",\"watch\"]", rule["verbs"]!.ToJsonString());
        Assert.Equal("[\"configmaps\"]", rule["resources"]!.ToJsonString());
        Assert.Equal("[\"extension-apiserver-authentication\"]", rule["resourceNames"]!.ToJsonString());
    }

    [Fact]
    public async Task The_availability_check_asks_the_backends_discovery_as_the_aggregator_and_discovery_lists_the_group()
    {
        var condition = await _fixture.WaitAvailableAsync($"{Version}.{Group}", "True", "Passed");
        Assert.Equal("all checks passed", (string?)condition["message"]);
        var check = _fixture.Backend.LastDiscoveryHeaders!;
        Assert.Equal(["system:kube-aggregator"], Values(check, "x-remote-user"));
        Assert.Equal(["system:masters"], Values(check, "x-remote-group"));

        var (_, groups) = await _fixture.SendAsync(HttpMethod.Get, "/apis");
        var listed = groups["groups"]!.AsArray().Single(g => (string?)g!["name"] == Group)!;
        Assert.Equal($"{Group}/{Version}", (string?)listed["preferredVersion"]?["groupVersion"]);
        var (groupCode, group) = await _fixture.SendAsync(HttpMethod.Get, $"/apis/{Group}");
        Assert.Equal(HttpStatusCode.OK, groupCode);
        Assert.Equal("APIGroup", (string?)group["kind"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"));
        using var response = await _fixture.Http.SendAsync(request);
        var aggregated = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var item = aggregated["items"]!.AsArray().Single(i => (string?)i!["metadata"]?["name"] == Group)!;
        var resources = item["versions"]![0]!["resources"]!.AsArray();
        var servers = resources.Single(r => (string?)r!["resource"] == "servers")!;
        Assert.Equal("console", (string?)servers["subresources"]?[0]?["subresource"]);
        Assert.Equal("ServerConsole", (string?)servers["subresources"]?[0]?["responseKind"]?["kind"]);
        Assert.Equal("Echo", (string?)resources.Single(r => (string?)r!["resource"] == "echoes")!["responseKind"]?["kind"]);
    }

    [Fact]
    public async Task A_local_APIService_is_not_proxied_and_a_group_served_here_stays_local()
    {
        await _fixture.CreateApiServiceAsync("local-only.example.io", "v1", service: null);
        var (localCode, _) = await _fixture.SendAsync(HttpMethod.Get, "/apis/local-only.example.io/v1/namespaces/demo/things");
        Assert.Equal(HttpStatusCode.NotFound, localCode);
        var condition = await _fixture.WaitAvailableAsync("v1.local-only.example.io", "True", "Local");
        Assert.Equal("Local APIServices are always available", (string?)condition["message"]);

        await _fixture.RegisterAsync("batch-impostor", _fixture.Backend.Port, "batch", "v1", _fixture.Backend.CaPem, insecure: true);
        var (code, jobs) = await _fixture.SendAsync(HttpMethod.Get, "/apis/batch/v1/namespaces/demo/jobs");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("JobList", (string?)jobs["kind"]);
    }

    [Fact]
    public async Task The_front_proxy_CA_is_kept_in_the_data_directory_across_restarts()
    {
        var directory = Directory.CreateTempSubdirectory("kubecloud-aggr-").FullName;
        try
        {
            string first;
            await using (var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = directory }))
            {
                first = server.FrontProxyCaCertificatePem;
            }

            Assert.True(File.Exists(Path.Combine(directory, "pki", "front-proxy-ca.key")));
            Assert.True(File.Exists(Path.Combine(directory, "pki", "front-proxy-client.crt")));
            await using var restarted = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = directory });
            Assert.Equal(first, restarted.FrontProxyCaCertificatePem);
            using var admin = ServerFixture.CreateClient(restarted, restarted.AdminToken);
            var configMap = JsonNode.Parse(await admin.GetStringAsync("/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"))!;
            Assert.Equal(first, (string?)configMap["data"]?["requestheader-client-ca-file"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<JsonObject> EchoAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static string[] Values(JsonObject headers, string name) =>
        (headers[name] as JsonArray)?.Select(v => (string)v!).ToArray() ?? [];

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
