using System.Text.Json.Nodes;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Crds.Yaml;

namespace KubeCloud.Crds.Generation;

/// <summary>One generated CRD file: its name, its tree and its YAML text.</summary>
public sealed record CrdFile(Type Kind, string FileName, JsonObject Crd, string Yaml);

/// <summary>The CRD files of every KubeCloud kind and where they are checked in.</summary>
public static class CrdFiles
{
    /// <summary>Folders, relative to the repository root, that hold the generated CRDs.</summary>
    public static IReadOnlyList<string> CheckedInFolders { get; } = ["crds", Path.Combine("charts", "kubecloud", "crds")];

    /// <summary>The CRD of every kind in <see cref="Kinds.All"/>, rendered.</summary>
    public static IReadOnlyList<CrdFile> Render() => Render(Kinds.All);

    public static IReadOnlyList<CrdFile> Render(IEnumerable<Type> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        return
        [
            .. kinds.Select(kind =>
            {
                var crd = CrdGenerator.Generate(kind);
                return new CrdFile(kind, CrdGenerator.FileName(kind), crd, CrdYamlWriter.Write(crd));
            }),
        ];
    }
}
