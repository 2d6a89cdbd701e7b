using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;
using KubeCloud.Crds.Validation;
using CrdFieldError = KubeCloud.Crds.Validation.FieldError;

namespace KubeCloud.ApiServer.Validation;

/// <summary>
/// Custom resources through KubeCloud.Crds' structural-schema validator: prune (unknown fields are
/// reported for fieldValidation), default, validate with CEL rules. One validator per CRD version,
/// built when the version is first used.
/// </summary>
public sealed class StructuralSchemaValidation : ICustomResourceValidator
{
    private static readonly string[] TypeAndObjectMeta = ["apiVersion", "kind", "metadata"];

    private readonly ConditionalWeakTable<CustomResourceVersion, StructuralSchemaValidator> _validators = [];

    public CustomResourceCheck Check(CustomResourceVersion version, JsonObject obj, JsonObject? old)
    {
        if (version.Schema is null)
        {
            return CustomResourceCheck.Clean;
        }

        var validator = _validators.GetValue(version, v => new StructuralSchemaValidator(v.Schema!));

        // apiVersion, kind and metadata are the server's, whatever the schema declares (as in kube-apiserver).
        var system = TypeAndObjectMeta.Select(name => (Name: name, Value: obj[name])).ToList();
        foreach (var (name, _) in system)
        {
            obj.Remove(name);
        }

        var oldBody = old?.DeepClone().AsObject();
        foreach (var name in TypeAndObjectMeta)
        {
            oldBody?.Remove(name);
        }

        var unknown = validator.Prune(obj);
        validator.Default(obj);
        var result = validator.ValidateWithRules(obj, oldBody);
        var rest = obj.Select(p => (p.Key, p.Value)).ToList();
        obj.Clear();
        foreach (var (name, value) in system.Concat(rest))
        {
            if (value is not null)
            {
                obj[name] = value;
            }
        }

        return new CustomResourceCheck(unknown, result.Errors.Select(Convert).ToList());
    }

    public IReadOnlyList<string> Warnings(JsonObject crd)
    {
        var warnings = new List<string>();
        if (crd["spec"]?["versions"] is not JsonArray versions)
        {
            return warnings;
        }

        foreach (var version in versions.OfType<JsonObject>())
        {
            if (version["schema"]?["openAPIV3Schema"] is not JsonObject schema)
            {
                continue;
            }

            IReadOnlyList<global::KubeCloud.Crds.Cel.CelRuleInfo> rules;
            try
            {
                rules = new StructuralSchemaValidator(schema).Rules();
            }
            catch (FormatException e)
            {
                warnings.Add($"version {version["name"]}: the schema could not be read by the local validator: {e.Message}");
                continue;
            }

            foreach (var rule in rules.Where(r => r.Problem.Length > 0))
            {
                warnings.Add($"version {version["name"]}, {(rule.SchemaPath.Length == 0 ? "<root>" : rule.SchemaPath)}: x-kubernetes-validations rule {rule.Rule.Rule} is not evaluated by the local API server: {rule.Problem}");
            }
        }

        return warnings;
    }

    private static Http.FieldError Convert(CrdFieldError error)
    {
        var reason = error.Type switch
        {
            FieldErrorType.Required => "FieldValueRequired",
            FieldErrorType.Invalid => "FieldValueInvalid",
            FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
            FieldErrorType.NotSupported => "FieldValueNotSupported",
            FieldErrorType.Duplicate => "FieldValueDuplicate",
            FieldErrorType.TooLong => "FieldValueTooLong",
            FieldErrorType.TooMany => "FieldValueTooMany",
            FieldErrorType.Forbidden => "FieldValueForbidden",
            _ => "InternalError",
        };
        return new Http.FieldError(error.Path.Length == 0 ? "<root>" : error.Path, reason, error.Detail, error.BadValue);
    }
}
