namespace KubeCloud.Crds.Cel;

/// <summary>A rule uses CEL outside the subset this evaluator supports, or is not valid CEL.</summary>
public sealed class CelUnsupportedException : Exception
{
    public CelUnsupportedException()
    {
    }

    public CelUnsupportedException(string message)
        : base(message)
    {
    }

    public CelUnsupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Evaluating a rule failed at run time (CEL's error value), e.g. <c>no such key: rules</c>.</summary>
public sealed class CelEvaluationException : Exception
{
    public CelEvaluationException()
    {
    }

    public CelEvaluationException(string message)
        : base(message)
    {
    }

    public CelEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A node of a parsed rule.</summary>
public abstract record CelExpression;

/// <summary>A literal: a long, string, bool or <see cref="CelNull"/>.</summary>
public sealed record CelLiteral(object Value) : CelExpression;

/// <summary>A variable: self, oldSelf or a comprehension variable.</summary>
public sealed record CelIdentifier(string Name) : CelExpression;

/// <summary>Field selection <c>operand.field</c>.</summary>
public sealed record CelSelect(CelExpression Operand, string Field) : CelExpression;

/// <summary>The macro <c>has(operand.field)</c>.</summary>
public sealed record CelHas(CelSelect Select) : CelExpression;

/// <summary><c>size(x)</c> or <c>x.size()</c>.</summary>
public sealed record CelSize(CelExpression Operand) : CelExpression;

/// <summary>The macros <c>all</c>, <c>exists</c> and <c>exists_one</c> over a list (its items) or a map (its keys).</summary>
public sealed record CelComprehension(string Macro, CelExpression Range, string Variable, CelExpression Predicate) : CelExpression;

/// <summary><c>!x</c> or <c>-x</c>.</summary>
public sealed record CelUnary(string Operator, CelExpression Operand) : CelExpression;

/// <summary><c>&amp;&amp;</c>, <c>||</c>, <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
public sealed record CelBinary(string Operator, CelExpression Left, CelExpression Right) : CelExpression;

/// <summary>CEL's null.</summary>
public sealed class CelNull
{
    public static CelNull Value { get; } = new();

    private CelNull()
    {
    }

    public override string ToString() => "null";
}
