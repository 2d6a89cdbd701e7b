using System.Collections.Immutable;

namespace KubeCloud.Crds.Cel;

/// <summary>
/// Evaluates a parsed rule against <c>self</c> (and <c>oldSelf</c>) with CEL's semantics for the
/// supported subset: <c>&amp;&amp;</c> and <c>||</c> absorb errors when the other side decides, field
/// selection of a missing key is an error, comprehensions follow CEL's macro definitions.
/// </summary>
public static class CelEvaluator
{
    /// <summary>The rule's value; throws <see cref="CelEvaluationException"/> on a CEL error.</summary>
    public static object Evaluate(CelExpression expression, object self, object? oldSelf = null)
    {
        var variables = ImmutableDictionary<string, object>.Empty.Add("self", self);
        if (oldSelf is not null)
        {
            variables = variables.Add("oldSelf", oldSelf);
        }

        return Evaluate(expression, variables);
    }

    private static object Evaluate(CelExpression expression, ImmutableDictionary<string, object> variables) => expression switch
    {
        CelLiteral literal => literal.Value,
        CelIdentifier identifier => variables.TryGetValue(identifier.Name, out var value)
            ? value
            : throw new CelEvaluationException($"undeclared reference to '{identifier.Name}'"),
        CelSelect select => Select(Evaluate(select.Operand, variables), select.Field),
        CelHas has => Has(Evaluate(has.Select.Operand, variables), has.Select.Field),
        CelSize size => Size(Evaluate(size.Operand, variables)),
        CelComprehension comprehension => Comprehension(comprehension, variables),
        CelUnary { Operator: "!" } unary => !AsBool(Evaluate(unary.Operand, variables), "!_"),
        CelUnary { Operator: "-" } unary => Evaluate(unary.Operand, variables) switch
        {
            long number => number == long.MinValue ? throw new CelEvaluationException("integer overflow") : -number,
            double number => -number,
            var other => throw NoOverload("-_", other),
        },
        CelBinary { Operator: "&&" } binary => LogicalAnd(binary, variables),
        CelBinary { Operator: "||" } binary => LogicalOr(binary, variables),
        CelBinary { Operator: "==" } binary => CelValues.AreEqual(Evaluate(binary.Left, variables), Evaluate(binary.Right, variables)),
        CelBinary { Operator: "!=" } binary => !CelValues.AreEqual(Evaluate(binary.Left, variables), Evaluate(binary.Right, variables)),
        CelBinary binary => Compare(binary.Operator, Evaluate(binary.Left, variables), Evaluate(binary.Right, variables)),
        _ => throw new CelEvaluationException($"unsupported expression {expression.GetType().Name}"),
    };

    private static object Select(object operand, string field) => operand switch
    {
        CelObject obj when obj.Node.TryGetPropertyValue(field, out var child) => CelValues.From(child, CelValues.FieldSchema(obj, field)),
        CelObject => throw new CelEvaluationException($"no such key: {field}"),
        _ => throw new CelEvaluationException($"type '{CelValues.TypeName(operand)}' does not support field selection"),
    };

    private static bool Has(object operand, string field) => operand switch
    {
        CelObject obj => obj.Node.ContainsKey(field),
        _ => throw new CelEvaluationException($"invalid type for field selection: {CelValues.TypeName(operand)}"),
    };

    private static long Size(object operand) => operand switch
    {
        string text => text.EnumerateRunes().Count(),
        CelList list => list.Items.Count,
        CelObject obj => obj.Node.Count,
        _ => throw NoOverload("size", operand),
    };

    private static bool Comprehension(CelComprehension comprehension, ImmutableDictionary<string, object> variables)
    {
        var range = Evaluate(comprehension.Range, variables);
        IEnumerable<object> elements = range switch
        {
            CelList list => list.Items,
            CelObject map => map.Node.Select(p => (object)p.Key),
            _ => throw NoOverload(comprehension.Macro, range),
        };

        var results = elements.Select(element => Try(() => AsBool(Evaluate(comprehension.Predicate, variables.SetItem(comprehension.Variable, element)), comprehension.Macro)));
        return comprehension.Macro switch
        {
            "all" => All(results),
            "exists" => Exists(results),
            _ => ExistsOne(results),
        };
    }

    /// <summary>False if any element is false (even if others fail), else the first error, else true.</summary>
    private static bool All(IEnumerable<(bool Value, CelEvaluationException? Error)> results)
    {
        CelEvaluationException? error = null;
        foreach (var (value, failure) in results)
        {
            if (failure is not null)
            {
                error ??= failure;
            }
            else if (!value)
            {
                return false;
            }
        }

        return error is null ? true : throw error;
    }

    /// <summary>True if any element is true (even if others fail), else the first error, else false.</summary>
    private static bool Exists(IEnumerable<(bool Value, CelEvaluationException? Error)> results)
    {
        CelEvaluationException? error = null;
        foreach (var (value, failure) in results)
        {
            if (failure is not null)
            {
                error ??= failure;
            }
            else if (value)
            {
                return true;
            }
        }

        return error is null ? false : throw error;
    }

    /// <summary>True if exactly one element is true; any error is the result.</summary>
    private static bool ExistsOne(IEnumerable<(bool Value, CelEvaluationException? Error)> results)
    {
        var count = 0;
        foreach (var (value, failure) in results)
        {
            count += failure is not null ? throw failure : value ? 1 : 0;
        }

        return count == 1;
    }

    private static bool LogicalAnd(CelBinary binary, ImmutableDictionary<string, object> variables)
    {
        var (left, leftError) = Try(() => AsBool(Evaluate(binary.Left, variables), "_&&_"));
        if (leftError is null && !left)
        {
            return false;
        }

        var (right, rightError) = Try(() => AsBool(Evaluate(binary.Right, variables), "_&&_"));
        if (rightError is null && !right)
        {
            return false;
        }

        return (leftError ?? rightError) is { } error ? throw error : true;
    }

    private static bool LogicalOr(CelBinary binary, ImmutableDictionary<string, object> variables)
    {
        var (left, leftError) = Try(() => AsBool(Evaluate(binary.Left, variables), "_||_"));
        if (leftError is null && left)
        {
            return true;
        }

        var (right, rightError) = Try(() => AsBool(Evaluate(binary.Right, variables), "_||_"));
        if (rightError is null && right)
        {
            return true;
        }

        return (leftError ?? rightError) is { } error ? throw error : false;
    }

    private static bool Compare(string op, object left, object right)
    {
        int order = (left, right) switch
        {
            (long a, long b) => a.CompareTo(b),
            (long or double, long or double) => Convert.ToDouble(left, System.Globalization.CultureInfo.InvariantCulture)
                .CompareTo(Convert.ToDouble(right, System.Globalization.CultureInfo.InvariantCulture)),
            (string a, string b) => string.CompareOrdinal(a, b),
            (bool a, bool b) => a.CompareTo(b),
            _ => throw NoOverload($"_{op}_", left, right),
        };

        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            ">=" => order >= 0,
            _ => throw new CelEvaluationException($"unsupported operator {op}"),
        };
    }

    private static bool AsBool(object value, string function) => value is bool b ? b : throw NoOverload(function, value);

    private static (bool Value, CelEvaluationException? Error) Try(Func<bool> evaluate)
    {
        try
        {
            return (evaluate(), null);
        }
        catch (CelEvaluationException e)
        {
            return (false, e);
        }
    }

    private static CelEvaluationException NoOverload(string function, params object[] arguments) =>
        new($"no such overload: {function}({string.Join(", ", arguments.Select(CelValues.TypeName))})");
}
