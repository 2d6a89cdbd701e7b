using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeCloud.Crds.Validation;

/// <summary>One CEL rule of <c>x-kubernetes-validations</c>.</summary>
/// <param name="Rule">The CEL expression.</param>
/// <param name="Message">The message shown when the rule fails; null means "failed rule: &lt;rule&gt;".</param>
/// <param name="FieldPath">Path (relative to the node) the error is reported at, for example <c>.spec.x</c>.</param>
/// <param name="Reason">FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</param>
public sealed record ValidationRuleSpec(string Rule, string? Message, string? FieldPath, string? Reason);

/// <summary>
/// An OpenAPI v3 schema node of a CRD, read once from its JSON form (for example a stored CRD's
/// <c>openAPIV3Schema</c>) into a typed tree the validator, defaulter and pruner walk.
/// </summary>
public sealed class StructuralSchema
{
    private static readonly Dictionary<string, StructuralSchema> NoProperties = [];

    private StructuralSchema(JsonObject source)
    {
        Source = source;
    }

    /// <summary>The JSON the node was read from.</summary>
    public JsonObject Source { get; }

    public string? Type { get; private set; }
    public string? Format { get; private set; }
    public string? Description { get; private set; }
    public JsonNode? Default { get; private set; }
    public bool HasDefault { get; private set; }
    public bool Nullable { get; private set; }
    public double? Minimum { get; private set; }
    public bool ExclusiveMinimum { get; private set; }
    public double? Maximum { get; private set; }
    public bool ExclusiveMaximum { get; private set; }
    public double? MultipleOf { get; private set; }
    public long? MinLength { get; private set; }
    public long? MaxLength { get; private set; }
    public string? Pattern { get; private set; }
    public Regex? PatternRegex { get; private set; }
    public long? MinItems { get; private set; }
    public long? MaxItems { get; private set; }
    public long? MinProperties { get; private set; }
    public long? MaxProperties { get; private set; }
    public IReadOnlyList<JsonNode?>? Enum { get; private set; }
    public IReadOnlyList<string> Required { get; private set; } = [];
    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; private set; } = NoProperties;
    /// <summary>Property names in the order the schema lists them.</summary>
    public IReadOnlyList<string> PropertyOrder { get; private set; } = [];
    public StructuralSchema? Items { get; private set; }
    public StructuralSchema? AdditionalProperties { get; private set; }
    public bool IntOrString { get; private set; }
    public bool PreserveUnknownFields { get; private set; }
    public bool EmbeddedResource { get; private set; }
    public string? ListType { get; private set; }
    public IReadOnlyList<string> ListMapKeys { get; private set; } = [];
    public IReadOnlyList<ValidationRuleSpec> Validations { get; private set; } = [];
    public IReadOnlyList<StructuralSchema> AllOf { get; private set; } = [];
    public IReadOnlyList<StructuralSchema> AnyOf { get; private set; } = [];
    public IReadOnlyList<StructuralSchema> OneOf { get; private set; } = [];
    public StructuralSchema? Not { get; private set; }

    /// <summary>The type name used in "must be of type" messages: <c>integer,string</c> for int-or-string.</summary>
    public string TypeForMessages => IntOrString ? "integer,string" : Type ?? string.Empty;

    /// <summary>True when anyOf is exactly the int-or-string pair [{type: integer}, {type: string}].</summary>
    public bool AnyOfIsIntOrStringPair =>
        AnyOf.Count == 2 && AnyOf[0].Type == JsonKind.Integer && AnyOf[1].Type == JsonKind.String
        && AnyOf.All(s => s.Source.Count == 1);

    /// <summary>Reads a schema node; throws <see cref="FormatException"/> on a malformed one.</summary>
    public static StructuralSchema Parse(JsonNode schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema is not JsonObject obj)
        {
            throw new FormatException("a schema must be a JSON object");
        }

        var node = new StructuralSchema(obj)
        {
            Type = String(obj, "type"),
            Format = String(obj, "format"),
            Description = String(obj, "description"),
            Nullable = Bool(obj, "nullable"),
            Minimum = Number(obj, "minimum"),
            ExclusiveMinimum = Bool(obj, "exclusiveMinimum"),
            Maximum = Number(obj, "maximum"),
            ExclusiveMaximum = Bool(obj, "exclusiveMaximum"),
            MultipleOf = Number(obj, "multipleOf"),
            MinLength = Long(obj, "minLength"),
            MaxLength = Long(obj, "maxLength"),
            Pattern = String(obj, "pattern"),
            MinItems = Long(obj, "minItems"),
            MaxItems = Long(obj, "maxItems"),
            MinProperties = Long(obj, "minProperties"),
            MaxProperties = Long(obj, "maxProperties"),
            IntOrString = Bool(obj, "x-kubernetes-int-or-string"),
            PreserveUnknownFields = Bool(obj, "x-kubernetes-preserve-unknown-fields"),
            EmbeddedResource = Bool(obj, "x-kubernetes-embedded-resource"),
            ListType = String(obj, "x-kubernetes-list-type"),
        };

        if (obj.TryGetPropertyValue("default", out var defaultValue))
        {
            node.HasDefault = true;
            node.Default = defaultValue;
        }

        if (node.Pattern is not null)
        {
            node.PatternRegex = EcmaPattern.Compile(node.Pattern);
        }

        if (obj["enum"] is JsonArray enumValues)
        {
            node.Enum = [.. enumValues];
        }

        if (obj["required"] is JsonArray required)
        {
            node.Required = [.. required.Select(r => r!.GetValue<string>())];
        }

        if (obj["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            node.ListMapKeys = [.. keys.Select(k => k!.GetValue<string>())];
        }

        if (obj["properties"] is JsonObject properties)
        {
            var parsed = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal);
            foreach (var (name, value) in properties)
            {
                parsed[name] = Parse(value ?? throw new FormatException($"property {name} has a null schema"));
            }

            node.Properties = parsed;
            node.PropertyOrder = [.. properties.Select(p => p.Key)];
        }

        if (obj["items"] is JsonObject items)
        {
            node.Items = Parse(items);
        }

        if (obj["additionalProperties"] is JsonObject additional)
        {
            node.AdditionalProperties = Parse(additional);
        }

        node.AllOf = List(obj, "allOf");
        node.AnyOf = List(obj, "anyOf");
        node.OneOf = List(obj, "oneOf");
        if (obj["not"] is JsonObject not)
        {
            node.Not = Parse(not);
        }

        if (obj["x-kubernetes-validations"] is JsonArray rules)
        {
            node.Validations =
            [
                .. rules.OfType<JsonObject>().Select(r => new ValidationRuleSpec(
                    String(r, "rule") ?? string.Empty, String(r, "message"), String(r, "fieldPath"), String(r, "reason"))),
            ];
        }

        return node;
    }

    private static List<StructuralSchema> List(JsonObject obj, string name) =>
        obj[name] is JsonArray array ? [.. array.Select(s => Parse(s ?? new JsonObject()))] : [];

    private static string? String(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Number(JsonObject obj, string name) =>
        obj[name] is JsonValue v && JsonKind.Of(v) is JsonKind.Integer or JsonKind.Number ? JsonKind.ToDouble(v) : null;

    private static long? Long(JsonObject obj, string name) => Number(obj, name) is { } d ? (long)d : null;
}
