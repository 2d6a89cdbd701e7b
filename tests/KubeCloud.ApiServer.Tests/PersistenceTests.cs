using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>--data-dir keeps objects, CRDs, the revision, the CA, the serving certificate and issued tokens across restarts.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("kubecloud-lc-data-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_restarted_server_keeps_its_objects_and_revision()
    {
        long revision;
        await using (var first = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }))
        {
            using var http = Client(first);
            var crd = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "crds", "widgets.yaml"));
            var crdJson = global::KubeCloud.Crds.Yaml.YamlJsonReader.Read(crd);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative), Json(crdJson))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri("/apis/test.kubecloud.io/v1/namespaces/default/widgets", UriKind.Relative), Json(JsonNode.Parse("""{"apiVersion":"test.kubecloud.io/v1","kind":"Widget","metadata":{"name":"kept"},"spec":{"size":3}}""")!))).StatusCode);
            revision = first.CurrentRevision;
        }

        await using var second = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir });
        Assert.Equal(revision, second.CurrentRevision);
        using var again = Client(second);
        var widget = JsonNode.Parse(await again.GetStringAsync(new Uri("/apis/test.kubecloud.io/v1/namespaces/default/widgets/kept", UriKind.Relative)))!;
        Assert.Equal(3, (int?)widget["spec"]!["size"]);
    }

    [Fact]
    public async Task A_restarted_server_keeps_its_CA_admin_token_and_added_users()
    {
        string ca, admin, alice;
        await using (var first = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }))
        {
            (ca, admin, alice) = (first.CaCertificatePem, first.AdminToken, first.AddUser("alice", "tenants"));
            Assert.Equal(Path.Combine(_dataDir, LocalApiServer.KubeconfigFileName), first.KubeconfigPath);
        }

        Assert.True(File.Exists(Path.Combine(_dataDir, LocalApiServer.KubeconfigFileName)), "the data directory's kubeconfig is kept when the server stops");
        await using var second = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir });
        Assert.Equal(ca, second.CaCertificatePem);
        Assert.Equal(admin, second.AdminToken);
        using var asAlice = ServerFixture.CreateClient(second, alice);
        using var review = await asAlice.PostAsync(
            new Uri("/apis/authentication.k8s.io/v1/selfsubjectreviews", UriKind.Relative),
            Json(JsonNode.Parse("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""")!));
        var user = JsonNode.Parse(await review.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal("alice", (string?)user["username"]);
        Assert.Contains("tenants", user["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task Without_a_port_a_restart_listens_where_the_last_run_did_unless_that_port_is_taken()
    {
        int port;
        await using (var first = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }))
        {
            port = first.Endpoint.Port;
        }

        await using (var second = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }))
        {
            Assert.Equal(port, second.Endpoint.Port);
        }

        using var taken = new TcpListener(IPAddress.Loopback, port);
        taken.Start();
        await using var third = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir });
        Assert.NotEqual(port, third.Endpoint.Port);
        Assert.Contains($":{third.Endpoint.Port}", await File.ReadAllTextAsync(third.KubeconfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_lived_serving_certificate_is_renewed_by_the_same_CA_while_the_server_runs()
    {
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir, ServingCertificateLifetime = TimeSpan.FromSeconds(6) });
        using var ca = X509Certificate2.CreateFromPem(server.CaCertificatePem);
        using var first = await ServedCertificateAsync(server.Endpoint, ca);
        X509Certificate2? renewed = null;
        await Eventually.TrueAsync(
            async () =>
            {
                renewed?.Dispose();
                renewed = await ServedCertificateAsync(server.Endpoint, ca);
                return renewed.SerialNumber != first.SerialNumber;
            },
            "a renewed serving certificate",
            seconds: 30);
        Assert.True(renewed!.NotAfter > first.NotAfter, $"renewed until {renewed.NotAfter:O}, the first until {first.NotAfter:O}");
        using var saved = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_dataDir, "pki", "apiserver.crt")));
        Assert.True(saved.NotAfter >= renewed.NotAfter, "the renewed certificate is saved in the data directory");
        using var http = Client(server);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/v1/namespaces/default", UriKind.Relative))).StatusCode);
        renewed.Dispose();
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_directory_is_refused_with_the_file_named()
    {
        await using (var first = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }))
        {
            var refused = await Assert.ThrowsAsync<IOException>(() => LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir }));
            Assert.StartsWith($"{Path.Combine(_dataDir, "store.db")} is in use by another kubecloud-apiserver", refused.Message, StringComparison.Ordinal);
        }

        await using var afterwards = await LocalApiServer.StartAsync(new LocalApiServerOptions { DataDirectory = _dataDir });
    }

    /// <summary>The certificate a new TLS connection is served; the handshake succeeds only if it chains to <paramref name="ca"/>.</summary>
    private static async Task<X509Certificate2> ServedCertificateAsync(Uri endpoint, X509Certificate2 ca)
    {
        X509Certificate2? served = null;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return served is not null && ChainsTo(served, ca);
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        return served!;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static HttpClient Client(LocalApiServer server) => ServerFixture.CreateClient(server, server.AdminToken);
}
