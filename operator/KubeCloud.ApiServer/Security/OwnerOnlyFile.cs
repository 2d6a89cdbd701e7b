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

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> owner-only and atomically: a temporary file, flushed to disk, then renamed over it, so a crash leaves the old content or the new.</summary>
    public static void WriteAllTextAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var file = OpenWrite(temporary, FileMode.Create))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
