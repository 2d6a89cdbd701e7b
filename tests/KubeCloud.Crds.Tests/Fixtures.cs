using System.Text.Json.Nodes;
using KubeCloud.Crds.Generation;
using KubeCloud.Crds.Validation;
using KubeCloud.Crds.Yaml;

namespace KubeCloud.Crds.Tests;

/// <summary>The CRDs generated in memory from the API types, with a validator per kind.</summary>
internal static class GeneratedCrds
{
    public static IReadOnlyList<CrdFile> Files { get; } = CrdFiles.Render();

    private static readonly Dictionary<(string ApiVersion, string Kind), StructuralSchemaValidator> Validators =
        Files.ToDictionary(
            f => ($"{f.Crd["spec"]!["group"]}/{f.Crd["spec"]!["versions"]![0]!["name"]}", f.Crd["spec"]!["names"]!["kind"]!.GetValue<string>()),
            f => StructuralSchemaValidator.ForCrd(f.Crd));

    public static StructuralSchemaValidator For(string apiVersion, string kind) =>
        Validators.TryGetValue((apiVersion, kind), out var validator)
            ? validator
            : throw new KeyNotFoundException($"no CRD for {apiVersion} {kind}");

    public static bool TryFor(JsonNode manifest, out StructuralSchemaValidator validator)
    {
        var key = (manifest["apiVersion"]?.GetValue<string>() ?? string.Empty, manifest["kind"]?.GetValue<string>() ?? string.Empty);
        return Validators.TryGetValue(key, out validator!);
    }

    public static JsonObject Crd(string kind) =>
        Files.Single(f => f.Crd["spec"]!["names"]!["kind"]!.GetValue<string>() == kind).Crd;

    /// <summary>Validates a manifest as the API server would on create: strict fields, defaults applied first.</summary>
    public static SchemaValidationResult ValidateOnCreate(string yaml)
    {
        var manifest = YamlJsonReader.Read(yaml);
        var validator = TryFor(manifest, out var found) ? found : throw new KeyNotFoundException("no CRD for the manifest");
        validator.Default(manifest);
        return validator.Validate(manifest, UnknownFieldMode.Strict);
    }
}
