using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Tests.Support;

namespace KubeCloud.LocalCluster.Tests;

/// <summary>--data-dir keeps objects, CRDs and the revision across restarts.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task A_restarted_server_keeps_its_objects_and_revision()
    {
        var dataDir = Directory.CreateTempSubdirectory("kubecloud-lc-data-").FullName;
        try
        {
            long revision;
            await using (var first = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = dataDir }))
            {
                using var http = Client(first);
                var crd = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "crds", "widgets.yaml"));
                var crdJson = global::KubeCloud.Crds.Yaml.YamlJsonReader.Read(crd);
                Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative), Json(crdJson))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri("/apis/test.kubecloud.io/v1/namespaces/default/widgets", UriKind.Relative), Json(JsonNode.Parse("""{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"kept"},"spec":{"size":3}}""")!))).StatusCode);
                revision = first.CurrentRevision;
            }

            await using var second = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = dataDir });
            Assert.Equal(revision, second.CurrentRevision);
            using var again = Client(second);
            var widget = JsonNode.Parse(await again.GetStringAsync(new Uri("/apis/test.kubecloud.io/v1/namespaces/default/widgets/kept", UriKind.Relative)))!;
            Assert.Equal(3, (int?)widget["spec"]!["size"]);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static HttpClient Client(LocalApiServer server) => ServerFixture.CreateClient(server, server.AdminToken);
}
