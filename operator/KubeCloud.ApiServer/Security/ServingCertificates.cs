using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// A self-made CA and a serving certificate it signs (SANs 127.0.0.1, ::1, localhost), ECDSA P-256
/// so that making them takes milliseconds. In memory, one pair per process: every server of a test run
/// shares <see cref="Instance"/>. With a data directory, both are kept in its <c>pki/</c> folder (kubeadm's
/// names: ca.crt, ca.key, apiserver.crt, apiserver.key) and reused, so a kubeconfig stays valid across
/// restarts. The serving certificate is renewed (same CA) once less than a third of its lifetime is left;
/// Kestrel asks for it on every TLS handshake, so new connections get the renewed one without a restart.
/// </summary>
public sealed class ServingCertificates
{
    /// <summary>How long a serving certificate is valid when nobody says otherwise (kubeadm's: one year).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(365);

    private static readonly Lazy<ServingCertificates> Shared = new(() => InMemory(DefaultLifetime));

    private readonly X509Certificate2 _caWithKey;
    private readonly TimeSpan _lifetime;
    private readonly string? _directory;
    private readonly Lock _gate = new();
    private X509Certificate2 _serving;

    private ServingCertificates(X509Certificate2 caWithKey, X509Certificate2? serving, TimeSpan lifetime, string? directory)
    {
        _caWithKey = caWithKey;
        _lifetime = lifetime;
        _directory = directory;
        CaCertificate = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        CaCertificatePem = caWithKey.ExportCertificatePem() + "\n";
        _serving = serving is not null && !DueForRenewal(serving) ? serving : Issue();
    }

    /// <summary>The in-memory pair every server of this process shares.</summary>
    public static ServingCertificates Instance => Shared.Value;

    public X509Certificate2 CaCertificate { get; }

    public string CaCertificatePem { get; }

    /// <summary>The serving certificate with its key, renewed first when it is due.</summary>
    public X509Certificate2 ServingCertificate
    {
        get
        {
            lock (_gate)
            {
                if (DueForRenewal(_serving))
                {
                    _serving = Issue();
                }

                return _serving;
            }
        }
    }

    /// <summary>A new CA and serving certificate, kept in memory only.</summary>
    public static ServingCertificates InMemory(TimeSpan servingLifetime) => new(NewCa("kubecloud-local-ca"), null, servingLifetime, null);

    /// <summary>The CA and serving certificate of <paramref name="directory"/>, made and saved there on first use.</summary>
    public static ServingCertificates LoadOrCreate(string directory, TimeSpan servingLifetime)
    {
        Directory.CreateDirectory(directory);
        var ca = LoadOrCreateCa(directory, "ca", "kubecloud-local-ca");

        var (servingCert, servingKey) = (Path.Combine(directory, "apiserver.crt"), Path.Combine(directory, "apiserver.key"));
        X509Certificate2? serving = null;
        try
        {
            serving = File.Exists(servingCert) && File.Exists(servingKey) ? Exportable(X509Certificate2.CreateFromPemFile(servingCert, servingKey)) : null;
        }
        catch (CryptographicException)
        {
            // A crash between writing the new key and the new certificate: issue another.
        }

        if (serving is not null && serving.Issuer != ca.Subject)
        {
            serving = null;
        }

        return new ServingCertificates(ca, serving, servingLifetime, directory);
    }

    private bool DueForRenewal(X509Certificate2 serving) => DateTime.Now >= serving.NotAfter - (_lifetime / 3);

    /// <summary>The CA <c>name.crt</c>/<c>name.key</c> of <paramref name="directory"/>, made (CN <paramref name="commonName"/>) and saved there when absent.</summary>
    internal static X509Certificate2 LoadOrCreateCa(string directory, string name, string commonName)
    {
        var (certificate, key) = (Path.Combine(directory, name + ".crt"), Path.Combine(directory, name + ".key"));
        if (File.Exists(certificate) && File.Exists(key))
        {
            return X509Certificate2.CreateFromPemFile(certificate, key);
        }

        var ca = NewCa(commonName);
        Save(directory, name, ca);
        return ca;
    }

    /// <summary>A self-signed ECDSA P-256 CA valid for 10 years (from 5 minutes ago), with its key.</summary>
    internal static X509Certificate2 NewCa(string commonName)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=" + commonName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        return caRequest.CreateSelfSigned(now, now.AddYears(10));
    }

    /// <summary>A serving certificate signed by the CA, valid from 5 minutes ago (clock skew) for the configured lifetime; saved when there is a directory.</summary>
    private X509Certificate2 Issue()
    {
        var now = DateTimeOffset.UtcNow;
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
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_caWithKey, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now + _lifetime;
        using var signed = request.Create(_caWithKey, now.AddMinutes(-5), notAfter < _caWithKey.NotAfter ? notAfter : _caWithKey.NotAfter, serial);
        using var withKey = signed.CopyWithPrivateKey(servingKey);
        if (_directory is not null)
        {
            Save(_directory, "apiserver", withKey);
        }

        return Exportable(withKey);
    }

    /// <summary>Kestrel on Linux needs an exportable, re-imported certificate with its key.</summary>
    internal static X509Certificate2 Exportable(X509Certificate2 withKey) =>
        X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

    /// <summary>Writes name.crt and name.key (owner-only), each atomically: a crash leaves the old pair or the new one.</summary>
    internal static void Save(string directory, string name, X509Certificate2 withKey)
    {
        var key = withKey.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{name}: the certificate has no ECDSA key");
        OwnerOnlyFile.WriteAllTextAtomically(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem() + "\n");
        OwnerOnlyFile.WriteAllTextAtomically(Path.Combine(directory, name + ".crt"), withKey.ExportCertificatePem() + "\n");
    }
}
