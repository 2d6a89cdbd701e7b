using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Validation;

/// <summary>What checking a custom resource against its CRD schema found.</summary>
public sealed record CustomResourceCheck(IReadOnlyList<string> UnknownFields, IReadOnlyList<FieldError> Errors)
{
    public static readonly CustomResourceCheck Clean = new([], []);
}

/// <summary>
/// Structural-schema processing of custom resources: prune unknown fields (reported for
/// fieldValidation), apply defaults, validate (types, required, enums, ranges, patterns, CEL rules).
/// Implemented over KubeCloud.Crds, the project's one validator.
/// </summary>
public interface ICustomResourceValidator
{
    /// <summary>Prunes and defaults <paramref name="obj"/> in place, then validates it (and transition rules against <paramref name="old"/>).</summary>
    CustomResourceCheck Check(CustomResourceVersion version, JsonObject obj, JsonObject? old);

    /// <summary>Warnings for a CRD: rules the evaluator cannot handle, so they are never silently passed.</summary>
    IReadOnlyList<string> Warnings(JsonObject crd);
}
