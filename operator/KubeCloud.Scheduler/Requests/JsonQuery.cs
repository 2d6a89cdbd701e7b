using System.Buffers;
using System.Globalization;
using System.Text.Json;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Requests;

/// <summary>
/// A compiled JsonFilter query (nova/scheduler/filters/json_filter.py): a JSON array
/// <c>[op, arg, ...]</c> with the operators <c>=</c>, <c>&lt;</c>, <c>&gt;</c>, <c>in</c>,
/// <c>&lt;=</c>, <c>&gt;=</c>, <c>not</c>, <c>or</c>, <c>and</c>; arguments are numbers, strings,
/// booleans, nested queries or <c>$variables</c> from the fixed <see cref="HostAttributes"/> table.
/// Parsed and checked once per request; evaluation per host allocates nothing.
/// </summary>
/// <remarks>
/// As in nova, a variable the host has no value for (no hypervisor type yet) is dropped from the
/// argument list, and a comparison left with fewer than two arguments is false; <c>not</c> is true
/// when any argument is false. Unlike nova, the query is refused up front when it names an unknown
/// operator or variable, compares a number with a string, or gives a comparison fewer than two
/// arguments.
/// </remarks>
public sealed class JsonQuery
{
    /// <summary>The operators, as nova spells them.</summary>
    public static IReadOnlyList<string> OperatorNames { get; } = ["=", "<", ">", "in", "<=", ">=", "not", "or", "and"];

    private readonly Expression _root;

    private JsonQuery(string text, Expression root)
    {
        Text = text;
        _root = root;
    }

    /// <summary>The query as written.</summary>
    public string Text { get; }

