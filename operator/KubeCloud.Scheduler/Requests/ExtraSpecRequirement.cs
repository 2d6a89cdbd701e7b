using System.Globalization;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Requests;

/// <summary>The operators of nova's extra-spec syntax (nova/scheduler/filters/extra_specs_ops.py).</summary>
public enum ExtraSpecOperator
{
    /// <summary>No operator: the value must equal the whole requirement.</summary>
    Equal,
    /// <summary><c>=</c>: numeric greater than or equal (nova's quirk).</summary>
    AtLeast,
    /// <summary><c>==</c>: numeric equal.</summary>
    NumericEqual,
    /// <summary><c>!=</c>: numeric not equal.</summary>
    NumericNotEqual,
    /// <summary><c>&gt;=</c>.</summary>
    NumericGreaterOrEqual,
    /// <summary><c>&lt;=</c>.</summary>
    NumericLessOrEqual,
    /// <summary><c>s==</c>.</summary>
    StringEqual,
    /// <summary><c>s!=</c>.</summary>
    StringNotEqual,
    /// <summary><c>s&lt;</c>.</summary>
    StringLess,
    /// <summary><c>s&lt;=</c>.</summary>
    StringLessOrEqual,
    /// <summary><c>s&gt;</c>.</summary>
    StringGreater,
    /// <summary><c>s&gt;=</c>.</summary>
    StringGreaterOrEqual,
    /// <summary><c>&lt;in&gt;</c>: the operand is a substring of the value (a member of a list value).</summary>
    In,
    /// <summary><c>&lt;all-in&gt;</c>: every operand is in the value.</summary>
    AllIn,
    /// <summary><c>&lt;or&gt; a &lt;or&gt; b</c>: the value equals one of the alternatives.</summary>
    Or,
}

/// <summary>
/// One flavor extra spec, parsed once per request: the key without its scope, the operator and the
/// operands. <see cref="Matches(string?)"/> follows nova's <c>extra_specs_ops.match</c>.
/// </summary>
public sealed class ExtraSpecRequirement
{
    private static readonly Dictionary<string, ExtraSpecOperator> Operators = new(StringComparer.Ordinal)
    {
        ["="] = ExtraSpecOperator.AtLeast,
        ["=="] = ExtraSpecOperator.NumericEqual,
        ["!="] = ExtraSpecOperator.NumericNotEqual,
        [">="] = ExtraSpecOperator.NumericGreaterOrEqual,
        ["<="] = ExtraSpecOperator.NumericLessOrEqual,
        ["s=="] = ExtraSpecOperator.StringEqual,
        ["s!="] = ExtraSpecOperator.StringNotEqual,
        ["s<"] = ExtraSpecOperator.StringLess,
        ["s<="] = ExtraSpecOperator.StringLessOrEqual,
        ["s>"] = ExtraSpecOperator.StringGreater,
        ["s>="] = ExtraSpecOperator.StringGreaterOrEqual,
        ["<in>"] = ExtraSpecOperator.In,
        ["<all-in>"] = ExtraSpecOperator.AllIn,
        ["<or>"] = ExtraSpecOperator.Or,
    };

    private readonly string[] _operands;
    private readonly double _number;
    private readonly bool _numberValid;

    private ExtraSpecRequirement(string fullKey, string key, string requirement, ExtraSpecOperator op, string[] operands)
    {
        FullKey = fullKey;
        Key = key;
        Requirement = requirement;
        Operator = op;
        _operands = operands;
        Attribute = HostAttributes.TryGet(key, out var attribute) ? attribute : null;
        _numberValid = operands.Length > 0 && double.TryParse(operands[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _number);
    }

    /// <summary>The key as the flavor writes it, scope included.</summary>
    public string FullKey { get; }

    /// <summary>The key without its scope: a label key or a host attribute name.</summary>
    public string Key { get; }

    /// <summary>The requirement as written, for example <c>&gt;= 4</c>.</summary>
    public string Requirement { get; }

    public ExtraSpecOperator Operator { get; }

    /// <summary>The host attribute the key names (for capabilities), resolved once; null when there is none.</summary>
    public HostAttribute? Attribute { get; }

    /// <summary>The words after the operator (for &lt;or&gt;: the alternatives).</summary>
    public IReadOnlyList<string> Operands => _operands;

    /// <summary>Parses a requirement for <paramref name="key"/> (already stripped of its scope).</summary>
    public static ExtraSpecRequirement Parse(string fullKey, string key, string requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        var words = requirement.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !Operators.TryGetValue(words[0], out var op))
        {
            return new ExtraSpecRequirement(fullKey, key, requirement, ExtraSpecOperator.Equal, [requirement]);
        }

        if (op == ExtraSpecOperator.Or)
        {
            // "<or> a <or> b <or> c": the alternatives are every other word after the first operator.
            var alternatives = new List<string>();
            for (var i = 1; i < words.Length; i += 2)
            {
                alternatives.Add(words[i]);
            }

            return new ExtraSpecRequirement(fullKey, key, requirement, op, [.. alternatives]);
        }

        return new ExtraSpecRequirement(fullKey, key, requirement, op, words[1..]);
    }

