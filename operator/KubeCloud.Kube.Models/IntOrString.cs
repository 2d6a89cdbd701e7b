using System.Globalization;
using System.Text.Json.Serialization;
using KubeCloud.Kube.Models.Serialization;

namespace KubeCloud.Kube.Models;

/// <summary>
/// A value that is either a 32-bit integer or a string (<c>io.k8s.apimachinery.pkg.util.intstr.IntOrString</c>),
/// such as a port (<c>8080</c> or <c>"http"</c>) or a surge (<c>1</c> or <c>"25%"</c>). It keeps which one it is,
/// so it is written back in the same JSON form.
/// </summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public sealed class IntOrString : IEquatable<IntOrString>
{
    private IntOrString(int? intValue, string? stringValue)
    {
        IntValue = intValue;
        StringValue = stringValue;
    }

    /// <summary>The integer, when this holds an integer.</summary>
    public int? IntValue { get; }

    /// <summary>The string, when this holds a string.</summary>
    public string? StringValue { get; }

    /// <summary>True when this holds an integer.</summary>
    public bool IsInt => IntValue.HasValue;

    /// <summary>Creates an integer value.</summary>
    public static IntOrString FromInt32(int value) => new(value, null);

    /// <summary>Creates a string value.</summary>
    public static IntOrString FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(null, value);
    }

    /// <summary>Creates an integer value.</summary>
    public static implicit operator IntOrString(int value) => FromInt32(value);

    /// <summary>Creates a string value.</summary>
    public static implicit operator IntOrString(string value) => FromString(value);

    /// <inheritdoc/>
    public bool Equals(IntOrString? other) =>
        other is not null && IntValue == other.IntValue && string.Equals(StringValue, other.StringValue, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as IntOrString);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(IntValue, StringValue);

    /// <summary>The integer in invariant form, or the string.</summary>
    public override string ToString() => IntValue?.ToString(CultureInfo.InvariantCulture) ?? StringValue ?? "";

    /// <summary>Compares kind and value.</summary>
    public static bool operator ==(IntOrString? left, IntOrString? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Compares kind and value.</summary>
    public static bool operator !=(IntOrString? left, IntOrString? right) => !(left == right);
}
