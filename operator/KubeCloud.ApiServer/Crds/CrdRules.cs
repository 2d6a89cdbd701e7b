using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Crds;

/// <summary>The checks kube-apiserver makes on a CustomResourceDefinition that the OpenAPI document cannot express.</summary>
public static class CrdRules
{
    public static IEnumerable<FieldError> Validate(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = (string?)spec?["group"] ?? "";
        var plural = (string?)spec?["names"]?["plural"] ?? "";
        if (spec is null)
        {
            yield break;
        }

        if (crd.Name() != $"{plural}.{group}")
        {
            yield return FieldError.InvalidValue("metadata.name", Validation.ObjectMetaValidator.Quote(crd.Name()), "must be spec.names.plural+\".\"+spec.group");
        }

        if ((string?)spec["scope"] is not ("Namespaced" or "Cluster"))
        {
            yield return FieldError.NotSupported("spec.scope", Validation.ObjectMetaValidator.Quote((string?)spec["scope"] ?? ""), "supported values: \"Cluster\", \"Namespaced\"");
        }

        if (spec["versions"] is JsonArray versions)
        {
            if (versions.Count(v => (bool?)v?["storage"] == true) != 1)
            {
                yield return new FieldError("spec.versions", "FieldValueInvalid", "must have exactly one version marked as storage version", "[]apiextensions.CustomResourceDefinitionVersion{...}");
            }
        }
    }
}
