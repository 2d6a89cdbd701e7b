namespace KubeCloud.Crds.Cel;

/// <summary>
/// Parses the subset of CEL the project's CRD rules use:
/// <code>
/// expr     = or
/// or       = and { "||" and }
/// and      = relation { "&amp;&amp;" relation }
/// relation = unary [ ("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") unary ]
/// unary    = "!" unary | "-" unary | member
/// member   = primary { "." IDENT [ "(" args ")" ] }      (methods: size, all, exists, exists_one)
/// primary  = IDENT | "has(" member "." IDENT ")" | "size(" expr ")" | INT | STRING | true | false | null | "(" expr ")"
/// </code>
/// Anything else (arithmetic, indexing, "in", the conditional operator, other functions or
/// macros, float, uint and bytes literals, undeclared variables) is refused with
/// <see cref="CelUnsupportedException"/> rather than guessed at.
/// </summary>
public sealed class CelParser
{
    private static readonly HashSet<string> Relations = ["==", "!=", "<", "<=", ">", ">="];
    private static readonly HashSet<string> Macros = ["all", "exists", "exists_one"];
    private static readonly HashSet<string> Reserved =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while", "in",
    ];

    private readonly List<CelToken> _tokens;
    private readonly Stack<string> _variables = new();
    private int _position;

    private CelParser(string rule)
    {
        _tokens = CelLexer.Tokenize(rule);
    }

    /// <summary>Parses a rule; throws <see cref="CelUnsupportedException"/> for anything outside the subset.</summary>
    public static CelExpression Parse(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parser = new CelParser(rule);
        var expression = parser.ParseOr();
        if (parser.Current.Kind != CelTokenKind.End)
        {
            throw new CelUnsupportedException($"unexpected '{parser.Current.Text}' at {parser.Current.Position}");
        }

        return expression;
    }

    /// <summary>Parses a rule without throwing; <paramref name="error"/> says what is unsupported.</summary>
    public static bool TryParse(string rule, out CelExpression? expression, out string error)
    {
        try
        {
            expression = Parse(rule);
            error = string.Empty;
            return true;
        }
        catch (CelUnsupportedException e)
        {
            expression = null;
            error = e.Message;
            return false;
        }
    }

    private CelToken Current => _tokens[_position];

    private bool IsOperator(string text) => Current.Kind == CelTokenKind.Operator && Current.Text == text;

    private CelToken Expect(string text)
    {
        if (!IsOperator(text))
        {
            throw new CelUnsupportedException($"expected '{text}' at {Current.Position}, found '{Current.Text}'");
        }

        return _tokens[_position++];
    }

    private CelExpression ParseOr()
    {
        var left = ParseAnd();
        while (IsOperator("||"))
        {
            _position++;
            left = new CelBinary("||", left, ParseAnd());
        }

        return left;
    }

    private CelExpression ParseAnd()
    {
        var left = ParseRelation();
        while (IsOperator("&&"))
        {
            _position++;
            left = new CelBinary("&&", left, ParseRelation());
        }

        return left;
    }

    private CelExpression ParseRelation()
    {
        var left = ParseUnary();
        if (Current.Kind == CelTokenKind.Operator && Relations.Contains(Current.Text))
        {
            var op = _tokens[_position++].Text;
            left = new CelBinary(op, left, ParseUnary());
            if (Current.Kind == CelTokenKind.Operator && Relations.Contains(Current.Text))
            {
                throw new CelUnsupportedException($"chained relation '{Current.Text}' at {Current.Position}: add parentheses");
            }
        }

        return left;
    }

    private CelExpression ParseUnary()
    {
        if (IsOperator("!"))
        {
            _position++;
            return new CelUnary("!", ParseUnary());
        }

        if (IsOperator("-"))
        {
            _position++;
            var operand = ParseUnary();
            return operand is CelLiteral { Value: long number } ? new CelLiteral(-number) : new CelUnary("-", operand);
        }

        return ParseMember();
    }

    private CelExpression ParseMember()
    {
        var expression = ParsePrimary();
        while (IsOperator("."))
        {
            _position++;
            var name = ExpectIdentifier();
            if (!IsOperator("("))
            {
                expression = new CelSelect(expression, name);
                continue;
            }

            _position++;
            if (name == "size")
            {
                Expect(")");
                expression = new CelSize(expression);
            }
            else if (Macros.Contains(name))
            {
                var variable = ExpectIdentifier();
                if (variable is "self" or "oldSelf" || Reserved.Contains(variable))
                {
                    throw new CelUnsupportedException($"'{variable}' cannot be a comprehension variable");
                }

                Expect(",");
                _variables.Push(variable);
                var predicate = ParseOr();
                _variables.Pop();
                Expect(")");
                expression = new CelComprehension(name, expression, variable, predicate);
            }
            else
            {
                throw new CelUnsupportedException($"unsupported function '{name}'");
            }
        }

        if (IsOperator("(") || IsOperator("["))
        {
            throw new CelUnsupportedException($"unsupported call or index at {Current.Position}");
        }

        return expression;
    }

    private CelExpression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case CelTokenKind.Integer:
                _position++;
                return new CelLiteral(token.Value!);
            case CelTokenKind.String:
                _position++;
                return new CelLiteral(token.Value!);
            case CelTokenKind.Operator when token.Text == "(":
                _position++;
                var inner = ParseOr();
                Expect(")");
                return inner;
            case CelTokenKind.Identifier:
                _position++;
                return Identifier(token);
            default:
                throw new CelUnsupportedException(token.Kind == CelTokenKind.End
                    ? "unexpected end of rule"
                    : $"unexpected '{token.Text}' at {token.Position}");
        }
    }

    private CelExpression Identifier(CelToken token)
    {
        switch (token.Text)
        {
            case "true":
                return new CelLiteral(true);
            case "false":
                return new CelLiteral(false);
            case "null":
                return new CelLiteral(CelNull.Value);
            case "has":
                Expect("(");
                var argument = ParseMember();
                Expect(")");
                return argument is CelSelect select
                    ? new CelHas(select)
                    : throw new CelUnsupportedException("has() needs a field selection, as in has(self.field)");
            case "size":
                Expect("(");
                var operand = ParseOr();
                Expect(")");
                return new CelSize(operand);
        }

        if (IsOperator("("))
        {
            throw new CelUnsupportedException($"unsupported function '{token.Text}'");
        }

        if (token.Text is "self" or "oldSelf" || _variables.Contains(token.Text))
        {
            return new CelIdentifier(token.Text);
        }

        throw new CelUnsupportedException($"undeclared reference to '{token.Text}'");
    }

    private string ExpectIdentifier()
    {
        if (Current.Kind != CelTokenKind.Identifier)
        {
            throw new CelUnsupportedException($"expected a name at {Current.Position}, found '{Current.Text}'");
        }

        return _tokens[_position++].Text;
    }

    /// <summary>Whether an expression refers to <c>oldSelf</c> (a transition rule).</summary>
    public static bool UsesOldSelf(CelExpression expression) => expression switch
    {
        CelIdentifier identifier => identifier.Name == "oldSelf",
        CelSelect select => UsesOldSelf(select.Operand),
        CelHas has => UsesOldSelf(has.Select),
        CelSize size => UsesOldSelf(size.Operand),
        CelComprehension comprehension => UsesOldSelf(comprehension.Range) || UsesOldSelf(comprehension.Predicate),
        CelUnary unary => UsesOldSelf(unary.Operand),
        CelBinary binary => UsesOldSelf(binary.Left) || UsesOldSelf(binary.Right),
        _ => false,
    };
}
