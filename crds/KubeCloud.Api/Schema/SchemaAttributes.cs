namespace KubeCloud.Api.Schema;

// Attributes the CRD generator reads from the API types. Each one maps to one OpenAPI v3 /
// CRD construct, so the C# types stay the single source of truth for the schema.
// Descriptions come from System.ComponentModel.DescriptionAttribute; JSON names from
// System.Text.Json.Serialization.JsonPropertyNameAttribute.

/// <summary>The field must be present (OpenAPI <c>required</c> of the enclosing object).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>Inclusive (or exclusive) lower bound of a number.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    public bool Exclusive { get; init; }
}

/// <summary>Inclusive (or exclusive) upper bound of a number.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    public bool Exclusive { get; init; }
}

/// <summary>ECMA-262 regular expression a string must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}

/// <summary>OpenAPI <c>format</c> of a string (date-time, byte, ...).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

/// <summary>Length bounds of a string.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute : Attribute
{
    public long Min { get; init; } = -1;
    public long Max { get; init; } = -1;
}

/// <summary>Item-count bounds of a list, and the longest string item of a list of strings.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute : Attribute
{
    public long Min { get; init; } = -1;
    public long Max { get; init; } = -1;

    /// <summary>maxLength of each string item; bounds the cost of CEL rules over the list.</summary>
    public long MaxLength { get; init; } = -1;
}

/// <summary>Key-count bound of a map.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxPropertiesAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>
/// Schema default, written as the JSON value it stands for (a string, number or boolean).
/// Defaults live in the schema, not in a mutating webhook, so GitOps tools see no drift.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>How a list merges (<c>x-kubernetes-list-type</c>) and, for maps, its key fields.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListTypeAttribute(string type, params string[] mapKeys) : Attribute
{
    public const string Atomic = "atomic";
    public const string Set = "set";
    public const string Map = "map";

    public string Type { get; } = type;
    public IReadOnlyList<string> MapKeys { get; } = mapKeys;
}

/// <summary>
/// A CEL rule (<c>x-kubernetes-validations</c>) on the object or field it decorates.
/// Rules that use <c>oldSelf</c> are transition rules (checked on update only).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule) : Attribute
{
    public string Rule { get; } = rule;
    public string? Message { get; init; }
    public string? FieldPath { get; init; }
    public string? Reason { get; init; }
}

/// <summary>The field cannot change once set: shorthand for the CEL rule <c>self == oldSelf</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ImmutableAttribute : Attribute
{
    public string Message { get; init; } = "field is immutable";
}

/// <summary>Keep unknown fields below this node (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>Short names for <c>kubectl get</c>; they must not collide with built-in ones.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortNamesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Categories the kind belongs to (<c>kubectl get kubecloud</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CategoriesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>An additional printer column of <c>kubectl get</c>, in declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string type, string jsonPath) : Attribute
{
    /// <summary>Position among the kind's columns (attributes carry no reliable order).</summary>
    public int Order { get; } = order;
    public string Name { get; } = name;
    /// <summary>OpenAPI type: string, integer, number, boolean or date.</summary>
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    /// <summary>0 for the default view, 1 for <c>-o wide</c> only.</summary>
    public int Priority { get; init; }
    public string? Description { get; init; }
    public string? Format { get; init; }
}

/// <summary>
/// The kind is cluster-scoped (<c>spec.scope: Cluster</c>); without it a kind is namespaced. KubernetesClient's
/// <c>[KubernetesEntity]</c> carries group, version, kind and plural but no scope, so the CRD generator reads it here.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClusterScopedAttribute : Attribute
{
    /// <summary>True unless <paramref name="kind"/> carries <see cref="ClusterScopedAttribute"/>.</summary>
    public static bool IsNamespaced(Type kind) => !IsDefined(kind, typeof(ClusterScopedAttribute), inherit: false);
}
