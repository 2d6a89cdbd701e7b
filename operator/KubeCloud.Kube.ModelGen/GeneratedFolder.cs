namespace KubeCloud.Kube.ModelGen;

/// <summary>Replaces the content of the generated folder with a fresh set of files.</summary>
public static class GeneratedFolder
{
    /// <summary>Writes every file (LF line endings, UTF-8 without BOM) and deletes <c>*.cs</c> files no longer generated.</summary>
    public static void Write(string folder, IReadOnlyDictionary<string, string> files)
    {
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.EnumerateFiles(folder, "*.cs").Where(path => !files.ContainsKey(Path.GetFileName(path))).ToList())
        {
            File.Delete(stale);
        }

        foreach (var (name, content) in files)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path) || File.ReadAllText(path) != content)
            {
                File.WriteAllText(path, content);
            }
        }
    }
}
