using KubeCloud.Crds.Generation;

// Writes one CRD per kind into crds/ and charts/kubecloud/crds/ (or into the folder given).
//   dotnet run --project crds/KubeCloud.CrdGen                 both checked-in folders
//   dotnet run --project crds/KubeCloud.CrdGen -- out/crds     just that folder
//   dotnet run --project crds/KubeCloud.CrdGen -- --check      exit 1 if the checked-in files drift

var check = args.Contains("--check");
var folders = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
if (folders.Count == 0)
{
    var root = RepositoryRoot.Find(Environment.CurrentDirectory) ?? RepositoryRoot.Find(AppContext.BaseDirectory);
    if (root is null)
    {
        Console.Error.WriteLine("crdgen: cannot find the repository root (a folder with KubeCloud.sln); pass an output folder");
        return 2;
    }

    folders = [.. CrdFiles.CheckedInFolders.Select(f => Path.Combine(root, f))];
}

IReadOnlyList<CrdFile> files;
try
{
    files = CrdFiles.Render();
}
catch (CrdGenerationException e)
{
    Console.Error.WriteLine($"crdgen: {e.Message}");
    return 1;
}

var drift = 0;
foreach (var folder in folders)
{
    if (!check)
    {
        Directory.CreateDirectory(folder);
    }

    foreach (var file in files)
    {
        var path = Path.Combine(folder, file.FileName);
        if (check)
        {
            if (!File.Exists(path) || File.ReadAllText(path) != file.Yaml)
            {
                Console.Error.WriteLine($"crdgen: {path} is out of date");
                drift++;
            }

            continue;
        }

        File.WriteAllText(path, file.Yaml);
        Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
    }
}

return drift == 0 ? 0 : 1;

/// <summary>Finds the repository root: the nearest folder upwards that holds KubeCloud.sln.</summary>
internal static class RepositoryRoot
{
    public static string? Find(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "KubeCloud.sln")))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
