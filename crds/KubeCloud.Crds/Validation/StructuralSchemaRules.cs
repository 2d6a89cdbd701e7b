using System.Text.Json.Nodes;

namespace KubeCloud.Crds.Validation;

/// <summary>
/// Checks that an <c>openAPIV3Schema</c> is structural by Kubernetes' rules
/// (apiextensions-apiserver's structural schema validation), and that its defaults hold.
/// Errors use schema paths such as <c>openAPIV3Schema.properties[spec].properties[vcpus].type</c>.
/// </summary>
public static class StructuralSchemaRules
{
    private static readonly string[] ScalarTypes = ["string", "integer", "number", "boolean"];
    private static readonly string[] KnownTypes = ["object", "array", "string", "integer", "number", "boolean"];
    private static readonly string[] ListTypes = ["atomic", "set", "map"];
    private static readonly string[] RuleReasons = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"];
    private static readonly string[] ForbiddenKeys = ["$ref", "$schema", "id", "definitions", "patternProperties", "dependencies", "additionalItems"];

    /// <summary>Kinds of value validation that may not carry these keys (they would not be structural).</summary>
    private static readonly string[] ForbiddenInValueValidation =
    [
        "type", "description", "default", "nullable", "additionalProperties",
        "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-validations",
    ];

    public static IReadOnlyList<FieldError> Check(JsonNode openApiV3Schema, string path = "openAPIV3Schema")
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        var errors = new List<FieldError>();
        if (openApiV3Schema is not JsonObject root)
        {
            errors.Add(new FieldError(path, FieldErrorType.Invalid, null, "must be an object"));
            return errors;
        }

        if (root["type"]?.GetValue<string>() != "object")
        {
            errors.Add(new FieldError(path + ".type", FieldErrorType.Invalid, JsonKind.GoValue(root["type"]), "must be object at the root"));
        }

        foreach (var key in new[] { "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource", "nullable", "default" })
        {
            if (root.ContainsKey(key))
            {
                errors.Add(new FieldError($"{path}.{key}", FieldErrorType.Forbidden, null, "must not be used at the root"));
            }
        }

        CheckNode(root, path, errors, isRoot: true);
        if (root["properties"]?["metadata"] is JsonObject metadata)
        {
            CheckMetadata(metadata, $"{path}.properties[metadata]", errors);
        }

