using KubeCloud.Kube.ModelGen;

// Usage: KubeCloud.Kube.ModelGen [--swagger <path>] [--output <folder>]
// Defaults are relative to the repository root (the folder holding KubeCloud.sln, found from the current directory).
string? swagger = null;
string? output = null;
for (var index = 0; index < args.Length; index++)
{
    switch (args[index])
    {
        case "--swagger" when index + 1 < args.Length:
            swagger = args[++index];
            break;
        case "--output" when index + 1 < args.Length:
            output = args[++index];
            break;
        default:
            Console.Error.WriteLine("usage: KubeCloud.Kube.ModelGen [--swagger <path>] [--output <folder>]");
            return 2;
    }
}

if (swagger is null || output is null)
{
    var root = RepositoryLayout.FindRepositoryRoot(Directory.GetCurrentDirectory());
    swagger ??= Path.GetFullPath(Path.Combine(root, RepositoryLayout.SwaggerRelativePath));
    output ??= Path.Combine(root, RepositoryLayout.GeneratedRelativePath);
}

var files = ModelGenerator.Generate(swagger);
GeneratedFolder.Write(output, files);
Console.WriteLine($"Wrote {files.Count} files from {swagger} to {output}.");
return 0;
