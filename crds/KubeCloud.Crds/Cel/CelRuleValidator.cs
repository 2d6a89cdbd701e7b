using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Cel;

/// <summary>A rule of a schema, where it sits, and whether this evaluator can run it.</summary>
/// <param name="SchemaPath">Where the rule is, as a value path with [*] for list items and map values (<c>spec.subnets[*]</c>).</param>
/// <param name="Rule">The rule.</param>
/// <param name="Problem">Empty when supported; otherwise why not.</param>
public sealed record CelRuleInfo(string SchemaPath, ValidationRuleSpec Rule, string Problem);

/// <summary>
/// Runs the <c>x-kubernetes-validations</c> rules of a schema over an object, as kube-apiserver
/// does: every rule at every node the object has; transition rules (those using <c>oldSelf</c>)
/// only on update and only where the old object has a correlated value (same property, same
/// map key, same key of a list map; items of other lists never correlate).
/// </summary>
public sealed class CelRuleValidator
{
    private readonly ConcurrentDictionary<string, (CelExpression? Expression, string Error)> _compiled = new(StringComparer.Ordinal);

    /// <summary>Every rule of a schema, with the reason this evaluator cannot run it, if any.</summary>
    public static IReadOnlyList<CelRuleInfo> Rules(StructuralSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var rules = new List<CelRuleInfo>();
        CollectRules(schema, string.Empty, correlatable: true, rules);
        return rules;
    }

    private static void CollectRules(StructuralSchema schema, string path, bool correlatable, List<CelRuleInfo> rules)
    {
        foreach (var rule in schema.Validations)
        {
            var problem = CelParser.TryParse(rule.Rule, out var expression, out var error) ? string.Empty : error;
            if (problem.Length == 0 && !correlatable && CelParser.UsesOldSelf(expression!))
            {
                problem = "oldSelf cannot be used on the uncorrelatable portion of the schema (items of a list that is not a list map)";
            }

            rules.Add(new CelRuleInfo(path.Length == 0 ? "<root>" : path, rule, problem));
        }

        foreach (var (name, property) in schema.Properties)
        {
            CollectRules(property, FieldPath.Child(path, name), correlatable, rules);
        }

        if (schema.AdditionalProperties is { } additional)
        {
            CollectRules(additional, path + "[*]", correlatable, rules);
        }

        if (schema.Items is { } items)
        {
            CollectRules(items, path + "[*]", correlatable && schema.ListType == "map", rules);
        }
    }

    /// <summary>The errors of every failing rule; <paramref name="oldValue"/> is null on create.</summary>
    public IReadOnlyList<FieldError> Validate(StructuralSchema schema, JsonNode? newValue, JsonNode? oldValue)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var errors = new List<FieldError>();
        Walk(schema, newValue, oldValue, hasOld: oldValue is not null, string.Empty, errors, isRoot: true);
        return errors;
    }

    private void Walk(StructuralSchema schema, JsonNode? value, JsonNode? old, bool hasOld, string path, List<FieldError> errors, bool isRoot = false)
    {
        if (value is null)
        {
            return;
        }

        foreach (var rule in schema.Validations)
        {
            Check(rule, schema, value, old, hasOld, path, errors);
        }

        switch (value)
        {
            case JsonObject obj:
                var oldObject = hasOld ? old as JsonObject : null;
                foreach (var (name, child) in obj)
                {
                    if (isRoot && name == "metadata")
                    {
                        continue;
                    }

                    var childSchema = schema.Properties.GetValueOrDefault(name) ?? schema.AdditionalProperties;
                    if (childSchema is null)
                    {
                        continue;
                    }

                    JsonNode? oldChild = null;
                    var childHasOld = oldObject?.TryGetPropertyValue(name, out oldChild) == true && oldChild is not null;
                    Walk(childSchema, child, oldChild, childHasOld, FieldPath.Child(path, name), errors);
                }

                break;
            case JsonArray array when schema.Items is { } items:
                var oldItems = hasOld && schema.ListType == "map" && old is JsonArray oldArray
                    ? oldArray.OfType<JsonObject>().GroupBy(item => ListMapKey.Of(item, schema).ToJsonString()).ToDictionary(g => g.Key, g => g.First())
                    : null;
                for (var i = 0; i < array.Count; i++)
                {
                    JsonObject? oldItem = null;
                    if (oldItems is not null && array[i] is JsonObject item)
                    {
                        oldItems.TryGetValue(ListMapKey.Of(item, schema).ToJsonString(), out oldItem);
                    }

                    Walk(items, array[i], oldItem, oldItem is not null, FieldPath.Index(path, i), errors);
                }

                break;
        }
    }

    private void Check(ValidationRuleSpec rule, StructuralSchema schema, JsonNode value, JsonNode? old, bool hasOld, string path, List<FieldError> errors)
    {
        var typeName = JsonKind.GoQuote(schema.Type ?? string.Empty);
        var (expression, compileError) = _compiled.GetOrAdd(rule.Rule, text =>
            CelParser.TryParse(text, out var parsed, out var error) ? (parsed, string.Empty) : (null, error));
        if (expression is null)
        {
            errors.Add(new FieldError(path, FieldErrorType.Internal, null, $"rule is outside the CEL subset this server evaluates ({compileError}): {rule.Rule.Trim()}"));
            return;
        }

        var transition = CelParser.UsesOldSelf(expression);
        if (transition && !hasOld)
        {
            return;
        }

        object result;
        try
        {
            result = CelEvaluator.Evaluate(expression, CelValues.From(value, schema), transition ? CelValues.From(old, schema) : null);
        }
        catch (CelEvaluationException e)
        {
            var detail = e.Message.StartsWith("no such overload", StringComparison.Ordinal)
                ? $"'{e.Message}': call arguments did not match a supported operator, function or macro signature for rule: {rule.Rule.Trim()}"
                : $"{e.Message} evaluating rule: {rule.Rule.Trim()}";
            errors.Add(new FieldError(path, FieldErrorType.Invalid, typeName, detail));
            return;
        }

        if (result is not bool passed)
        {
            errors.Add(new FieldError(path, FieldErrorType.Invalid, typeName, $"rule did not evaluate to a bool: {rule.Rule.Trim()}"));
            return;
        }

        if (passed)
        {
            return;
        }

        var errorPath = path;
        if (!string.IsNullOrEmpty(rule.FieldPath))
        {
            foreach (var segment in rule.FieldPath.TrimStart('.').Split('.'))
            {
                errorPath = FieldPath.Child(errorPath, segment);
            }
        }

        var message = string.IsNullOrWhiteSpace(rule.Message) ? $"failed rule: {rule.Rule.Trim()}" : rule.Message;
        errors.Add(rule.Reason switch
        {
            "FieldValueForbidden" => new FieldError(errorPath, FieldErrorType.Forbidden, null, message),
            "FieldValueRequired" => new FieldError(errorPath, FieldErrorType.Required, null, message),
            "FieldValueDuplicate" => new FieldError(errorPath, FieldErrorType.Duplicate, typeName, string.Empty),
            _ => new FieldError(errorPath, FieldErrorType.Invalid, typeName, message),
        });
    }
}