    /// <summary>Whether a host value (a label value, a capability as text) meets the requirement.</summary>
    public bool Matches(string? value)
    {
        if (Operator == ExtraSpecOperator.Equal)
        {
            return string.Equals(value, Requirement, StringComparison.Ordinal);
        }

        if (value is null || _operands.Length == 0)
        {
            return false;
        }

        var operand = _operands[0];
        switch (Operator)
        {
            case ExtraSpecOperator.Or:
                foreach (var alternative in _operands)
                {
                    if (string.Equals(alternative, value, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            case ExtraSpecOperator.In:
                return value.Contains(operand, StringComparison.Ordinal);
            case ExtraSpecOperator.AllIn:
                foreach (var word in _operands)
                {
                    if (!value.Contains(word, StringComparison.Ordinal))
                    {
                        return false;
                    }
                }

                return true;
            case ExtraSpecOperator.StringEqual:
                return string.Equals(value, operand, StringComparison.Ordinal);
            case ExtraSpecOperator.StringNotEqual:
                return !string.Equals(value, operand, StringComparison.Ordinal);
            case ExtraSpecOperator.StringLess:
                return string.CompareOrdinal(value, operand) < 0;
            case ExtraSpecOperator.StringLessOrEqual:
                return string.CompareOrdinal(value, operand) <= 0;
            case ExtraSpecOperator.StringGreater:
                return string.CompareOrdinal(value, operand) > 0;
            case ExtraSpecOperator.StringGreaterOrEqual:
                return string.CompareOrdinal(value, operand) >= 0;
            default:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && MatchesNumber(number);
        }
    }

    /// <summary>Whether a number attribute meets the requirement, without formatting it.</summary>
    public bool Matches(double value) => Operator switch
    {
        ExtraSpecOperator.AtLeast or ExtraSpecOperator.NumericEqual or ExtraSpecOperator.NumericNotEqual
            or ExtraSpecOperator.NumericGreaterOrEqual or ExtraSpecOperator.NumericLessOrEqual => MatchesNumber(value),
        _ => Matches(HostAttribute.FormatNumber(value)),
    };

    /// <summary>Whether a list attribute (CPU features) meets the requirement: &lt;in&gt;, &lt;all-in&gt; and &lt;or&gt; test membership.</summary>
    public bool Matches(IReadOnlySet<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        switch (Operator)
        {
            case ExtraSpecOperator.In:
                return _operands.Length > 0 && values.Contains(_operands[0]);
            case ExtraSpecOperator.AllIn:
                if (_operands.Length == 0)
                {
                    return false;
                }

                foreach (var word in _operands)
                {
                    if (!values.Contains(word))
                    {
                        return false;
                    }
                }

                return true;
            case ExtraSpecOperator.Or:
                foreach (var alternative in _operands)
                {
                    if (values.Contains(alternative))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private bool MatchesNumber(double value)
    {
        if (!_numberValid)
        {
            return false;
        }

        return Operator switch
        {
            ExtraSpecOperator.AtLeast or ExtraSpecOperator.NumericGreaterOrEqual => value >= _number,
            ExtraSpecOperator.NumericEqual => value == _number,
            ExtraSpecOperator.NumericNotEqual => value != _number,
            ExtraSpecOperator.NumericLessOrEqual => value <= _number,
            _ => false,
        };
    }

    /// <summary>The spec as written, key and requirement.</summary>
    public override string ToString() => $"{FullKey}={Requirement}";
}
