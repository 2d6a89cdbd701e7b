using System.Text.Json.Nodes;

namespace KubeCloud.Kube.ModelGen;

/// <summary>Generates the model files from the Kubernetes OpenAPI v2 document.</summary>
public static class ModelGenerator
{
    /// <summary>Reads the document at <paramref name="swaggerPath"/> and returns file name → content, one file per generated class.</summary>
    public static IReadOnlyDictionary<string, string> Generate(string swaggerPath)
    {
        using var stream = File.OpenRead(swaggerPath);
        var document = JsonNode.Parse(stream) as JsonObject
            ?? throw new InvalidOperationException($"{swaggerPath} is not a JSON object.");
        return Generate(document, Path.GetFileName(swaggerPath));
    }

    /// <summary>Returns file name → content for the parsed document, ordered by file name.</summary>
    /// <param name="document">The parsed OpenAPI v2 document.</param>
    /// <param name="sourceName">The document's file name, quoted in the header of every file.</param>
    public static IReadOnlyDictionary<string, string> Generate(JsonObject document, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(document);
        var definitions = document["definitions"] as JsonObject
            ?? throw new InvalidOperationException("The document has no definitions.");
        var paths = document["paths"] as JsonObject
            ?? throw new InvalidOperationException("The document has no paths.");

        var classNames = ClassNames.Assign(definitions.Select(pair => pair.Key));
        var writer = new ClassWriter(sourceName, definitions, classNames, KindResources.FromPaths(paths));

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _) in definitions)
        {
            if (writer.IsGenerated(name))
            {
                files.Add(classNames[name] + ".cs", writer.Write(name));
            }
        }

        return files;
    }
}
