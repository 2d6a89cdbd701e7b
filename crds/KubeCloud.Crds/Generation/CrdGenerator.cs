using System.Reflection;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Generation;

/// <summary>
/// Builds the <c>apiextensions.k8s.io/v1</c> CustomResourceDefinition of a kind from its C# type:
/// names, scope, one served storage version with the status subresource, printer columns and a
/// structural OpenAPI v3 schema. The result is checked against Kubernetes' structural rules.
/// </summary>
public static class CrdGenerator
{
    /// <summary>The CRD of one kind type (a class with [KubernetesEntity]).</summary>
    public static JsonObject Generate(Type kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new CrdGenerationException($"{kind.Name} has no [KubernetesEntity] attribute");
        if (string.IsNullOrEmpty(entity.PluralName) || string.IsNullOrEmpty(entity.Kind) || string.IsNullOrEmpty(entity.Group))
        {
            throw new CrdGenerationException($"{kind.Name}: [KubernetesEntity] needs Group, Kind and PluralName");
        }

        var schema = OpenApiSchema(kind);
        var errors = StructuralSchemaRules.Check(schema);
        if (errors.Count > 0)
        {
            throw new CrdGenerationException($"{kind.Name}: the generated schema is not structural:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}");
        }

        var version = new JsonObject
        {
            ["name"] = entity.ApiVersion,
            ["served"] = true,
            ["storage"] = true,
            ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
        };
        if (PrinterColumns(kind) is { Count: > 0 } columns)
        {
            version["additionalPrinterColumns"] = columns;
        }

        version["schema"] = new JsonObject { ["openAPIV3Schema"] = schema };

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{entity.PluralName}.{entity.Group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = Names(kind, entity),
                ["scope"] = ClusterScopedAttribute.IsNamespaced(kind) ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    /// <summary>The file name of a kind's CRD, as controller-gen names them: <c>kubecloud.io_servers.yaml</c>.</summary>
    public static string FileName(Type kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new CrdGenerationException($"{kind.Name} has no [KubernetesEntity] attribute");
        return $"{entity.Group}_{entity.PluralName}.yaml";
    }

    /// <summary>The openAPIV3Schema of a kind: its class description, apiVersion, kind, metadata, spec and status.</summary>
    public static JsonObject OpenApiSchema(Type kind)
    {
        var schema = SchemaBuilder.ForType(kind);
        var specRequired = schema["properties"]?["spec"]?["required"] is JsonArray { Count: > 0 };
        if (specRequired)
        {
            // A kind whose spec has required fields cannot be created without a spec.
            schema["required"] = new JsonArray("spec");
            schema = SchemaKeyOrder.Apply(schema);
        }

        return schema;
    }

    private static JsonObject Names(Type kind, KubernetesEntityAttribute entity)
    {
        var names = new JsonObject
        {
            ["kind"] = entity.Kind,
            ["listKind"] = entity.Kind + "List",
            ["plural"] = entity.PluralName,
            ["singular"] = entity.Kind.ToLowerInvariant(),
        };
        if (kind.GetCustomAttribute<ShortNamesAttribute>() is { Names.Count: > 0 } shortNames)
        {
            names["shortNames"] = new JsonArray([.. shortNames.Names.Select(n => (JsonNode)n)]);
        }

        if (kind.GetCustomAttribute<CategoriesAttribute>() is { Names.Count: > 0 } categories)
        {
            names["categories"] = new JsonArray([.. categories.Names.Select(n => (JsonNode)n)]);
        }

        return names;
    }

    private static JsonArray PrinterColumns(Type kind)
    {
        var columns = new JsonArray();
        var attributes = kind.GetCustomAttributes<PrinterColumnAttribute>().OrderBy(c => c.Order).ToList();
        if (attributes.Select(c => c.Order).Distinct().Count() != attributes.Count)
        {
            throw new CrdGenerationException($"{kind.Name}: two printer columns have the same Order");
        }

        foreach (var column in attributes)
        {
            if (column.Type is not ("string" or "integer" or "number" or "boolean" or "date"))
            {
                throw new CrdGenerationException($"{kind.Name}: printer column '{column.Name}' has type '{column.Type}', not one of string, integer, number, boolean or date");
            }

            var entry = new JsonObject { ["name"] = column.Name, ["type"] = column.Type };
            if (column.Format is not null)
            {
                entry["format"] = column.Format;
            }

            if (column.Priority != 0)
            {
                entry["priority"] = column.Priority;
            }

            if (column.Description is not null)
            {
                entry["description"] = column.Description;
            }

            entry["jsonPath"] = column.JsonPath;
            columns.Add(entry);
        }

        return columns;
    }
}
