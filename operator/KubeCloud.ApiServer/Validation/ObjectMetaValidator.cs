using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Validation;

/// <summary>metadata rules every object follows: name, labels, annotations, finalizers, owner references.</summary>
public static class ObjectMetaValidator
{
    public static List<FieldError> Validate(ResourceType type, JsonObject obj)
    {
        var errors = new List<FieldError>();
        var metadata = obj.Metadata();
        var name = obj.Name();
        var (isValid, message) = NameRules.ForResource(type.Group, type.Plural);
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else if (!isValid(name))
        {
            errors.Add(FieldError.InvalidValue("metadata.name", Quote(name), message));
        }

        foreach (var (key, value) in ObjectMetadata.StringMap(metadata["labels"]))
        {
            if (NameRules.QualifiedNameError(key) is { } keyError)
            {
                errors.Add(FieldError.InvalidValue("metadata.labels", Quote(key), keyError));
            }

            if (!NameRules.IsLabelValue(value))
            {
                errors.Add(FieldError.InvalidValue("metadata.labels", Quote(value), NameRules.LabelValueMessage));
            }
        }

        if (metadata["annotations"] is JsonObject annotations)
        {
            foreach (var (key, _) in annotations)
            {
                if (NameRules.QualifiedNameError(key.ToLowerInvariant()) is { } keyError)
                {
                    errors.Add(FieldError.InvalidValue("metadata.annotations", Quote(key), keyError));
                }
            }
        }

        var finalizers = obj.Finalizers();
        for (var i = 0; i < finalizers.Count; i++)
        {
            if (NameRules.QualifiedNameError(finalizers[i]) is { } finalizerError)
            {
                errors.Add(FieldError.InvalidValue($"metadata.finalizers[{i}]", Quote(finalizers[i]), finalizerError));
            }
        }

        var index = 0;
        foreach (var owner in obj.OwnerReferences())
        {
            foreach (var field in new[] { "apiVersion", "kind", "name", "uid" })
            {
                if (string.IsNullOrEmpty(owner.GetString(field)))
                {
                    errors.Add(FieldError.InvalidValue($"metadata.ownerReferences[{index}].{field}", "\"\"", $"{field} must not be empty"));
                }
            }

            index++;
        }

        return errors;
    }

    public static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
