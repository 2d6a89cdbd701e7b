using System.Text.Json.Nodes;

namespace KubeCloud.Kube.ModelGen;

/// <summary>The C# type of a property: its type name (without the outer nullable marker) and any converter it needs.</summary>
/// <param name="Name">The C# type, e.g. <c>List&lt;V1Container&gt;</c>.</param>
/// <param name="IsValueType">True when <c>?</c> makes a <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="Converter">The converter to put on the property, if any.</param>
/// <param name="GeneratedClass">The generated class when the property refers to one directly.</param>
public sealed record PropertyType(string Name, bool IsValueType, string? Converter = null, string? GeneratedClass = null);

/// <summary>
/// Maps a property schema to C#: string → string; int32 → int; int64 → long; double → double; boolean → bool;
/// <c>format: byte</c> → byte[] (base64 on the wire); arrays → List&lt;T&gt;; objects with
/// <c>additionalProperties</c> → Dictionary&lt;string, T&gt;; other objects → JsonNode; <c>$ref</c> → the
/// generated class or the hand-written type of <see cref="WireTypes"/>.
/// </summary>
public sealed class TypeResolver(JsonObject definitions, IReadOnlyDictionary<string, string> classNames)
{
    private const string RefPrefix = "#/definitions/";

    /// <summary>Returns the hand-written type of a definition, or null when it is generated as a class.</summary>
    public MappedType? MappedTypeOf(string definitionName) =>
        WireTypes.For(definitionName, definitions[definitionName]?["type"] is not null);

    /// <summary>Resolves the type of a property schema.</summary>
    public PropertyType Resolve(JsonObject schema)
    {
        if ((string?)schema["$ref"] is { } reference)
        {
            if (!reference.StartsWith(RefPrefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Unsupported reference '{reference}'.");
            }

            var definitionName = reference[RefPrefix.Length..];
            if (MappedTypeOf(definitionName) is { } mapped)
            {
                return new PropertyType(mapped.CSharpType, mapped.IsValueType, mapped.PropertyConverter);
            }

            var className = classNames[definitionName];
            return new PropertyType(className, IsValueType: false, GeneratedClass: className);
        }

        var type = (string?)schema["type"];
        var format = (string?)schema["format"];
        return type switch
        {
            "string" when format == "byte" => new PropertyType("byte[]", IsValueType: false),
            "string" when format is "date-time" => new PropertyType("DateTimeOffset", IsValueType: true, "KubeTimeJsonConverter"),
            "string" => new PropertyType("string", IsValueType: false),
            "integer" when format == "int32" => new PropertyType("int", IsValueType: true),
            "integer" => new PropertyType("long", IsValueType: true),
            "number" => new PropertyType("double", IsValueType: true),
            "boolean" => new PropertyType("bool", IsValueType: true),
            "array" => new PropertyType($"List<{ElementType(schema["items"])}>", IsValueType: false),
            "object" when schema["additionalProperties"] is JsonObject values =>
                new PropertyType($"Dictionary<string, {ElementType(values)}>", IsValueType: false),
            _ => new PropertyType(WireTypes.FreeForm.CSharpType, IsValueType: false),
        };
    }

    private string ElementType(JsonNode? schema)
    {
        if (schema is not JsonObject element)
        {
            throw new InvalidOperationException("An array or map schema has no element schema.");
        }

        var resolved = Resolve(element);
        if (resolved.Converter == "KubeMicroTimeJsonConverter")
        {
            throw new InvalidOperationException("MicroTime inside a collection is not supported.");
        }

        // Free-form JSON elements may be JSON null; everything else is a non-null element.
        return resolved.Name == WireTypes.FreeForm.CSharpType ? resolved.Name + "?" : resolved.Name;
    }
}
