using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using KubeCloud.ApiServer;

/// <summary>An HTTP/2 (or, with BENCH_HTTP1 set, HTTP/1.1) client of the local API server, trusting its CA, as admin.</summary>
internal static class BenchClient
{
    public static HttpClient Create(LocalApiServer server) => Create(server.Endpoint, server.CaCertificatePem, server.AdminToken);

    public static HttpClient Create(Uri endpoint, string caCertificatePem, string token)
    {
        var ca = X509Certificate2.CreateFromPem(caCertificatePem);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            InitialHttp2StreamWindowSize = 1024 * 1024,
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is not null && chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = endpoint,
            DefaultRequestVersion = Environment.GetEnvironmentVariable("BENCH_HTTP1") is null ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
