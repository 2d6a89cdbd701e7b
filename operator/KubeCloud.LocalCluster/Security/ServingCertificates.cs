using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.LocalCluster.Security;

/// <summary>
/// A self-made CA and a serving certificate it signs (SANs 127.0.0.1, ::1, localhost), ECDSA P-256
/// so that making them takes milliseconds. One pair per process: every server of a test run shares it.
/// </summary>
public sealed class ServingCertificates
{
    private static readonly Lazy<ServingCertificates> Shared = new(Create);

    private ServingCertificates(X509Certificate2 ca, X509Certificate2 serving)
    {
        CaCertificate = ca;
        ServingCertificate = serving;
        CaCertificatePem = ca.ExportCertificatePem() + "\n";
    }

    public static ServingCertificates Instance => Shared.Value;

    public X509Certificate2 CaCertificate { get; }

    public X509Certificate2 ServingCertificate { get; }

    public string CaCertificatePem { get; }

    private static ServingCertificates Create()
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=kubecloud-local-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now, now.AddYears(10));

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", servingKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        names.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, now, now.AddYears(5), serial);
        using var withKey = signed.CopyWithPrivateKey(servingKey);
        // Kestrel on Linux needs an exportable, re-imported certificate with its key.
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new ServingCertificates(X509CertificateLoader.LoadCertificate(ca.RawData), serving);
    }
}
