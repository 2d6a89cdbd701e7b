using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Tables;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class RequestInfoTests
{
    [Theory]
    [InlineData("GET", "/api/v1/namespaces/demo/pods/web", false, "get", "", "demo", "pods", "web", "")]
    [InlineData("GET", "/api/v1/namespaces/demo/pods", false, "list", "", "demo", "pods", "", "")]
    [InlineData("GET", "/api/v1/namespaces/demo/pods", true, "watch", "", "demo", "pods", "", "")]
    [InlineData("GET", "/api/v1/watch/namespaces/demo/pods", false, "watch", "", "demo", "pods", "", "")]
    [InlineData("PUT", "/apis/kubecloud.io/v1alpha1/namespaces/demo/servers/web/status", false, "update", "kubecloud.io", "demo", "servers", "web", "status")]
    [InlineData("PATCH", "/apis/kubecloud.io/v1alpha1/flavors/m1", false, "patch", "kubecloud.io", "", "flavors", "m1", "")]
    [InlineData("DELETE", "/api/v1/namespaces/demo/configmaps", false, "deletecollection", "", "demo", "configmaps", "", "")]
    [InlineData("POST", "/apis/apps/v1/namespaces/demo/deployments", false, "create", "apps", "demo", "deployments", "", "")]
    [InlineData("GET", "/api/v1/namespaces/demo", false, "get", "", "demo", "namespaces", "demo", "")]
    [InlineData("PUT", "/api/v1/namespaces/demo/finalize", false, "update", "", "demo", "namespaces", "demo", "finalize")]
    public void Parses_as_kube_apiserver(string method, string path, bool watch, string verb, string group, string ns, string resource, string name, string subresource)
    {
        var info = RequestInfo.Parse(method, path, watch);
        Assert.True(info.IsResourceRequest);
        Assert.Equal((verb, group, ns, resource, name, subresource), (info.Verb, info.Group, info.Namespace, info.Resource, info.Name, info.Subresource));
    }

    [Theory]
    [InlineData("/version")]
    [InlineData("/apis")]
    [InlineData("/apis/apps/v1")]
    [InlineData("/openapi/v3")]
    public void Non_resource_paths(string path) => Assert.False(RequestInfo.Parse("GET", path, false).IsResourceRequest);

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(130, "2m10s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 3600, "3d1h")]
    [InlineData(40 * 86400, "40d")]
    public void Ages_print_as_kubectl_prints_them(int seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Printer_column_paths_select_conditions()
    {
        var obj = System.Text.Json.Nodes.JsonNode.Parse("""{"status":{"conditions":[{"type":"Scheduled","status":"True"},{"type":"Ready","status":"False"}]},"spec":{"items":[{"n":1},{"n":2}]}}""");
        Assert.Equal("False", SimpleJsonPath.Evaluate(".status.conditions[?(@.type==\"Ready\")].status", obj).Single().ToString());
        Assert.Equal(["1", "2"], SimpleJsonPath.Evaluate("{.spec.items[*].n}", obj).Select(n => n.ToString()));
        Assert.Equal("2", SimpleJsonPath.Evaluate(".spec.items[1].n", obj).Single().ToString());
    }
}
