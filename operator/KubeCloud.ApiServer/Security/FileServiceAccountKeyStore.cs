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

    public void Save(string privateKeyPem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var temporary = _path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(privateKeyPem);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}
