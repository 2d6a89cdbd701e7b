using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Kube.Config;

/// <summary>Client certificates from PEM, as kubeconfigs and exec plugins hand them over.</summary>
internal static class ClientCertificates
{
    /// <summary>The certificate with its private key, usable by SslStream.</summary>
    public static X509Certificate2 FromPem(string certificatePem, string keyPem)
    {
        using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        // Round-trip through PKCS#12 so that the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
