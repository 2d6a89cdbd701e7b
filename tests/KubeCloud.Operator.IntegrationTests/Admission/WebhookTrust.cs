using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>An HTTP handler that trusts the webhook's CA and nothing else, as the API server does with the caBundle.</summary>
public static class WebhookTrust
{
    public static HttpClientHandler Handler(X509Certificate2 ca) => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(certificate);
        },
    };
}
