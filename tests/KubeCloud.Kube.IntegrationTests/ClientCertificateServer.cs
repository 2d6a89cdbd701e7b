using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Kube.IntegrationTests;

/// <summary>
/// A loopback Kestrel HTTPS server that authenticates requests by client certificate, as kube-apiserver's x509
/// authenticator does: no certificate, or a revoked one, gets a 401 Status; otherwise any GET answers with a
/// Server object. It records the subject presented on each request and the connection it came on.
/// </summary>
public sealed class ClientCertificateServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte> _revoked = new();
    private readonly ConcurrentQueue<(string? Subject, string Connection, int Status)> _requests = new();

    private ClientCertificateServer(WebApplication app, string caPem)
    {
        _app = app;
        CaPem = caPem;
    }

    /// <summary>The PEM of the CA that signed the serving certificate (for certificate-authority-data).</summary>
    public string CaPem { get; }

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<(string? Subject, string Connection, int Status)> Requests => [.. _requests];

    public static async Task<ClientCertificateServer> StartAsync()
    {
        var (caPem, serving) = CreateServingCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serving,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            // Self-signed client certificates from the test; authentication is the application's decision below.
            ClientCertificateValidation = (_, _, _) => true,
        })));
        var app = builder.Build();
        var server = new ClientCertificateServer(app, caPem);
        app.Map("/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address);
        return server;
    }

    /// <summary>Requests with a certificate of this subject (e.g. "CN=alice-2") get 401 from now on.</summary>
    public void Revoke(string subject) => _revoked[subject] = 0;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var subject = context.Connection.ClientCertificate?.Subject;
        var status = subject is null || _revoked.ContainsKey(subject) ? 401 : 200;
        _requests.Enqueue((subject, context.Connection.Id, status));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var name = context.Request.Path.Value!.Split('/').Last();
        await context.Response.WriteAsync(status == 401
            ? """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"""
            : $$$$"""{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"{{{{name}}}}","namespace":"demo","annotations":{"presented":"{{{{subject}}}}"}}}""");
    }

    private static (string CaPem, X509Certificate2 Serving) CreateServingCertificate()
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=client-certificate-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, now, now.AddDays(1), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        return (ca.ExportCertificatePem(), X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>A self-signed client certificate and its key, in PEM.</summary>
    public static (string CertificatePem, string KeyPem) ClientCertificate(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
