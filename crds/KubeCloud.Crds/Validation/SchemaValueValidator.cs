using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeCloud.Crds.Validation;

/// <summary>
/// Checks a JSON value against a structural schema the way kube-apiserver's OpenAPI validator
/// does for custom resources, and collects the fields the schema does not declare.
/// </summary>
internal sealed class SchemaValueValidator
{
    private readonly List<FieldError> _errors = [];
    private readonly List<string> _unknownFields = [];

    private SchemaValueValidator()
    {
    }

    public static (IReadOnlyList<FieldError> Errors, IReadOnlyList<string> UnknownFields) Run(StructuralSchema schema, JsonNode? value, string path = "")
    {
        var validator = new SchemaValueValidator();
        validator.Validate(value, schema, path, isRoot: path.Length == 0);
        return (validator._errors, validator._unknownFields);
    }

    private void Validate(JsonNode? value, StructuralSchema schema, string path, bool isRoot = false)
    {
        var kind = JsonKind.Of(value);
        if (kind == JsonKind.Null)
        {
            if (!schema.Nullable && (schema.Type is not null || schema.IntOrString))
            {
                AddTypeError(path, schema, kind);
            }

            return;
        }

        if (!HasAllowedType(schema, kind))
        {
            AddTypeError(path, schema, kind);
            return;
        }

        if (schema.Enum is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var supported = string.Join(", ", allowed.Select(a => JsonKind.GoQuote(a is JsonValue v && JsonKind.Of(v) == JsonKind.String ? v.GetValue<string>() : a?.ToJsonString() ?? "null")));
            _errors.Add(new FieldError(path, FieldErrorType.NotSupported, JsonKind.GoValue(value), "supported values: " + supported));
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, isRoot);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path);
                break;
            case JsonValue scalar when kind == JsonKind.String:
                ValidateString(scalar.GetValue<string>(), scalar, schema, path);
                break;
            case JsonValue scalar:
                if (kind is JsonKind.Integer or JsonKind.Number)
                {
                    ValidateNumber(scalar, schema, path);
                }

