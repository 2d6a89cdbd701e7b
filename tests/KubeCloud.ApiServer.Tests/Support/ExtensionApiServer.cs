using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>
/// A stand-in extension API server behind an APIService: Kestrel on 127.0.0.1 with a serving certificate of its own
/// CA for <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>, answering only requests that present a client certificate
/// chaining to the front-proxy CA with an allowed common name (else 401). Under <c>/apis/&lt;group&gt;/&lt;version&gt;</c>:
/// the discovery document; <c>.../stream</c> writes a first line and holds the response open until the test releases it;
/// <c>.../hold</c> waits until the request is cancelled and records that; anything else echoes what it received.
/// </summary>
public sealed class ExtensionApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _frontProxyCa;
    private readonly IReadOnlyList<string> _allowedNames;
    private readonly JsonArray _resources;
    private TaskCompletionSource _releaseStream = NewSignal();

    private ExtensionApiServer(WebApplication app, string caPem, X509Certificate2 frontProxyCa, IReadOnlyList<string> allowedNames, JsonArray resources)
    {
        _app = app;
        CaPem = caPem;
        _frontProxyCa = frontProxyCa;
        _allowedNames = allowedNames;
        _resources = resources;
    }

    /// <summary>The PEM of the CA that signed this server's serving certificate (what an APIService's caBundle holds).</summary>
    public string CaPem { get; }

    public int Port { get; private set; }

    /// <summary>Set when a <c>/stream</c> request has written its first line and waits to be released.</summary>
    public TaskCompletionSource StreamWaiting { get; private set; } = NewSignal();

    /// <summary>Set when a <c>/hold</c> request has started.</summary>
    public TaskCompletionSource HoldStarted { get; private set; } = NewSignal();

    /// <summary>Set when a <c>/hold</c> request was cancelled by its caller going away.</summary>
    public TaskCompletionSource HoldCancelled { get; private set; } = NewSignal();

    /// <summary>The identity headers of the last discovery request (the availability check's).</summary>
    public JsonObject? LastDiscoveryHeaders { get; private set; }

    /// <summary>Starts a backend for <paramref name="serverName"/> that trusts the front-proxy CA <paramref name="frontProxyCaPem"/> for the names <paramref name="allowedNames"/>, listing <paramref name="resources"/> in its discovery.</summary>
    public static async Task<ExtensionApiServer> StartAsync(string serverName, string frontProxyCaPem, IReadOnlyList<string> allowedNames, JsonArray resources)
    {
        var (caPem, serving) = IssueServingCertificate(serverName);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = serving;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            });
        }));
        var app = builder.Build();
        var server = new ExtensionApiServer(app, caPem, X509Certificate2.CreateFromPem(frontProxyCaPem), allowedNames, resources);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    /// <summary>Lets the held <c>/stream</c> response finish.</summary>
    public void ReleaseStream() => _releaseStream.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        ReleaseStream();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task HandleAsync(HttpContext http)
    {
        var client = http.Connection.ClientCertificate ?? await http.Connection.GetClientCertificateAsync();
        if (client is null || !FromFrontProxy(client))
        {
            http.Response.StatusCode = 401;
            await http.Response.WriteAsync($"{{\"error\":\"no front-proxy client certificate: {client?.Subject}\"}}");
            return;
        }

        var path = http.Request.Path.Value ?? "";
        var parts = path.Trim('/').Split('/');
        if (parts is ["apis", var group, var version])
        {
            LastDiscoveryHeaders = Headers(http.Request);
            await http.Response.WriteAsJsonAsync(new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = $"{group}/{version}", ["resources"] = _resources.DeepClone() });
            return;
        }

        if (path.EndsWith("/stream", StringComparison.Ordinal))
        {
            var release = _releaseStream = NewSignal();
            await http.Response.WriteAsync("first line\n");
            await http.Response.Body.FlushAsync();
            StreamWaiting.TrySetResult();
            await release.Task.WaitAsync(http.RequestAborted);
            await http.Response.WriteAsync("last line\n");
            StreamWaiting = NewSignal();
            return;
        }

        if (path.EndsWith("/hold", StringComparison.Ordinal))
        {
            var cancelled = HoldCancelled;
            HoldStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
            }

            return;
        }

        using var reader = new StreamReader(http.Request.Body);
        await http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["method"] = http.Request.Method,
            ["path"] = path,
            ["query"] = http.Request.QueryString.Value,
            ["clientCommonName"] = client.GetNameInfo(X509NameType.SimpleName, false),
            ["connection"] = http.Connection.Id,
            ["headers"] = Headers(http.Request),
            ["body"] = await reader.ReadToEndAsync(),
        });
    }

    /// <summary>Resets the one-shot signals of <c>/hold</c> for the next test.</summary>
    public void ResetHold()
    {
        HoldStarted = NewSignal();
        HoldCancelled = NewSignal();
    }

    private bool FromFrontProxy(X509Certificate2 client)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_frontProxyCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client) && _allowedNames.Contains(client.GetNameInfo(X509NameType.SimpleName, false));
    }

    private static JsonObject Headers(HttpRequest request)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }

        return headers;
    }

    /// <summary>A CA of the backend's own and a serving certificate it signs for <paramref name="serverName"/>.</summary>
    private static (string CaPem, X509Certificate2 Serving) IssueServingCertificate(string serverName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=extension-apiserver-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + serverName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return (ca.ExportCertificatePem() + "\n", X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }
}
