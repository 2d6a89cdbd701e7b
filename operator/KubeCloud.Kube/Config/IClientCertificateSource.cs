using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Kube.Config;

/// <summary>
/// A client certificate that can change while the client runs (an exec plugin's <c>clientCertificateData</c>).
/// The handler presents <see cref="Current"/> at each TLS handshake and closes its connections on <see cref="Rotated"/>,
/// so that the next request handshakes again with the new certificate (client-go's connection rotation).
/// </summary>
public interface IClientCertificateSource
{
    /// <summary>The certificate (with its private key) to present now, or null for none.</summary>
    X509Certificate2? Current { get; }

    /// <summary>Raised after <see cref="Current"/> changed.</summary>
    event EventHandler? Rotated;
}
