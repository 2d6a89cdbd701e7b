namespace KubeCloud.ApiServer.Security;

/// <summary>A signing key kept in a PEM file readable by its owner only, written atomically (temporary file, then rename).</summary>
public sealed class FileServiceAccountKeyStore : IServiceAccountKeyStore
{
    private readonly string _path;

    public FileServiceAccountKeyStore(string path)
    {
        _path = path;
    }

    public string? Load() => File.Exists(_path) ? File.ReadAllText(_path) : null;

    public void Save(string privateKeyPem) => OwnerOnlyFile.WriteAllTextAtomically(_path, privateKeyPem);
}
