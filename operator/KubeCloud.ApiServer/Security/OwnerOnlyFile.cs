namespace KubeCloud.ApiServer.Security;

/// <summary>Files only their owner may read (keys, tokens): created with mode 0600 where the platform has modes.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Opens <paramref name="path"/> for writing (<see cref="FileMode.Create"/> or <see cref="FileMode.Append"/>).</summary>
    public static FileStream OpenWrite(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
