namespace KubeCloud.Kube.ModelGen;

/// <summary>Where the generator finds its input and writes its output inside the repository.</summary>
public static class RepositoryLayout
{
    /// <summary>The swagger document, relative to the repository root.</summary>
    public static readonly string SwaggerRelativePath = Path.Combine("..", "shared", "kubernetes", "swagger-v1.36.json");

    /// <summary>The folder of generated models, relative to the repository root.</summary>
    public static readonly string GeneratedRelativePath = Path.Combine("operator", "KubeCloud.Kube.Models", "Generated");

    /// <summary>Walks up from <paramref name="start"/> to the folder holding <c>KubeCloud.sln</c>.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KubeCloud.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No KubeCloud.sln in {start} or any folder above it.");
    }
}