    /// <summary>Parses and checks a query, throwing <see cref="JsonQueryException"/> with a message fit for a user.</summary>
    public static JsonQuery Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(query);
        }
        catch (JsonException e)
        {
            throw new JsonQueryException($"JsonFilter query is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new JsonQueryException($"JsonFilter query must be a JSON array such as [\">=\", \"$free_ram_mb\", 1024], got a JSON {Describe(root.ValueKind)}");
            }

            return new JsonQuery(query, ParseExpression(root, "query"));
        }
    }

    /// <summary>Checks a query without keeping it, for the admission webhook: null when valid, else why not.</summary>
    public static string? Validate(string query)
    {
        try
        {
            Parse(query);
            return null;
        }
        catch (JsonQueryException e)
        {
            return e.Message;
        }
    }

    /// <summary>Whether the host satisfies the query.</summary>
    public bool Evaluate(HostState host) => _root.Evaluate(host);

    /// <summary>
    /// <see cref="Evaluate(HostState)"/> for many hosts at once, one operand at a time over columns:
    /// <paramref name="passes"/>[k] for host <paramref name="indexes"/>[k]. Same answers, host by host.
    /// </summary>
    public void Evaluate(HostTable hosts, ReadOnlySpan<int> indexes, Span<bool> passes)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _root.Evaluate(hosts, indexes, passes[..indexes.Length]);
    }

    /// <summary>The query as written.</summary>
    public override string ToString() => Text;

    private static Expression ParseExpression(JsonElement array, string path)
    {
        var length = array.GetArrayLength();
        if (length == 0)
        {
            return Expression.Empty;
        }

        var first = array[0];
        if (first.ValueKind != JsonValueKind.String)
        {
            throw new JsonQueryException($"{path}[0] must be an operator ({string.Join(", ", OperatorNames)}), got a JSON {Describe(first.ValueKind)}");
        }

        var opText = first.GetString()!;
        var op = opText switch
        {
            "=" => QueryOperator.Equal,
            "<" => QueryOperator.Less,
            ">" => QueryOperator.Greater,
            "in" => QueryOperator.In,
            "<=" => QueryOperator.LessOrEqual,
            ">=" => QueryOperator.GreaterOrEqual,
            "not" => QueryOperator.Not,
            "or" => QueryOperator.Or,
            "and" => QueryOperator.And,
            _ => throw new JsonQueryException($"{path}[0]: unknown operator '{opText}'; operators are {string.Join(", ", OperatorNames)}"),
        };

        var operands = new Operand[length - 1];
        for (var i = 1; i < length; i++)
        {
            operands[i - 1] = ParseOperand(array[i], $"{path}[{i}]");
        }

        var comparison = op is not (QueryOperator.Not or QueryOperator.Or or QueryOperator.And);
        if (comparison)
        {
            if (operands.Length < 2)
            {
                throw new JsonQueryException($"{path}: operator '{opText}' needs at least two arguments, got {operands.Length}");
            }

            var kind = operands[0].StaticKind;
            for (var i = 0; i < operands.Length; i++)
            {
                var operand = operands[i];
                if (operand.StaticKind == QueryValueKind.Bool)
                {
                    throw new JsonQueryException($"{path}[{i + 1}]: operator '{opText}' compares numbers or strings; a boolean or nested query may only be an argument of not, or, and");
                }

                if (operand.StaticKind != kind)
                {
                    throw new JsonQueryException($"{path}[{i + 1}]: operator '{opText}' cannot compare a {Describe(kind)} with a {Describe(operand.StaticKind)} ({operand})");
                }
            }
        }
        else if (operands.Length == 0)
        {
            throw new JsonQueryException($"{path}: operator '{opText}' needs at least one argument");
        }

        return new Expression(op, operands);
    }

    private static Operand ParseOperand(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                return Operand.Nested(ParseExpression(element, path));
            case JsonValueKind.Number:
                return Operand.Literal(new QueryValue(QueryValueKind.Number, element.GetDouble(), null));
            case JsonValueKind.True:
            case JsonValueKind.False:
                return Operand.Literal(new QueryValue(QueryValueKind.Bool, element.ValueKind == JsonValueKind.True ? 1 : 0, null));
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (!text.StartsWith('$'))
                {
                    return Operand.Literal(new QueryValue(QueryValueKind.String, 0, text));
                }

                var name = text[1..];
                if (!HostAttributes.TryGet(name, out var attribute))
                {
                    throw new JsonQueryException($"{path}: unknown variable '{text}'; variables are {string.Join(", ", HostAttributes.Names.Select(n => "$" + n))}");
                }

                if (attribute.Kind == HostValueKind.StringList)
                {
                    throw new JsonQueryException($"{path}: variable '{text}' is a list; JsonFilter compares single values (use the extra spec capabilities:{name} with <in> or <all-in>)");
                }

                return Operand.Variable(attribute);
            default:
                throw new JsonQueryException($"{path}: a JSON {Describe(element.ValueKind)} is not allowed; arguments are numbers, strings, booleans, $variables or nested queries");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string Describe(QueryValueKind kind) => kind switch
    {
        QueryValueKind.Number => "number",
        QueryValueKind.String => "string",
        _ => "boolean",
    };

    private enum QueryOperator
    {
        Equal,
        Less,
        Greater,
        In,
        LessOrEqual,
        GreaterOrEqual,
        Not,
        Or,
        And,
    }

    private enum QueryValueKind
    {
        Null,
        Bool,
        Number,
        String,
    }

    private readonly record struct QueryValue(QueryValueKind Kind, double Number, string? Text)
    {
        public bool IsTruthy => Kind switch
        {
            QueryValueKind.Bool or QueryValueKind.Number => Number != 0,
            QueryValueKind.String => Text!.Length > 0,
            _ => false,
        };
    }

    private sealed class Operand
    {
        private readonly QueryValue _literal;
        private readonly HostAttribute? _variable;
        private readonly Expression? _nested;

        private Operand(QueryValue literal, HostAttribute? variable, Expression? nested, QueryValueKind staticKind)
        {
            _literal = literal;
            _variable = variable;
            _nested = nested;
            StaticKind = staticKind;
        }

        public QueryValueKind StaticKind { get; }

        public static Operand Literal(QueryValue value) => new(value, null, null, value.Kind);

        public static Operand Variable(HostAttribute attribute) =>
            new(default, attribute, null, attribute.Kind == HostValueKind.Number ? QueryValueKind.Number : QueryValueKind.String);

        public static Operand Nested(Expression expression) => new(default, null, expression, QueryValueKind.Bool);

        public QueryValue Evaluate(HostState host)
        {
            if (_nested is not null)
            {
                return new QueryValue(QueryValueKind.Bool, _nested.Evaluate(host) ? 1 : 0, null);
            }

            if (_variable is null)
            {
                return _literal;
            }

            if (_variable.Kind == HostValueKind.Number)
            {
                return new QueryValue(QueryValueKind.Number, _variable.ReadNumber(host), null);
            }

            var text = _variable.ReadString(host);
            return text is null ? default : new QueryValue(QueryValueKind.String, 0, text);
        }

        public void Evaluate(HostTable hosts, ReadOnlySpan<int> indexes, Span<QueryValue> values)
        {
            if (_nested is not null)
            {
                var nested = ArrayPool<bool>.Shared.Rent(Math.Max(1, indexes.Length));
                _nested.Evaluate(hosts, indexes, nested.AsSpan(0, indexes.Length));
                for (var k = 0; k < indexes.Length; k++)
                {
                    values[k] = new QueryValue(QueryValueKind.Bool, nested[k] ? 1 : 0, null);
                }

                ArrayPool<bool>.Shared.Return(nested);
                return;
            }

            if (_variable is null)
            {
                values.Fill(_literal);
                return;
            }

            if (_variable.Kind == HostValueKind.Number)
            {
                var numbers = ArrayPool<double>.Shared.Rent(Math.Max(1, indexes.Length));
                _variable.ReadNumbers(hosts, indexes, numbers);
                for (var k = 0; k < indexes.Length; k++)
                {
                    values[k] = new QueryValue(QueryValueKind.Number, numbers[k], null);
                }

                ArrayPool<double>.Shared.Return(numbers);
                return;
            }

            // Strings never change with usage: read each host's value from the attribute's column.
            var column = hosts.Attribute(_variable);
            var ids = column.Ids;
            var texts = column.Texts;
            for (var k = 0; k < indexes.Length; k++)
            {
                var text = texts[ids[indexes[k]]];
                values[k] = text is null ? default : new QueryValue(QueryValueKind.String, 0, text);
            }
        }

        public override string ToString() => _variable is not null
            ? "$" + _variable.Name
            : _literal.Kind == QueryValueKind.String ? $"\"{_literal.Text}\"" : _literal.Number.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class Expression(QueryOperator op, Operand[] operands)
    {
        public static readonly Expression Empty = new(QueryOperator.And, []);

        public bool Evaluate(HostState host)
        {
            if (operands.Length == 0)
            {
                return true;
            }

            switch (op)
            {
                case QueryOperator.And:
                    foreach (var operand in operands)
                    {
                        var value = operand.Evaluate(host);
                        if (value.Kind != QueryValueKind.Null && !value.IsTruthy)
                        {
                            return false;
                        }
                    }

                    return true;
                case QueryOperator.Or:
                    foreach (var operand in operands)
                    {
                        if (operand.Evaluate(host).IsTruthy)
                        {
                            return true;
                        }
                    }

                    return false;
                case QueryOperator.Not:
                    foreach (var operand in operands)
                    {
                        var value = operand.Evaluate(host);
                        if (value.Kind != QueryValueKind.Null && !value.IsTruthy)
                        {
                            return true;
                        }
                    }

                    return false;
                default:
                    return Compare(host);
            }
        }

        public void Evaluate(HostTable hosts, ReadOnlySpan<int> indexes, Span<bool> result)
        {
            var count = indexes.Length;
            if (operands.Length == 0)
            {
                result.Fill(true);
                return;
            }

            var values = ArrayPool<QueryValue>.Shared.Rent(Math.Max(1, count));
            try
            {
                switch (op)
                {
                    case QueryOperator.And:
                        result.Fill(true);
                        foreach (var operand in operands)
                        {
                            operand.Evaluate(hosts, indexes, values);
                            for (var k = 0; k < count; k++)
                            {
                                result[k] &= values[k].Kind == QueryValueKind.Null || values[k].IsTruthy;
                            }
                        }

                        return;
                    case QueryOperator.Or:
                        result.Clear();
                        foreach (var operand in operands)
                        {
                            operand.Evaluate(hosts, indexes, values);
                            for (var k = 0; k < count; k++)
                            {
                                result[k] |= values[k].IsTruthy;
                            }
                        }

                        return;
                    case QueryOperator.Not:
                        result.Clear();
                        foreach (var operand in operands)
                        {
                            operand.Evaluate(hosts, indexes, values);
                            for (var k = 0; k < count; k++)
                            {
                                result[k] |= values[k].Kind != QueryValueKind.Null && !values[k].IsTruthy;
                            }
                        }

                        return;
                    default:
                        Compare(hosts, indexes, values, result);
                        return;
                }
            }
            finally
            {
                ArrayPool<QueryValue>.Shared.Return(values, clearArray: true);
            }
        }

        /// <summary><see cref="Compare(HostState)"/> over many hosts, carrying its running state per host.</summary>
        private void Compare(HostTable hosts, ReadOnlySpan<int> indexes, QueryValue[] values, Span<bool> result)
        {
            var count = indexes.Length;
            var first = ArrayPool<QueryValue>.Shared.Rent(Math.Max(1, count));
            var seen = ArrayPool<int>.Shared.Rent(Math.Max(1, count));
            var all = ArrayPool<bool>.Shared.Rent(Math.Max(1, count));
            var any = ArrayPool<bool>.Shared.Rent(Math.Max(1, count));
            Array.Clear(seen, 0, count);
            Array.Fill(all, true, 0, count);
            Array.Clear(any, 0, count);
            foreach (var operand in operands)
            {
                operand.Evaluate(hosts, indexes, values);
                for (var k = 0; k < count; k++)
                {
                    var value = values[k];
                    if (value.Kind == QueryValueKind.Null)
                    {
                        continue;
                    }

                    if (seen[k]++ == 0)
                    {
                        first[k] = value;
                        continue;
                    }

                    var holds = Holds(first[k], value);
                    all[k] &= holds;
                    any[k] |= holds;
                }
            }

            for (var k = 0; k < count; k++)
            {
                result[k] = seen[k] >= 2 && (op == QueryOperator.In ? any[k] : all[k]);
            }

            ArrayPool<QueryValue>.Shared.Return(first, clearArray: true);
            ArrayPool<int>.Shared.Return(seen);
            ArrayPool<bool>.Shared.Return(all);
            ArrayPool<bool>.Shared.Return(any);
        }

        private bool Holds(QueryValue first, QueryValue value)
        {
            var order = value.Kind == QueryValueKind.String
                ? string.CompareOrdinal(first.Text, value.Text)
                : first.Number.CompareTo(value.Number);
            return op switch
            {
                QueryOperator.Equal or QueryOperator.In => order == 0,
                QueryOperator.Less => order < 0,
                QueryOperator.Greater => order > 0,
                QueryOperator.LessOrEqual => order <= 0,
                _ => order >= 0,
            };
        }

        private bool Compare(HostState host)
        {
            QueryValue first = default;
            var count = 0;
            var all = true;
            var any = false;
            foreach (var operand in operands)
            {
                var value = operand.Evaluate(host);
                if (value.Kind == QueryValueKind.Null)
                {
                    continue;
                }

                if (count++ == 0)
                {
                    first = value;
                    continue;
                }

                var holds = Holds(first, value);
                all &= holds;
                any |= holds;
            }

            return count >= 2 && (op == QueryOperator.In ? any : all);
        }
    }
}

/// <summary>A JsonFilter query is malformed; the message says where and why.</summary>
public sealed class JsonQueryException : Exception
{
    public JsonQueryException()
    {
    }

    public JsonQueryException(string message)
        : base(message)
    {
    }

    public JsonQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
