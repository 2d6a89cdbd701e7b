using System.Net;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>
/// A local API server with an extension API server registered as on a cluster: the backend (<see cref="ExtensionApiServer"/>)
/// behind the Service <c>aggr-system/echo</c> (port 443 → the backend's port, named <c>https</c>), an EndpointSlice for it, and
/// the APIService <c>v1alpha1.subresources.kubecloud.io</c> with the backend's CA as caBundle. RBAC: users in the group
/// <c>console-users</c> may <c>get servers/console</c> in the namespace <c>demo</c>; nobody else has any rule for it.
/// </summary>
public sealed class AggregationFixture : ServerFixture
{
    public const string Group = "subresources.kubecloud.io";
    public const string Version = "v1alpha1";
    public const string ServiceNamespace = "aggr-system";
    public const string ServiceName = "echo";
    public const string ConsolePath = $"/apis/{Group}/{Version}/namespaces/demo/servers/web/console";

    /// <summary>What the backend's discovery lists: a subresource of a resource it does not serve (as KubeVirt's subresources API does) and a resource of its own.</summary>
    public static JsonArray BackendResources => JsonNode.Parse("""
        [{"name":"servers/console","singularName":"","namespaced":true,"kind":"ServerConsole","verbs":["get"]},
         {"name":"echoes","singularName":"echo","namespaced":true,"kind":"Echo","verbs":["get","list"]}]
        """)!.AsArray();

    public ExtensionApiServer Backend { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (code, configMap) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication");
        Assert.Equal(HttpStatusCode.OK, code);
        var allowed = JsonNode.Parse((string)configMap["data"]!["requestheader-allowed-names"]!)!.AsArray().Select(n => (string)n!).ToList();
        Backend = await ExtensionApiServer.StartAsync($"{ServiceName}.{ServiceNamespace}.svc", (string)configMap["data"]!["requestheader-client-ca-file"]!, allowed, BackendResources);
        foreach (var ns in new[] { ServiceNamespace, "demo" })
        {
            await CreateAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
        }

        await RegisterAsync(ServiceName, Backend.Port, Group, Version, Backend.CaPem);
        await CreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", $$$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"console-reader"},
             "rules":[{"apiGroups":["{{{Group}}}"],"resources":["servers/console"],"verbs":["get"]}]}
            """);
        await CreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"console-users"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"console-reader"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"console-users"}]}
            """);
        await WaitAvailableAsync($"{Version}.{Group}", "True", "Passed");
    }

    /// <summary>A Service in aggr-system named <paramref name="service"/> (port 443), an EndpointSlice at 127.0.0.1:<paramref name="port"/> (none for 0), and an APIService for the group version on <paramref name="servicePort"/> trusting <paramref name="caPem"/>.</summary>
    public async Task RegisterAsync(string service, int port, string group, string version, string caPem, bool insecure = false, string slicePortName = "https", int servicePort = 443)
    {
        await CreateAsync($"/api/v1/namespaces/{ServiceNamespace}/services", $$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{service}}}"},
             "spec":{"ports":[{"name":"https","port":443,"targetPort":{{{Math.Max(port, 1)}}}}]}}
            """);
        if (port != 0)
        {
            await CreateAsync($"/apis/discovery.k8s.io/v1/namespaces/{ServiceNamespace}/endpointslices", $$$"""
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"{{{service}}}-1","labels":{"kubernetes.io/service-name":"{{{service}}}"}},
                 "addressType":"IPv4","endpoints":[{"addresses":["127.0.0.1"],"conditions":{"ready":true}}],
                 "ports":[{"name":"{{{slicePortName}}}","port":{{{port}}},"protocol":"TCP"}]}
                """);
        }

        await CreateApiServiceAsync(group, version, new JsonObject { ["namespace"] = ServiceNamespace, ["name"] = service, ["port"] = servicePort }, caPem, insecure);
    }

    public Task CreateApiServiceAsync(string group, string version, JsonObject? service, string? caPem = null, bool insecure = false)
    {
        var spec = new JsonObject { ["group"] = group, ["version"] = version, ["groupPriorityMinimum"] = 1000, ["versionPriority"] = 15, ["service"] = service };
        if (caPem is not null && !insecure)
        {
            spec["caBundle"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(caPem));
        }

        if (insecure)
        {
            spec["insecureSkipTLSVerify"] = true;
        }

        var apiService = new JsonObject { ["apiVersion"] = "apiregistration.k8s.io/v1", ["kind"] = "APIService", ["metadata"] = new JsonObject { ["name"] = $"{version}.{group}" }, ["spec"] = spec };
        return CreateAsync("/apis/apiregistration.k8s.io/v1/apiservices", apiService.ToJsonString());
    }

    /// <summary>Waits until the APIService's Available condition has this status and reason; returns the condition.</summary>
    public async Task<JsonObject> WaitAvailableAsync(string name, string status, string reason)
    {
        JsonObject? condition = null;
        await Eventually.TrueAsync(async () =>
        {
            var (_, apiService) = await SendAsync(HttpMethod.Get, $"/apis/apiregistration.k8s.io/v1/apiservices/{name}");
            condition = (apiService["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Available");
            return (string?)condition?["status"] == status && (string?)condition?["reason"] == reason;
        }, $"APIService {name} Available={status} ({reason}); last: {condition}", seconds: 30);
        return condition!;
    }

    public override async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        await base.DisposeAsync();
    }
}
