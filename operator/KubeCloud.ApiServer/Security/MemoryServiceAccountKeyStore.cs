namespace KubeCloud.ApiServer.Security;

/// <summary>A signing key kept in memory: tokens are valid until the process ends (the default without <c>--data-dir</c>).</summary>
public sealed class MemoryServiceAccountKeyStore : IServiceAccountKeyStore
{
    private string? _pem;

    public string? Load() => _pem;

    public void Save(string privateKeyPem) => _pem = privateKeyPem;
}