        return errors;
    }

    private static void CheckNode(JsonObject node, string path, List<FieldError> errors, bool isRoot = false)
    {
        foreach (var key in ForbiddenKeys)
        {
            if (node.ContainsKey(key))
            {
                errors.Add(new FieldError($"{path}.{key}", FieldErrorType.Forbidden, null, $"{key} is not supported in CRD schemas"));
            }
        }

        if (node["uniqueItems"] is JsonValue unique && unique.GetValue<bool>())
        {
            errors.Add(new FieldError($"{path}.uniqueItems", FieldErrorType.Forbidden, null, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }

        var type = node["type"]?.GetValue<string>();
        var intOrString = node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var preserve = node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;

        if (string.IsNullOrEmpty(type))
        {
            if (!intOrString && !preserve)
            {
                errors.Add(new FieldError($"{path}.type", FieldErrorType.Required, null, "must not be empty for specified object fields"));
            }
        }
        else if (!KnownTypes.Contains(type))
        {
            errors.Add(new FieldError($"{path}.type", FieldErrorType.NotSupported, JsonKind.GoQuote(type), "supported values: " + string.Join(", ", KnownTypes.Select(JsonKind.GoQuote))));
        }

        if (node.ContainsKey("x-kubernetes-preserve-unknown-fields") && !preserve)
        {
            errors.Add(new FieldError($"{path}.x-kubernetes-preserve-unknown-fields", FieldErrorType.Invalid, "false", "must be true or undefined"));
        }

        if (intOrString)
        {
            if (!string.IsNullOrEmpty(type))
            {
                errors.Add(new FieldError($"{path}.type", FieldErrorType.Invalid, JsonKind.GoQuote(type), "must be empty if x-kubernetes-int-or-string is true"));
            }

            if (node["anyOf"] is JsonArray anyOf && !IsIntOrStringPair(anyOf))
            {
                errors.Add(new FieldError($"{path}.anyOf", FieldErrorType.Forbidden, null, "must be [{type: integer}, {type: string}] with x-kubernetes-int-or-string"));
            }
        }

        if (node.ContainsKey("properties") && node.ContainsKey("additionalProperties"))
        {
            errors.Add(new FieldError($"{path}.additionalProperties", FieldErrorType.Forbidden, null, "additionalProperties and properties are mutual exclusive"));
        }

        if (node["additionalProperties"] is JsonValue additionalFlag)
        {
            errors.Add(new FieldError($"{path}.additionalProperties", FieldErrorType.Forbidden, JsonKind.GoValue(additionalFlag), "must be a schema, not a boolean, in a structural schema"));
        }

        if ((node.ContainsKey("properties") || node.ContainsKey("additionalProperties")) && type is not null && type != "object")
        {
            errors.Add(new FieldError($"{path}.type", FieldErrorType.Invalid, JsonKind.GoQuote(type), "must be object when properties or additionalProperties are given"));
        }

        if (type == "array" && node["items"] is not JsonObject)
        {
            errors.Add(new FieldError($"{path}.items", FieldErrorType.Required, null, "must be specified"));
        }

        if (node.ContainsKey("items") && type is not null && type != "array")
        {
            errors.Add(new FieldError($"{path}.type", FieldErrorType.Invalid, JsonKind.GoQuote(type), "must be array when items is given"));
        }

        CheckListType(node, path, type, errors);
        CheckRules(node, path, errors);
        CheckValueValidations(node, path, errors, intOrString);
        if (node.ContainsKey("default"))
        {
            CheckDefault(node, path, errors);
        }

        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                var childPath = $"{path}.properties[{name}]";
                if (child is not JsonObject childObject)
                {
                    errors.Add(new FieldError(childPath, FieldErrorType.Invalid, null, "must be a schema object"));
                    continue;
                }

                if (isRoot && name == "metadata")
                {
                    continue;
                }

                CheckNode(childObject, childPath, errors);
            }
        }

        if (node["items"] is JsonObject items)
        {
            CheckNode(items, path + ".items", errors);
        }

        if (node["additionalProperties"] is JsonObject additional)
        {
            CheckNode(additional, path + ".additionalProperties", errors);
        }
    }

    private static bool IsIntOrStringPair(JsonArray anyOf) =>
        anyOf.Count == 2
        && anyOf[0] is JsonObject first && first.Count == 1 && first["type"]?.GetValue<string>() == "integer"
        && anyOf[1] is JsonObject second && second.Count == 1 && second["type"]?.GetValue<string>() == "string";

    private static void CheckMetadata(JsonObject metadata, string path, List<FieldError> errors)
    {
        var allowedTop = new[] { "type", "properties", "description" };
        foreach (var (key, _) in metadata)
        {
            if (!allowedTop.Contains(key))
            {
                errors.Add(new FieldError($"{path}.{key}", FieldErrorType.Forbidden, null, "must not be specified: metadata may only restrict name and generateName"));
            }
        }

        if (metadata["type"]?.GetValue<string>() != "object")
        {
            errors.Add(new FieldError($"{path}.type", FieldErrorType.Invalid, JsonKind.GoValue(metadata["type"]), "must be object"));
        }

        if (metadata["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                var childPath = $"{path}.properties[{name}]";
                if (name is not ("name" or "generateName"))
                {
                    errors.Add(new FieldError(childPath, FieldErrorType.Forbidden, null, "must not be specified: metadata may only restrict name and generateName"));
                    continue;
                }

                if (child is not JsonObject field || field["type"]?.GetValue<string>() != "string")
                {
                    errors.Add(new FieldError(childPath + ".type", FieldErrorType.Invalid, null, "must be string"));
                    continue;
                }

                if (field.ContainsKey("default"))
                {
                    errors.Add(new FieldError(childPath + ".default", FieldErrorType.Forbidden, null, "must not be set under metadata"));
                }
            }
        }
    }

    private static void CheckListType(JsonObject node, string path, string? type, List<FieldError> errors)
    {
        var listType = node["x-kubernetes-list-type"]?.GetValue<string>();
        var hasKeys = node["x-kubernetes-list-map-keys"] is JsonArray { Count: > 0 };
        if (listType is null)
        {
            if (hasKeys)
            {
                errors.Add(new FieldError($"{path}.x-kubernetes-list-map-keys", FieldErrorType.Forbidden, null, "must not be set if x-kubernetes-list-type is not map"));
            }

            return;
        }

        if (!ListTypes.Contains(listType))
        {
            errors.Add(new FieldError($"{path}.x-kubernetes-list-type", FieldErrorType.NotSupported, JsonKind.GoQuote(listType), "supported values: \"atomic\", \"set\", \"map\""));
            return;
        }

        if (type != "array")
        {
            errors.Add(new FieldError($"{path}.x-kubernetes-list-type", FieldErrorType.Invalid, JsonKind.GoQuote(listType), "must only be used on type array"));
            return;
        }

        var items = node["items"] as JsonObject;
        var itemType = items?["type"]?.GetValue<string>();
        if (listType == "set" && itemType is not null && !ScalarTypes.Contains(itemType))
        {
            errors.Add(new FieldError($"{path}.items.type", FieldErrorType.Invalid, JsonKind.GoQuote(itemType), "must be a scalar type if x-kubernetes-list-type is set"));
        }

        if (listType != "map")
        {
            if (hasKeys)
            {
                errors.Add(new FieldError($"{path}.x-kubernetes-list-map-keys", FieldErrorType.Forbidden, null, "must not be set if x-kubernetes-list-type is not map"));
            }

            return;
        }

        if (itemType != "object")
        {
            errors.Add(new FieldError($"{path}.items.type", FieldErrorType.Invalid, JsonKind.GoValue(items?["type"]), "must be object if x-kubernetes-list-type is map"));
            return;
        }

        if (!hasKeys)
        {
            errors.Add(new FieldError($"{path}.x-kubernetes-list-map-keys", FieldErrorType.Required, null, "must not be empty if x-kubernetes-list-type is map"));
            return;
        }

        var required = (items!["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var key in node["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()))
        {
            var keyPath = $"{path}.items.properties[{key}]";
            if (items["properties"]?[key] is not JsonObject keySchema)
            {
                errors.Add(new FieldError($"{path}.x-kubernetes-list-map-keys", FieldErrorType.Invalid, JsonKind.GoQuote(key), "entries must all be names of item properties"));
                continue;
            }

            var keyType = keySchema["type"]?.GetValue<string>();
            if (keyType is null || !ScalarTypes.Contains(keyType))
            {
                errors.Add(new FieldError(keyPath + ".type", FieldErrorType.Invalid, JsonKind.GoValue(keySchema["type"]), "must be a scalar type if the field is a list map key"));
            }

            if (!required.Contains(key) && !keySchema.ContainsKey("default"))
            {
                errors.Add(new FieldError(keyPath, FieldErrorType.Required, null, "all map keys must be required or have a default value"));
            }
        }
    }

    private static void CheckRules(JsonObject node, string path, List<FieldError> errors)
    {
        if (node["x-kubernetes-validations"] is not JsonArray rules)
        {
            return;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rulePath = $"{path}.x-kubernetes-validations[{i}]";
            if (rules[i] is not JsonObject rule)
            {
                errors.Add(new FieldError(rulePath, FieldErrorType.Invalid, null, "must be an object"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(rule["rule"]?.GetValue<string>()))
            {
                errors.Add(new FieldError(rulePath + ".rule", FieldErrorType.Required, null, string.Empty));
            }

            if (rule["message"]?.GetValue<string>() is { } message && (message.Contains('\n', StringComparison.Ordinal) || message.Trim().Length == 0))
            {
                errors.Add(new FieldError(rulePath + ".message", FieldErrorType.Invalid, JsonKind.GoQuote(message), "message must be non-empty and must not contain line breaks"));
            }

            if (rule["reason"]?.GetValue<string>() is { } reason && !RuleReasons.Contains(reason))
            {
                errors.Add(new FieldError(rulePath + ".reason", FieldErrorType.NotSupported, JsonKind.GoQuote(reason), "supported values: " + string.Join(", ", RuleReasons.Select(JsonKind.GoQuote))));
            }

            if (rule["fieldPath"]?.GetValue<string>() is { } fieldPath && !FieldPathExists(node, fieldPath))
            {
                errors.Add(new FieldError(rulePath + ".fieldPath", FieldErrorType.Invalid, JsonKind.GoQuote(fieldPath), "fieldPath must be a valid path to a field of the schema"));
            }
        }
    }

    /// <summary>Whether a rule's fieldPath (<c>.a.b</c>) names properties that exist below the node.</summary>
    private static bool FieldPathExists(JsonObject node, string fieldPath)
    {
        if (!fieldPath.StartsWith('.'))
        {
            return false;
        }

        JsonObject? current = node;
        foreach (var segment in fieldPath[1..].Split('.'))
        {
            current = current?["properties"]?[segment] as JsonObject;
            if (current is null)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckValueValidations(JsonObject node, string path, List<FieldError> errors, bool intOrString)
    {
        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
        {
            if (node[combinator] is not JsonArray members)
            {
                continue;
            }

            if (combinator == "anyOf" && intOrString && IsIntOrStringPair(members))
            {
                continue;
            }

            for (var i = 0; i < members.Count; i++)
            {
                if (members[i] is JsonObject member)
                {
                    CheckValueValidation(member, $"{path}.{combinator}[{i}]", errors);
                }
            }
        }

        if (node["not"] is JsonObject not)
        {
            CheckValueValidation(not, path + ".not", errors);
        }
    }

    private static void CheckValueValidation(JsonObject member, string path, List<FieldError> errors)
    {
        foreach (var key in ForbiddenInValueValidation)
        {
            if (member.ContainsKey(key))
            {
                errors.Add(new FieldError($"{path}.{key}", FieldErrorType.Forbidden, null, "must be empty to be structural"));
            }
        }

        if (member["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject childObject)
                {
                    CheckValueValidation(childObject, $"{path}.properties[{name}]", errors);
                }
            }
        }

        if (member["items"] is JsonObject items)
        {
            CheckValueValidation(items, path + ".items", errors);
        }

        CheckValueValidations(member, path, errors, intOrString: false);
    }

    private static void CheckDefault(JsonObject node, string path, List<FieldError> errors)
    {
        var defaultValue = node["default"];
        var withoutDefault = (JsonObject)node.DeepClone();
        withoutDefault.Remove("default");
        withoutDefault.Remove("x-kubernetes-validations");
        var schema = StructuralSchema.Parse(withoutDefault);
        if (defaultValue is null && !schema.Nullable)
        {
            errors.Add(new FieldError(path + ".default", FieldErrorType.Required, null, "must not be null for a non-nullable field"));
            return;
        }

        var (valueErrors, unknown) = SchemaValueValidator.Run(schema, defaultValue?.DeepClone(), path + ".default");
        foreach (var error in valueErrors)
        {
            errors.Add(error with { Path = error.Path, Detail = "invalid default: " + error.Detail });
        }

        foreach (var field in unknown)
        {
            errors.Add(new FieldError(field, FieldErrorType.Invalid, null, "invalid default: the default has a field the schema does not declare, it would be pruned"));
        }
    }
}
