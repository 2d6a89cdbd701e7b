using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>One local API server per test class (127.0.0.1 only), an admin HTTP client trusting its CA, and kubectl/helm runners.</summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("kubecloud-lc-tests-").FullName;

    public LocalApiServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ClientProcess Clients { get; private set; } = null!;

    public string Home => _home;

    protected virtual LocalApiServerOptions Options() => new();

    public virtual async Task InitializeAsync()
    {
        Server = await LocalApiServer.StartAsync(Options());
        Assert.Equal(IPAddress.Loopback.ToString(), Server.Endpoint.Host);
        Http = CreateClient(Server.AdminToken);
        Clients = new ClientProcess(Server.KubeconfigPath, _home);
    }

    public HttpClient CreateClient(string? token) => CreateClient(Server, token);

    /// <summary>An HTTP client that trusts only the server's CA, with a bearer token (none: anonymous).</summary>
    public static HttpClient CreateClient(LocalApiServer server, string? token) => CreateClient(server.Endpoint, server.CaCertificatePem, token);

    /// <summary>An HTTP client for <paramref name="endpoint"/> that trusts only the CA <paramref name="caPem"/>, with a bearer token (none: anonymous).</summary>
    public static HttpClient CreateClient(Uri endpoint, string caPem, string? token)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>kubectl/helm as a new token user in the given groups: a kubeconfig and a HOME of their own.</summary>
    public ClientProcess Tenant(string name, params string[] groups)
    {
        var token = Server.AddUser(name, groups);
        var home = Path.Combine(_home, name);
        Directory.CreateDirectory(home);
        return new ClientProcess(Server.WriteKubeconfig(token, Path.Combine(_home, $"{name}.kubeconfig")), home);
    }

    public Task<CommandResult> KubectlAsync(string version, string arguments, string? stdin = null) =>
        Clients.RunAsync(KubeClients.Kubectl(version), arguments, stdin);

    public async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    public async Task<JsonObject> CreateAsync(string path, string json)
    {
        var (code, body) = await SendAsync(HttpMethod.Post, path, JsonNode.Parse(json));
        Assert.True(code == HttpStatusCode.Created, $"{code}: {body}");
        return body;
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
