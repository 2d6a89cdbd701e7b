using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.Schema;

namespace KubeCloud.Crds.Generation;

/// <summary>
/// Turns a C# type and the schema attributes on its properties into an OpenAPI v3 schema node
/// (a <see cref="JsonObject"/>), inlining every nested type as CRDs require.
/// </summary>
public static class SchemaBuilder
{
    /// <summary>The pattern controller-gen emits for resource.Quantity.</summary>
    public const string QuantityPattern =
        @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>The schema of a type (no property attributes applied).</summary>
    public static JsonObject ForType(Type type) => SchemaKeyOrder.Apply(BuildType(type, type.Name, []));

    /// <summary>The schema of a property: its type's schema plus the property's attributes.</summary>
    public static JsonObject ForProperty(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return BuildProperty(property, [], $"{property.DeclaringType?.Name}.{property.Name}");
    }

    /// <summary>The JSON name of a property: its JsonPropertyName, else its name in camelCase.</summary>
    public static string JsonName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
    }

    /// <summary>The properties of a type that appear in JSON, most-derived type first, each in declaration order.</summary>
    public static IEnumerable<PropertyInfo> SerializedProperties(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var property in current
                .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0)
                .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
                .OrderBy(p => p.MetadataToken))
            {
                yield return property;
            }
        }
    }

    private static JsonObject BuildProperty(PropertyInfo property, HashSet<Type> visiting, string where)
    {
        var schema = BuildType(property.PropertyType, where, visiting);
        ApplyAttributes(schema, property, where);
        return SchemaKeyOrder.Apply(schema);
    }

    private static JsonObject BuildType(Type type, string where, HashSet<Type> visiting)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(V1ObjectMeta))
        {
            // As in every CRD: the API server validates ObjectMeta itself.
            return new JsonObject { ["type"] = "object" };
        }

        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ushort))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long) || type == typeof(ulong))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number" };
        }

        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type == typeof(Quantity))
        {
            return new JsonObject
            {
                ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
                ["pattern"] = QuantityPattern,
                ["x-kubernetes-int-or-string"] = true,
            };
        }

        if (type.IsEnum)
        {
            return BuildEnum(type, where);
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = SchemaKeyOrder.Apply(BuildType(valueType, where + "{}", visiting)),
            };
        }

        if (ListItemType(type) is { } itemType)
        {
            return new JsonObject
            {
                ["type"] = "array",
                ["items"] = SchemaKeyOrder.Apply(BuildType(itemType, where + "[]", visiting)),
            };
        }

        if (type.IsClass && !type.IsAbstract)
        {
            return BuildObject(type, where, visiting);
        }

        throw new CrdGenerationException($"{where}: the type {type.FullName} has no schema mapping");
    }

    private static JsonObject BuildEnum(Type type, string where)
    {
        if (type.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType is not { } converter
            || !converter.IsGenericType || converter.GetGenericTypeDefinition() != typeof(JsonStringEnumConverter<>))
        {
            throw new CrdGenerationException($"{where}: the enum {type.Name} must have [JsonConverter(typeof(JsonStringEnumConverter<{type.Name}>))] so it is a string on the wire");
        }

        var values = new JsonArray();
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).OrderBy(f => f.MetadataToken))
        {
            values.Add(field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name);
        }

        return new JsonObject { ["type"] = "string", ["enum"] = values };
    }

    private static JsonObject BuildObject(Type type, string where, HashSet<Type> visiting)
    {
        if (!visiting.Add(type))
        {
            throw new CrdGenerationException($"{where}: the type {type.Name} refers to itself; CRD schemas cannot be recursive");
        }

        var schema = new JsonObject { ["type"] = "object" };
        if (type.GetCustomAttribute<DescriptionAttribute>()?.Description is { } description)
        {
            schema["description"] = description;
        }

        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in SerializedProperties(type))
        {
            var name = JsonName(property);
            properties[name] = BuildProperty(property, visiting, $"{type.Name}.{property.Name}");
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        visiting.Remove(type);
        AddRules(schema, type.GetCustomAttributes<ValidationRuleAttribute>());
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        if (properties.Count > 0)
        {
            schema["properties"] = properties;
        }

        return schema;
    }

    private static void ApplyAttributes(JsonObject schema, PropertyInfo property, string where)
    {
        if (property.GetCustomAttribute<DescriptionAttribute>()?.Description is { } description)
        {
            schema["description"] = description;
        }

        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = Number(minimum.Value);
            if (minimum.Exclusive)
            {
                schema["exclusiveMinimum"] = true;
            }
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema["maximum"] = Number(maximum.Value);
            if (maximum.Exclusive)
            {
                schema["exclusiveMaximum"] = true;
            }
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Regex;
        }

        if (property.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            schema["format"] = format.Format;
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            SetBound(schema, "minLength", length.Min);
            SetBound(schema, "maxLength", length.Max);
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            SetBound(schema, "minItems", items.Min);
            SetBound(schema, "maxItems", items.Max);
            if (items.MaxLength >= 0)
            {
                if (schema["items"] is not JsonObject itemSchema || itemSchema["type"]?.GetValue<string>() != "string")
                {
                    throw new CrdGenerationException($"{where}: [Items(MaxLength)] needs a list of strings");
                }

                SetBound(itemSchema, "maxLength", items.MaxLength);
            }
        }

        if (property.GetCustomAttribute<MaxPropertiesAttribute>() is { } maxProperties)
        {
            schema["maxProperties"] = maxProperties.Value;
        }

        if (property.GetCustomAttribute<DefaultAttribute>() is { } defaultValue)
        {
            schema["default"] = JsonValue.Create(defaultValue.Value);
        }

        if (property.GetCustomAttribute<ListTypeAttribute>() is { } listType)
        {
            ApplyListType(schema, listType, where);
        }

        if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }

        AddRules(schema, property.GetCustomAttributes<ValidationRuleAttribute>());
        if (property.GetCustomAttribute<ImmutableAttribute>() is { } immutable)
        {
            AddRules(schema, [new ValidationRuleAttribute("self == oldSelf") { Message = immutable.Message }]);
        }

        CheckAttributesFit(schema, where);
    }

    private static void ApplyListType(JsonObject schema, ListTypeAttribute listType, string where)
    {
        if (schema["type"]?.GetValue<string>() != "array")
        {
            throw new CrdGenerationException($"{where}: [ListType] needs a list, not {schema["type"]}");
        }

        if (listType.Type is not (ListTypeAttribute.Atomic or ListTypeAttribute.Set or ListTypeAttribute.Map))
        {
            throw new CrdGenerationException($"{where}: list type '{listType.Type}' is not one of atomic, set or map");
        }

        schema["x-kubernetes-list-type"] = listType.Type;
        var items = schema["items"]!.AsObject();
        if (listType.Type == ListTypeAttribute.Set && items["type"]?.GetValue<string>() is "object" or "array")
        {
            throw new CrdGenerationException($"{where}: a list of type set needs scalar items");
        }

        if (listType.Type != ListTypeAttribute.Map)
        {
            if (listType.MapKeys.Count > 0)
            {
                throw new CrdGenerationException($"{where}: map keys are only allowed on a list of type map");
            }

            return;
        }

        if (listType.MapKeys.Count == 0)
        {
            throw new CrdGenerationException($"{where}: a list of type map needs at least one map key");
        }

        var required = (items["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var key in listType.MapKeys)
        {
            if (items["properties"]?[key] is not JsonObject keySchema)
            {
                throw new CrdGenerationException($"{where}: list map key '{key}' is not a property of the item type");
            }

            if (keySchema["type"]?.GetValue<string>() is not ("string" or "integer" or "number" or "boolean"))
            {
                throw new CrdGenerationException($"{where}: list map key '{key}' must be a scalar (string, integer, number or boolean)");
            }

            if (!required.Contains(key) && !keySchema.ContainsKey("default"))
            {
                throw new CrdGenerationException($"{where}: list map key '{key}' must be [Required] or have a [Default] in the item type");
            }
        }

        schema["x-kubernetes-list-map-keys"] = new JsonArray([.. listType.MapKeys.Select(k => (JsonNode)k)]);
    }

    private static void CheckAttributesFit(JsonObject schema, string where)
    {
        var type = schema["type"]?.GetValue<string>();
        var intOrString = schema.ContainsKey("x-kubernetes-int-or-string");
        bool Has(string key) => schema.ContainsKey(key);
        if ((Has("minimum") || Has("maximum")) && type is not ("integer" or "number"))
        {
            throw new CrdGenerationException($"{where}: [Minimum]/[Maximum] need a number, not {type ?? "int-or-string"}");
        }

        if ((Has("pattern") || Has("minLength") || Has("maxLength")) && type != "string" && !intOrString)
        {
            throw new CrdGenerationException($"{where}: [Pattern]/[Length] need a string, not {type}");
        }

        if ((Has("minItems") || Has("maxItems")) && type != "array")
        {
            throw new CrdGenerationException($"{where}: [Items] needs a list, not {type}");
        }

        if (Has("maxProperties") && type != "object")
        {
            throw new CrdGenerationException($"{where}: [MaxProperties] needs a map or object, not {type}");
        }

    }

    private static void AddRules(JsonObject schema, IEnumerable<ValidationRuleAttribute> rules)
    {
        var list = schema["x-kubernetes-validations"] as JsonArray ?? [];
        foreach (var rule in rules)
        {
            var entry = new JsonObject { ["rule"] = rule.Rule };
            if (rule.Message is not null)
            {
                entry["message"] = rule.Message;
            }

            if (rule.FieldPath is not null)
            {
                entry["fieldPath"] = rule.FieldPath;
            }

            if (rule.Reason is not null)
            {
                entry["reason"] = rule.Reason;
            }

            list.Add(entry);
        }

        if (list.Count > 0)
        {
            schema["x-kubernetes-validations"] = list;
        }
    }

    private static void SetBound(JsonObject schema, string key, long value)
    {
        if (value >= 0)
        {
            schema[key] = value;
        }
    }

    private static JsonValue Number(double value) =>
        Math.Floor(value) == value && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? type
            : null;
        if (dictionary is null)
        {
            return null;
        }

        var arguments = dictionary.GetGenericArguments();
        return arguments[0] == typeof(string) ? arguments[1] : throw new CrdGenerationException($"{type}: map keys must be strings");
    }

    private static Type? ListItemType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        return type.IsGenericType && type.GetGenericArguments() is [var item] ? item : null;
    }
}
