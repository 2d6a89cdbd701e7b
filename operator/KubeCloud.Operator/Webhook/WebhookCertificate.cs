using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// The webhook's serving certificate, as controller-runtime's <c>--cert-dir</c> has it: <c>tls.crt</c> and
/// <c>tls.key</c> from the directory when they are there (cert-manager, a Secret); otherwise a self-signed CA and a
/// serving certificate made at start for the webhook Service (<c>&lt;service&gt;.&lt;namespace&gt;.svc</c> and its
/// longer forms), localhost, 127.0.0.1 and ::1, with the CA written to <c>&lt;cert-dir&gt;/ca.crt</c> for the webhook
/// configuration's caBundle. The made ones live in memory only: a restart makes new ones (and rewrites ca.crt).
/// </summary>
public sealed class WebhookCertificate
{
    public const string CertificateFile = "tls.crt";
    public const string KeyFile = "tls.key";
    public const string CaFile = "ca.crt";

    private WebhookCertificate(X509Certificate2 serving, string caPem, bool generated)
    {
        Serving = serving;
        CaPem = caPem;
        Generated = generated;
    }

    /// <summary>The certificate Kestrel serves, with its private key.</summary>
    public X509Certificate2 Serving { get; }

    /// <summary>PEM of the CA that signed it (the caBundle); for given files without a ca.crt, the certificate itself.</summary>
    public string CaPem { get; }

    /// <summary>True when it was made at start rather than read from the directory.</summary>
    public bool Generated { get; }

    /// <summary>The certificate from <paramref name="directory"/>, or a made one whose CA is written there.</summary>
    public static WebhookCertificate LoadOrCreate(string directory, string serviceName, string @namespace, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var crt = Path.Combine(directory, CertificateFile);
        var key = Path.Combine(directory, KeyFile);
        if (File.Exists(crt) || File.Exists(key))
        {
            var serving = X509Certificate2.CreateFromPemFile(crt, key);
            var ca = Path.Combine(directory, CaFile);
            return new WebhookCertificate(serving, File.Exists(ca) ? File.ReadAllText(ca) : serving.ExportCertificatePem(), generated: false);
        }

        var made = Create(serviceName, @namespace, (time ?? TimeProvider.System).GetUtcNow());
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{CaFile}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, made.CaPem, Encoding.ASCII);
        File.Move(temporary, Path.Combine(directory, CaFile), overwrite: true);
        return made;
    }

    /// <summary>A new CA and a serving certificate it signed, valid for a year.</summary>
    public static WebhookCertificate Create(string serviceName, string @namespace, DateTimeOffset now)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={serviceName}-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={serviceName}.{@namespace}.svc", servingKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in new[] { serviceName, $"{serviceName}.{@namespace}", $"{serviceName}.{@namespace}.svc", $"{serviceName}.{@namespace}.svc.cluster.local", "localhost" })
        {
            names.AddDnsName(dns);
        }

        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddYears(1).AddMinutes(-10), serial);
        using var withKey = signed.CopyWithPrivateKey(servingKey);

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new WebhookCertificate(serving, ca.ExportCertificatePem(), generated: true);
    }
}
