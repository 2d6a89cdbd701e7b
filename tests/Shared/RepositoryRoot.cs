namespace KubeCloud.Testing;

/// <summary>
/// The repository a test or bench runs in: the nearest folder above the build output that holds KubeCloud.sln.
/// Compiled into every test project (Directory.Build.props links this one file), so there is one finder.
/// </summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "KubeCloud.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no KubeCloud.sln above {AppContext.BaseDirectory}");
    }
}