                break;
        }

        ValidateCombinators(value, schema, path);
    }

    private static bool HasAllowedType(StructuralSchema schema, string kind)
    {
        if (schema.IntOrString)
        {
            return kind is JsonKind.Integer or JsonKind.String;
        }

        return schema.Type switch
        {
            null or "" => true,
            JsonKind.Number => kind is JsonKind.Number or JsonKind.Integer,
            _ => schema.Type == kind,
        };
    }

    private void AddTypeError(string path, StructuralSchema schema, string kind) =>
        _errors.Add(new FieldError(path, FieldErrorType.TypeInvalid, JsonKind.GoQuote(kind),
            $"{FieldError.DisplayPath(path)} in body must be of type {schema.TypeForMessages}: {JsonKind.GoQuote(kind)}"));

    private void ValidateString(string text, JsonValue value, StructuralSchema schema, string path)
    {
        var length = text.EnumerateRunes().Count();
        if (schema.MinLength is { } min && length < min)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body should be at least {min} chars long"));
        }

        if (schema.MaxLength is { } max && length > max)
        {
            _errors.Add(new FieldError(path, FieldErrorType.TooLong, null, $"may not be more than {max} bytes"));
        }

        if (schema.PatternRegex is { } regex && !regex.IsMatch(text))
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body should match '{schema.Pattern}'"));
        }

        if (schema.Format is { } format && !StringFormats.IsValid(format, text))
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body must be of type {format}: {JsonKind.GoQuote(text)}"));
        }
    }

    private void ValidateNumber(JsonValue value, StructuralSchema schema, string path)
    {
        var number = JsonKind.ToDouble(value);
        if (schema.Minimum is { } min)
        {
            var fails = schema.ExclusiveMinimum ? number <= min : number < min;
            if (fails)
            {
                var relation = schema.ExclusiveMinimum ? "greater than" : "greater than or equal to";
                _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                    $"{path} in body should be {relation} {Format(min)}"));
            }
        }

        if (schema.Maximum is { } max)
        {
            var fails = schema.ExclusiveMaximum ? number >= max : number > max;
            if (fails)
            {
                var relation = schema.ExclusiveMaximum ? "less than" : "less than or equal to";
                _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                    $"{path} in body should be {relation} {Format(max)}"));
            }
        }

        if (schema.MultipleOf is { } factor && factor > 0 && Math.Abs(Math.IEEERemainder(number, factor)) > 1e-9)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body should be a multiple of {Format(factor)}"));
        }
    }

    private static string Format(double number) => number.ToString("R", CultureInfo.InvariantCulture);

    private void ValidateArray(JsonArray array, StructuralSchema schema, string path)
    {
        if (schema.MinItems is { } min && array.Count < min)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(array),
                $"{path} in body should have at least {min} items"));
        }

        if (schema.MaxItems is { } max && array.Count > max)
        {
            _errors.Add(new FieldError(path, FieldErrorType.TooMany, array.Count.ToString(CultureInfo.InvariantCulture),
                $"must have at most {max} items"));
        }

        ValidateListType(array, schema, path);
        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, FieldPath.Index(path, i));
            }
        }
    }

    private void ValidateListType(JsonArray array, StructuralSchema schema, string path)
    {
        if (schema.ListType == "set")
        {
            for (var i = 0; i < array.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (JsonNode.DeepEquals(array[i], array[j]))
                    {
                        _errors.Add(new FieldError(FieldPath.Index(path, i), FieldErrorType.Duplicate, JsonKind.GoValue(array[i]), string.Empty));
                        break;
                    }
                }
            }
        }
        else if (schema.ListType == "map" && schema.ListMapKeys.Count > 0)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject item)
                {
                    continue;
                }

                var key = ListMapKey.Of(item, schema);
                if (!seen.Add(key.ToJsonString()))
                {
                    _errors.Add(new FieldError(FieldPath.Index(path, i), FieldErrorType.Duplicate, GoMap(key), string.Empty));
                }
            }
        }
    }

    /// <summary>A key map as Go's %#v prints a map[string]interface{}.</summary>
    private static string GoMap(JsonObject key) =>
        "map[string]interface {}{" + string.Join(", ", key.Select(p => $"{JsonKind.GoQuote(p.Key)}:{JsonKind.GoValue(p.Value)}")) + "}";

    private void ValidateObject(JsonObject obj, StructuralSchema schema, string path, bool isRoot)
    {
        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                _errors.Add(FieldError.Required(FieldPath.Child(path, name)));
            }
        }

        if (schema.MinProperties is { } min && obj.Count < min)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(obj),
                $"{path} in body should have at least {min} properties"));
        }

        if (schema.MaxProperties is { } max && obj.Count > max)
        {
            _errors.Add(new FieldError(path, FieldErrorType.TooMany, obj.Count.ToString(CultureInfo.InvariantCulture),
                $"must have at most {max} items"));
        }

        foreach (var (name, child) in obj)
        {
            var childPath = FieldPath.Child(path, name);
            if (schema.Properties.TryGetValue(name, out var property))
            {
                if (isRoot && name == "metadata")
                {
                    // ObjectMeta is validated by the API server itself; the schema may only
                    // restrict name and generateName, and unknown metadata fields are not pruned here.
                    ValidateMetadata(child, property, childPath);
                    continue;
                }

                Validate(child, property, childPath);
            }
            else if (schema.AdditionalProperties is { } additional)
            {
                Validate(child, additional, childPath);
            }
            else if (!schema.PreserveUnknownFields)
            {
                _unknownFields.Add(childPath);
            }
        }
    }

    private void ValidateMetadata(JsonNode? metadata, StructuralSchema schema, string path)
    {
        if (metadata is not JsonObject obj)
        {
            AddTypeError(path, schema, JsonKind.Of(metadata));
            return;
        }

        foreach (var name in new[] { "name", "generateName" })
        {
            if (schema.Properties.TryGetValue(name, out var property) && obj.TryGetPropertyValue(name, out var value))
            {
                Validate(value, property, FieldPath.Child(path, name));
            }
        }
    }

    private void ValidateCombinators(JsonNode? value, StructuralSchema schema, string path)
    {
        foreach (var member in schema.AllOf)
        {
            foreach (var error in Run(member, value, path).Errors)
            {
                _errors.Add(error);
            }
        }

        if (schema.AnyOf.Count > 0 && !(schema.IntOrString && schema.AnyOfIsIntOrStringPair)
            && !schema.AnyOf.Any(member => Run(member, value, path).Errors.Count == 0))
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body must validate at least one schema (anyOf)"));
        }

        if (schema.OneOf.Count > 0 && schema.OneOf.Count(member => Run(member, value, path).Errors.Count == 0) != 1)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body must validate one and only one schema (oneOf)"));
        }

        if (schema.Not is { } not && Run(not, value, path).Errors.Count == 0)
        {
            _errors.Add(new FieldError(path, FieldErrorType.Invalid, JsonKind.GoValue(value),
                $"{path} in body must not validate the schema (not)"));
        }
    }
}

/// <summary>The key of an item of a list with <c>x-kubernetes-list-type: map</c>.</summary>
internal static class ListMapKey
{
    /// <summary>The item's key fields (with their defaults where unset), in the schema's key order.</summary>
    public static JsonObject Of(JsonObject item, StructuralSchema listSchema)
    {
        var key = new JsonObject();
        foreach (var name in listSchema.ListMapKeys)
        {
            var value = item[name];
            if (value is null && listSchema.Items?.Properties.GetValueOrDefault(name) is { HasDefault: true } keySchema)
            {
                value = keySchema.Default;
            }

            key[name] = value?.DeepClone();
        }

        return key;
    }
}
