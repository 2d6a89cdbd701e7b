using System.Text.Json;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.OpenApi;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Validation;

/// <summary>
/// Checks a built-in object against its OpenAPI definition the way kube-apiserver's decoder and
/// validation see it: a wrong JSON type is a 400 decode error, a field the definition does not
/// declare is an unknown field (fieldValidation), a property the definition requires is a 422.
/// </summary>
public sealed class BuiltInSchemaValidator
{
    private const string QuantityDefinition = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    private readonly KubernetesOpenApiDocument _document = KubernetesOpenApiDocument.Instance;

    public sealed class Result
    {
        public string? DecodeError { get; set; }

        public List<string> UnknownFields { get; } = [];

        public List<FieldError> Errors { get; } = [];
    }

    public Result Check(ResourceType type, JsonObject obj)
    {
        var result = new Result();
        if (_document.Definition(type.DefinitionName) is { } definition)
        {
            Walk(definition, obj, "", type.DefinitionName!, result, type);
        }

        return result;
    }

    private void Walk(JsonObject schema, JsonNode? value, string path, string definitionName, Result result, ResourceType type)
    {
        if (value is null || result.DecodeError is not null)
        {
            return;
        }

        if (KubernetesOpenApiDocument.RefName(schema) is { } refName)
        {
            if (refName == QuantityDefinition)
            {
                if (value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    Mismatch(value, path, definitionName, "resource.Quantity", result, type);
                }

                return;
            }

            if (_document.Definition(refName) is { } referenced)
            {
                Walk(referenced, value, path, refName, result, type);
            }

            return;
        }

        var format = (string?)schema["format"];
        if (format == "int-or-string")
        {
            if (value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
            {
                Mismatch(value, path, definitionName, "intstr.IntOrString", result, type);
            }

            return;
        }

        var kind = value.GetValueKind();
        switch ((string?)schema["type"])
        {
            case "string":
                if (kind != JsonValueKind.String)
                {
                    Mismatch(value, path, definitionName, "string", result, type);
                }

                return;
            case "integer":
                if (!Serialization.JsonNumbers.TryGetLong(value, out _))
                {
                    Mismatch(value, path, definitionName, format == "int64" ? "int64" : "int32", result, type);
                }

                return;
            case "number":
                if (kind != JsonValueKind.Number)
                {
                    Mismatch(value, path, definitionName, "float64", result, type);
                }

                return;
            case "boolean":
                if (kind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    Mismatch(value, path, definitionName, "bool", result, type);
                }

                return;
            case "array":
                if (value is not JsonArray array)
                {
                    Mismatch(value, path, definitionName, "[]" + ElementName(schema["items"]), result, type);
                    return;
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(items, array[i], $"{path}[{i}]", definitionName, result, type);
                    }
                }

                return;
            case "object":
                break;
            default:
                // Untyped (RawExtension, JSON, FieldsV1, JSONSchemaProps parts): anything goes.
                return;
        }

        if (value is not JsonObject obj)
        {
            Mismatch(value, path, definitionName, "map", result, type);
            return;
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            foreach (var (key, child) in obj)
            {
                Walk(additional, child, $"{path}[{key}]", definitionName, result, type);
            }

            return;
        }

        if (schema["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (key, child) in obj)
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (properties[key] is JsonObject propertySchema)
            {
                Walk(propertySchema, child, childPath, definitionName, result, type);
            }
            else
            {
                result.UnknownFields.Add(childPath);
            }
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r))
            {
                if (name is not null && obj[name] is null && !(path.Length == 0 && name is "apiVersion" or "kind" or "metadata"))
                {
                    result.Errors.Add(FieldError.Required(path.Length == 0 ? name : $"{path}.{name}"));
                }
            }
        }
    }

    private static string ElementName(JsonNode? items) =>
        KubernetesOpenApiDocument.RefName(items) is { } name ? name[(name.LastIndexOf('.') + 1)..] : (string?)items?["type"] ?? "interface {}";

    private static void Mismatch(JsonNode value, string path, string definitionName, string goType, Result result, ResourceType type)
    {
        var jsonType = value.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "bool",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            _ => "value",
        };
        var structName = definitionName[(definitionName.LastIndexOf('.') + 1)..];
        result.DecodeError = $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: json: cannot unmarshal {jsonType} into Go struct field {structName}.{path} of type {goType}";
    }
}
