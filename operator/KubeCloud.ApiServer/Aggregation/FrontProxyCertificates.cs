using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeCloud.ApiServer.Security;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// The front-proxy CA and the client certificate it signs (CN <c>front-proxy-client</c>), which the aggregator presents
/// to extension API servers, as kube-apiserver's <c>--proxy-client-cert-file</c> and <c>--requestheader-client-ca-file</c>.
/// Made at start; with a data directory kept in its <c>pki/</c> folder under kubeadm's names (front-proxy-ca.crt/.key,
/// front-proxy-client.crt/.key), so a restart keeps them and backends that trusted the CA keep trusting it.
/// The client certificate (one year) is reissued by the same CA once less than a third of its lifetime is left.
/// </summary>
public sealed class FrontProxyCertificates
{
    /// <summary>The client certificate's common name: the only name in <c>requestheader-allowed-names</c>.</summary>
    public const string ClientCommonName = "front-proxy-client";

    private static readonly TimeSpan ClientLifetime = TimeSpan.FromDays(365);

    private FrontProxyCertificates(X509Certificate2 caWithKey, X509Certificate2 client)
    {
        CaCertificate = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        CaCertificatePem = caWithKey.ExportCertificatePem() + "\n";
        ClientCertificate = client;
    }

    /// <summary>The front-proxy CA (public part): what backends verify the aggregator's client certificate with.</summary>
    public X509Certificate2 CaCertificate { get; }

    public string CaCertificatePem { get; }

    /// <summary>The client certificate with its key.</summary>
    public X509Certificate2 ClientCertificate { get; }

    /// <summary>A new CA and client certificate, in memory only.</summary>
    public static FrontProxyCertificates InMemory()
    {
        using var ca = ServingCertificates.NewCa("front-proxy-ca");
        return new FrontProxyCertificates(ca, ServingCertificates.Exportable(IssueClient(ca)));
    }

    /// <summary>The CA and client certificate of <paramref name="pkiDirectory"/>, made and saved there on first use.</summary>
    public static FrontProxyCertificates LoadOrCreate(string pkiDirectory)
    {
        Directory.CreateDirectory(pkiDirectory);
        using var ca = ServingCertificates.LoadOrCreateCa(pkiDirectory, "front-proxy-ca", "front-proxy-ca");
        var (clientCert, clientKey) = (Path.Combine(pkiDirectory, "front-proxy-client.crt"), Path.Combine(pkiDirectory, "front-proxy-client.key"));
        X509Certificate2? client = null;
        try
        {
            client = File.Exists(clientCert) && File.Exists(clientKey) ? X509Certificate2.CreateFromPemFile(clientCert, clientKey) : null;
        }
        catch (CryptographicException)
        {
            // A crash between writing the new key and the new certificate: issue another.
        }

        if (client is null || client.Issuer != ca.Subject || DateTime.Now >= client.NotAfter - (ClientLifetime / 3))
        {
            client?.Dispose();
            client = IssueClient(ca);
            ServingCertificates.Save(pkiDirectory, "front-proxy-client", client);
        }

        using (client)
        {
            return new FrontProxyCertificates(ca, ServingCertificates.Exportable(client));
        }
    }

    private static X509Certificate2 IssueClient(X509Certificate2 ca)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + ClientCommonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now + ClientLifetime;
        using var signed = request.Create(ca, now.AddMinutes(-5), notAfter < ca.NotAfter ? notAfter : ca.NotAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }
}
