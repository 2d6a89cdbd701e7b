using System.Text.Json.Nodes;
using KubeCloud.Crds.Cel;

namespace KubeCloud.Crds.Validation;

/// <summary>What to do with fields a schema does not declare.</summary>
public enum UnknownFieldMode
{
    /// <summary>Report their paths in <see cref="SchemaValidationResult.UnknownFields"/> so the caller can prune them.</summary>
    Collect,
    /// <summary>Report each as an error (kube-apiserver's <c>fieldValidation=Strict</c>).</summary>
    Strict,
}

/// <summary>The outcome of validating one object.</summary>
/// <param name="Errors">Field errors, in kube-apiserver's wording.</param>
/// <param name="UnknownFields">Paths of fields the schema does not declare (errors too in strict mode).</param>
public sealed record SchemaValidationResult(IReadOnlyList<FieldError> Errors, IReadOnlyList<string> UnknownFields)
{
    public bool IsValid => Errors.Count == 0;

    public override string ToString() => string.Join(Environment.NewLine, Errors);
}

/// <summary>
/// Validates, defaults and prunes custom objects against one CRD version's
/// <c>openAPIV3Schema</c>, as kube-apiserver does. The local API server builds one per stored
/// CRD version and reuses it for every request.
/// </summary>
public sealed class StructuralSchemaValidator
{
    public StructuralSchemaValidator(JsonNode openApiV3Schema)
    {
        Schema = StructuralSchema.Parse(openApiV3Schema);
    }

    private readonly CelRuleValidator _rules = new();

    /// <summary>The parsed schema.</summary>
    public StructuralSchema Schema { get; }

    /// <summary>The validator of a CRD's version (the storage version when <paramref name="version"/> is null).</summary>
    public static StructuralSchemaValidator ForCrd(JsonNode crd, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(crd);
        var versions = crd["spec"]?["versions"]?.AsArray()
            ?? throw new FormatException("the CRD has no spec.versions");
        var chosen = versions.OfType<JsonObject>().FirstOrDefault(v =>
                version is null ? v["storage"]?.GetValue<bool>() == true : v["name"]?.GetValue<string>() == version)
            ?? throw new ArgumentException($"the CRD has no version {version ?? "(storage)"}", nameof(version));
        var schema = chosen["schema"]?["openAPIV3Schema"]
            ?? throw new FormatException($"version {chosen["name"]} of the CRD has no schema.openAPIV3Schema");
        return new StructuralSchemaValidator(schema);
    }

    /// <summary>Checks types, required fields, enums, bounds, patterns, formats, lengths, counts and list uniqueness.</summary>
    public SchemaValidationResult Validate(JsonNode? value, UnknownFieldMode mode = UnknownFieldMode.Collect)
    {
        var (errors, unknown) = SchemaValueValidator.Run(Schema, value);
        if (mode == UnknownFieldMode.Strict && unknown.Count > 0)
        {
            errors = [.. unknown.Select(FieldError.Unknown), .. errors];
        }

        return new SchemaValidationResult(errors, unknown);
    }

    /// <summary>
    /// Validates like <see cref="Validate"/>, then runs the schema's CEL rules (transition rules
    /// only when <paramref name="oldValue"/> is given, i.e. on update). As in kube-apiserver, the
    /// rules are skipped when the object has type or enum errors.
    /// </summary>
    public SchemaValidationResult ValidateWithRules(JsonNode? newValue, JsonNode? oldValue = null, UnknownFieldMode mode = UnknownFieldMode.Collect)
    {
        var result = Validate(newValue, mode);
        if (result.Errors.Any(e => e.Type is FieldErrorType.TypeInvalid or FieldErrorType.NotSupported))
        {
            return result with
            {
                Errors = [.. result.Errors, new FieldError(string.Empty, FieldErrorType.Invalid, null, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")],
            };
        }

        return result with { Errors = [.. result.Errors, .. _rules.Validate(Schema, newValue, oldValue)] };
    }

    /// <summary>Every CEL rule of the schema, with the reason it cannot be evaluated, if any.</summary>
    public IReadOnlyList<CelRuleInfo> Rules() => CelRuleValidator.Rules(Schema);

    /// <summary>Removes undeclared fields (and nulls of non-nullable fields without a default) in place; returns their paths.</summary>
    public IReadOnlyList<string> Prune(JsonNode? value) => SchemaPruner.Prune(value, Schema);

    /// <summary>Fills in schema defaults in place, recursing into objects and arrays.</summary>
    public void Default(JsonNode? value) => SchemaDefaulter.Default(value, Schema);
}
