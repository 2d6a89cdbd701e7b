namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Where the key that signs service-account tokens (TokenRequest) is kept: tokens outlive a restart exactly when
/// the key does. The server asks once at start: <see cref="Load"/>, and when that is null it makes a key and
/// <see cref="Save"/>s it. <see cref="MemoryServiceAccountKeyStore"/> keeps it for the life of the process;
/// <see cref="FileServiceAccountKeyStore"/> keeps it in a file (under <c>--data-dir</c>).
/// </summary>
public interface IServiceAccountKeyStore
{
    /// <summary>The signing key kept so far (an ECDSA P-256 private key as PKCS#8 PEM), or null when there is none yet.</summary>
    string? Load();

    /// <summary>Keeps a newly made signing key (PKCS#8 PEM).</summary>
    void Save(string privateKeyPem);
}
