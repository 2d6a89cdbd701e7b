using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubeCloud.Kube.Tests;

/// <summary>A self-signed certificate and key in PEM, as kubeconfigs embed them.</summary>
public sealed record TestCertificates(string CertificatePem, string KeyPem)
{
    public static TestCertificates Create(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return new TestCertificates(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public string CertificateBase64 => Convert.ToBase64String(Encoding.UTF8.GetBytes(CertificatePem));

    public string KeyBase64 => Convert.ToBase64String(Encoding.UTF8.GetBytes(KeyPem));
}
