using System.Text.Json.Nodes;

namespace KubeCloud.Crds.Validation;

/// <summary>
/// Drops the fields a structural schema does not declare, as kube-apiserver prunes custom
/// resources, and nulls of non-nullable fields that have no default. Root metadata is left to
/// the API server's ObjectMeta handling.
/// </summary>
internal static class SchemaPruner
{
    public static IReadOnlyList<string> Prune(JsonNode? value, StructuralSchema schema)
    {
        var pruned = new List<string>();
        Prune(value, schema, string.Empty, isRoot: true, pruned);
        return pruned;
    }

    private static void Prune(JsonNode? value, StructuralSchema schema, string path, bool isRoot, List<string> pruned)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    var childPath = FieldPath.Child(path, name);
                    var childSchema = schema.Properties.GetValueOrDefault(name) ?? schema.AdditionalProperties;
                    if (childSchema is null)
                    {
                        if (!schema.PreserveUnknownFields)
                        {
                            obj.Remove(name);
                            pruned.Add(childPath);
                        }

                        continue;
                    }

                    if (child is null && !childSchema.Nullable && !childSchema.HasDefault)
                    {
                        obj.Remove(name);
                        pruned.Add(childPath);
                        continue;
                    }

                    if (isRoot && name == "metadata")
                    {
                        continue;
                    }

                    Prune(child, childSchema, childPath, isRoot: false, pruned);
                }

                break;
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, FieldPath.Index(path, i), isRoot: false, pruned);
                }

                break;
        }
    }
}

/// <summary>
/// Applies schema defaults the way kube-apiserver does: a missing (or non-nullable null) property
/// with a default gets a copy of it, then defaulting recurses into every object and array.
/// </summary>
internal static class SchemaDefaulter
{
    public static void Default(JsonNode? value, StructuralSchema schema)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var name in schema.PropertyOrder)
                {
                    var property = schema.Properties[name];
                    if (!property.HasDefault)
                    {
                        continue;
                    }

                    if (!obj.TryGetPropertyValue(name, out var current) || (current is null && !property.Nullable))
                    {
                        obj[name] = property.Default?.DeepClone();
                    }
                }

                foreach (var (name, child) in obj.ToList())
                {
                    var childSchema = schema.Properties.GetValueOrDefault(name) ?? schema.AdditionalProperties;
                    if (childSchema is not null)
                    {
                        Default(child, childSchema);
                    }
                }

                break;
            case JsonArray array when schema.Items is { } items:
                foreach (var item in array)
                {
                    Default(item, items);
                }

                break;
        }
    }
}
