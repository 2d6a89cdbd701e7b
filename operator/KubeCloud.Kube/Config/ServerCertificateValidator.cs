using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Kube.Config;

/// <summary>Validates an API server certificate against the kubeconfig's CA bundle (not the system store).</summary>
internal static class ServerCertificateValidator
{
    public static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots, string serverName)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(leaf))
        {
            return false;
        }

        return leaf.MatchesHostname(serverName, allowWildcards: true, allowCommonName: true);
    }
}
