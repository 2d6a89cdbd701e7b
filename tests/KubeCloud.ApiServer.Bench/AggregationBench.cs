using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubeCloud.ApiServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

/// <summary>
/// What the aggregation layer costs: GETs of a small answer from an extension API server (Kestrel on loopback, HTTPS,
/// client certificate requested) sent straight to it with keep-alive, and the same through the local API server's
/// aggregator (authentication, RBAC, a new TLS connection to the backend per request); a local ConfigMap get beside them.
/// </summary>
internal static class AggregationBench
{
    private const string ServerName = "bench.bench-system.svc";

    public static async Task RunAsync(bool quick)
    {
        var (count, concurrency) = quick ? (500, 8) : (3000, 8);
        Console.WriteLine($"{concurrency} concurrent GETs, {count} per measure, HTTPS on loopback, {Environment.ProcessorCount} cores, load average at start {Load()}");
        var (caPem, serving) = ServingCertificate();
        await using var backend = await StartBackendAsync(serving);
        var backendPort = new Uri(backend.Urls.First()).Port;
        await using var server = await LocalApiServer.StartAsync();
        using var api = Client(server.Endpoint, server.CaCertificatePem, withClientCertificate: false, server.AdminToken);
        await Register(api, backendPort, caPem);
        using var direct = Client(new Uri($"https://127.0.0.1:{backendPort}"), caPem, withClientCertificate: true, null);
        direct.DefaultRequestHeaders.Host = ServerName;

        var proxied = "/apis/bench.example.io/v1/namespaces/demo/things/one";
        var rounds = new List<(string Name, List<double> Rates, List<double> P50s)>
        {
            ("backend directly (keep-alive)", [], []),
            ("through the aggregator", [], []),
            ("local ConfigMap get (reference)", [], []),
        };
        Func<Task<HttpResponseMessage>>[] requests =
        [
            () => direct.GetAsync(proxied),
            () => api.GetAsync(proxied),
            () => api.GetAsync("/api/v1/namespaces/default/configmaps/bench"),
        ];
        for (var round = 0; round < (quick ? 1 : 2); round++)
        {
            var order = round % 2 == 0 ? new[] { 0, 1, 2 } : [2, 1, 0];
            foreach (var i in order)
            {
                await MeasureAsync(requests[i], 200, concurrency); // warm-up
                var (rate, p50) = await MeasureAsync(requests[i], count, concurrency);
                rounds[i].Rates.Add(rate);
                rounds[i].P50s.Add(p50);
                Console.WriteLine($"{rounds[i].Name}: {rate:F0} req/s, p50 {p50:F2} ms");
            }
        }

        Console.WriteLine($"load average at end {Load()}");
        Console.WriteLine("| GET | req/s (rounds) | p50 ms (rounds) |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var (name, rates, p50s) in rounds)
        {
            Console.WriteLine($"| {name} | {string.Join(", ", rates.Select(r => r.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} | {string.Join(", ", p50s.Select(p => p.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} |");
        }
    }

    private static async Task<(double Rate, double P50)> MeasureAsync(Func<Task<HttpResponseMessage>> request, int count, int concurrency)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await request();
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode}");
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var rate = count / clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (rate, latencies[count / 2]);
    }

    private static async Task Register(HttpClient api, int backendPort, string caPem)
    {
        string[] objects =
        [
            "/api/v1/namespaces|{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"bench-system\"}}",
            "/api/v1/namespaces/default/configmaps|{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"bench\"},\"data\":{\"a\":\"b\"}}",
            "/api/v1/namespaces/bench-system/services|{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"bench\"},\"spec\":{\"ports\":[{\"name\":\"https\",\"port\":443}]}}",
            $"/apis/discovery.k8s.io/v1/namespaces/bench-system/endpointslices|{{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{{\"name\":\"bench\",\"labels\":{{\"kubernetes.io/service-name\":\"bench\"}}}},\"addressType\":\"IPv4\",\"endpoints\":[{{\"addresses\":[\"127.0.0.1\"]}}],\"ports\":[{{\"name\":\"https\",\"port\":{backendPort}}}]}}",
            $"/apis/apiregistration.k8s.io/v1/apiservices|{{\"apiVersion\":\"apiregistration.k8s.io/v1\",\"kind\":\"APIService\",\"metadata\":{{\"name\":\"v1.bench.example.io\"}},\"spec\":{{\"group\":\"bench.example.io\",\"version\":\"v1\",\"groupPriorityMinimum\":1000,\"versionPriority\":15,\"service\":{{\"namespace\":\"bench-system\",\"name\":\"bench\"}},\"caBundle\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem))}\"}}}}",
        ];
        foreach (var entry in objects)
        {
            var (path, body) = (entry[..entry.IndexOf('|', StringComparison.Ordinal)], entry[(entry.IndexOf('|', StringComparison.Ordinal) + 1)..]);
            using var response = await api.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    private static async Task<WebApplication> StartBackendAsync(X509Certificate2 serving)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = serving;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        })));
        var app = builder.Build();
        app.Run(http => http.Response.WriteAsync("{\"kind\":\"Thing\",\"apiVersion\":\"bench.example.io/v1\",\"metadata\":{\"name\":\"one\"}}"));
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(Uri endpoint, string caPem, bool withClientCertificate, string? token)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
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
        if (withClientCertificate)
        {
            // Straight to the backend with a client certificate of its own, so that both paths do the same TLS work per connection.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=bench-client", key, HashAlgorithmName.SHA256);
            using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            var client = X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
            handler.SslOptions.ClientCertificates = [client];
        }

        var http = new HttpClient(handler) { BaseAddress = endpoint };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    private static (string CaPem, X509Certificate2 Serving) ServingCertificate()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=bench-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + ServerName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(ServerName);
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return (ca.ExportCertificatePem() + "\n", X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
