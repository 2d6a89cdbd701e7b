using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Api;

/// <summary>How a quantity prints: the suffix family it was written with.</summary>
public enum QuantityFormat
{
    /// <summary>Powers of ten with SI suffixes: n, u, m, "", k, M, G, T, P, E.</summary>
    DecimalSI,
    /// <summary>Powers of two: Ki, Mi, Gi, Ti, Pi, Ei.</summary>
    BinarySI,
    /// <summary>Scientific notation: 1e3, 5e-3.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity (<c>2Gi</c>, <c>500m</c>, <c>1.5G</c>, <c>1e3</c>), parsed and
/// printed with the rules of k8s.io/apimachinery/pkg/api/resource: the value is exact to one
/// nano-unit (finer values round up, away from zero), the format follows the suffix the value was
/// written with, and <see cref="ToString"/> gives the canonical form (<c>1000</c> prints as
/// <c>1k</c>, <c>1.5Gi</c> as <c>1536Mi</c>).
/// </summary>
/// <remarks>
/// JSON keeps the text the user wrote (so a controller that writes an object back does not
/// rewrite <c>1024Mi</c> into <c>1Gi</c> and make a GitOps tool see drift); a quantity made in
/// code serialises in canonical form. Equality and ordering compare values, not text.
/// </remarks>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly struct Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    private static readonly BigInteger NanosPerUnit = BigInteger.Pow(10, 9);
    private static readonly BigInteger MaxBinary = new(long.MaxValue);
    private static readonly string[] DecimalSuffixes = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
    private static readonly string[] BinarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    private readonly BigInteger _nanos;
    private readonly string? _text;

    private Quantity(BigInteger nanos, QuantityFormat format, string? text)
    {
        _nanos = nanos;
        Format = format;
        _text = text;
    }

    /// <summary>Zero, in decimal SI format.</summary>
    public static Quantity Zero => default;

    /// <summary>The suffix family used when printing.</summary>
    public QuantityFormat Format { get; }

    /// <summary>The value times 10^9, exact.</summary>
    public BigInteger Nanos => _nanos;

    /// <summary>True when the value is zero.</summary>
    public bool IsZero => _nanos.IsZero;

    /// <summary>The text this quantity was parsed from, or the canonical form if made in code.</summary>
    public string OriginalText => _text ?? ToString();

    /// <summary>A whole-number quantity.</summary>
    public static Quantity FromInt64(long value, QuantityFormat format = QuantityFormat.DecimalSI) =>
        new(new BigInteger(value) * NanosPerUnit, format, null);

    /// <summary>A quantity of bytes, printed with binary suffixes.</summary>
    public static Quantity FromBytes(long bytes) => FromInt64(bytes, QuantityFormat.BinarySI);

    /// <summary>A quantity in thousandths (millicores and the like).</summary>
    public static Quantity FromMilli(long milli) =>
        new(new BigInteger(milli) * 1_000_000, QuantityFormat.DecimalSI, null);

    /// <summary>Parses a quantity, throwing <see cref="FormatException"/> with the rule broken.</summary>
    public static Quantity Parse(string text)
    {
        if (TryParse(text, out var quantity, out var error))
        {
            return quantity;
        }

        throw new FormatException(error);
    }

    /// <summary>Parses a quantity without throwing.</summary>
    public static bool TryParse(string? text, out Quantity quantity) => TryParse(text, out quantity, out _);

    /// <summary>Parses a quantity; on failure <paramref name="error"/> says why, as Kubernetes does.</summary>
    public static bool TryParse(string? text, out Quantity quantity, out string error)
    {
        quantity = default;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
            return false;
        }

        if (!QuantityText.TrySplit(text, out var positive, out var whole, out var fraction, out var suffix))
        {
            error = $"quantity '{text}' must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
            return false;
        }

        if (!TryInterpretSuffix(suffix, out var numberBase, out var exponent, out var format))
        {
            error = $"unable to parse quantity's suffix '{suffix}' in '{text}': use one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3";
            return false;
        }

        // value = (whole.fraction) * base^exponent, held as nanos and rounded up (away from zero).
        var unscaled = BigInteger.Parse(whole + fraction, NumberStyles.None, CultureInfo.InvariantCulture);
        var numerator = unscaled;
        var denominator = BigInteger.Pow(10, fraction.Length);
        if (numberBase == 10)
        {
            var shift = 9 + exponent;
            if (shift >= 0)
            {
                numerator *= BigInteger.Pow(10, shift);
            }
            else
            {
                denominator *= BigInteger.Pow(10, -shift);
            }
        }
        else
        {
            numerator *= BigInteger.Pow(2, exponent) * NanosPerUnit;
        }

        var nanos = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (!remainder.IsZero)
        {
            nanos += 1;
        }

        if (format == QuantityFormat.BinarySI)
        {
            if (nanos > MaxBinary * NanosPerUnit)
            {
                nanos = MaxBinary * NanosPerUnit;
            }

            if (nanos < NanosPerUnit && !nanos.IsZero)
            {
                format = QuantityFormat.DecimalSI;
            }
        }

        quantity = new Quantity(positive ? nanos : -nanos, format, text);
        return true;
    }

    private static bool TryInterpretSuffix(string suffix, out int numberBase, out int exponent, out QuantityFormat format)
    {
        numberBase = 10;
        exponent = 0;
        format = QuantityFormat.DecimalSI;
        var decimalIndex = Array.IndexOf(DecimalSuffixes, suffix);
        if (decimalIndex >= 0)
        {
            exponent = (decimalIndex - 3) * 3;
            return true;
        }

        var binaryIndex = Array.IndexOf(BinarySuffixes, suffix);
        if (binaryIndex > 0)
        {
            numberBase = 2;
            exponent = binaryIndex * 10;
            format = QuantityFormat.BinarySI;
            return true;
        }

        if (suffix.Length > 1 && (suffix[0] == 'e' || suffix[0] == 'E')
            && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)
            && Math.Abs(exponent) <= 1000)
        {
            format = QuantityFormat.DecimalExponent;
            return true;
        }

        return false;
    }

    /// <summary>The value rounded up (away from zero) to a whole number, as Kubernetes' <c>Value()</c>.</summary>
    public long Value() => (long)CeilingDivide(_nanos, NanosPerUnit);

    /// <summary>The value in thousandths, rounded up (as Kubernetes' <c>MilliValue()</c>).</summary>
    public long MilliValue() => (long)CeilingDivide(_nanos, 1_000_000);

    /// <summary>Whole mebibytes, rounded up: the unit nova's RAM and disk filters count in.</summary>
    public long ToMebibytes() => (long)CeilingDivide(_nanos, NanosPerUnit * 1024 * 1024);

    /// <summary>Whole gibibytes, rounded up.</summary>
    public long ToGibibytes() => (long)CeilingDivide(_nanos, NanosPerUnit * 1024 * 1024 * 1024);

    private static BigInteger CeilingDivide(BigInteger value, BigInteger divisor)
    {
        // Away from zero, as Kubernetes' AsScale rounds: -1.5 becomes -2, not -1.
        var quotient = BigInteger.DivRem(value, divisor, out var remainder);
        return remainder.IsZero ? quotient : quotient + remainder.Sign;
    }

    public static Quantity operator +(Quantity left, Quantity right) =>
        new(left._nanos + right._nanos, left.IsZero ? right.Format : left.Format, null);

    public static Quantity operator -(Quantity left, Quantity right) =>
        new(left._nanos - right._nanos, left.IsZero ? right.Format : left.Format, null);

    public static Quantity operator -(Quantity value) => new(-value._nanos, value.Format, null);

    public static Quantity operator *(Quantity left, long factor) => new(left._nanos * factor, left.Format, null);

    public static Quantity Add(Quantity left, Quantity right) => left + right;

    public static Quantity Subtract(Quantity left, Quantity right) => left - right;

    public static Quantity Negate(Quantity value) => -value;

    public static Quantity Multiply(Quantity left, long factor) => left * factor;

    public static bool operator ==(Quantity left, Quantity right) => left.Equals(right);

    public static bool operator !=(Quantity left, Quantity right) => !left.Equals(right);

    public static bool operator <(Quantity left, Quantity right) => left.CompareTo(right) < 0;

    public static bool operator <=(Quantity left, Quantity right) => left.CompareTo(right) <= 0;

    public static bool operator >(Quantity left, Quantity right) => left.CompareTo(right) > 0;

    public static bool operator >=(Quantity left, Quantity right) => left.CompareTo(right) >= 0;

    public int CompareTo(Quantity other) => _nanos.CompareTo(other._nanos);

    public bool Equals(Quantity other) => _nanos == other._nanos;

    public override bool Equals(object? obj) => obj is Quantity other && Equals(other);

    public override int GetHashCode() => _nanos.GetHashCode();

    /// <summary>The canonical form, as Kubernetes prints it.</summary>
    public override string ToString()
    {
        if (_nanos.IsZero)
        {
            return "0";
        }

        var magnitude = BigInteger.Abs(_nanos);
        var sign = _nanos.Sign < 0 ? "-" : string.Empty;
        var format = Format;
        if (format == QuantityFormat.BinarySI
            && (magnitude < 1024 * NanosPerUnit || !(magnitude % NanosPerUnit).IsZero))
        {
            format = QuantityFormat.DecimalSI;
        }

        if (format == QuantityFormat.BinarySI)
        {
            var amount = magnitude / NanosPerUnit;
            var power = 0;
            while (power < BinarySuffixes.Length - 1 && (amount % 1024).IsZero)
            {
                amount /= 1024;
                power++;
            }

            return sign + amount.ToString(CultureInfo.InvariantCulture) + BinarySuffixes[power];
        }

        // Decimal: mantissa * 10^exponent with exponent a multiple of three, mantissa whole.
        var mantissa = magnitude;
        var exponent = -9;
        while ((mantissa % 10).IsZero)
        {
            mantissa /= 10;
            exponent++;
        }

        var offset = ((exponent % 3) + 3) % 3;
        mantissa *= BigInteger.Pow(10, offset);
        exponent -= offset;

        var builder = new StringBuilder(sign);
        if (format == QuantityFormat.DecimalExponent)
        {
            builder.Append(mantissa.ToString(CultureInfo.InvariantCulture));
            if (exponent != 0)
            {
                builder.Append('e').Append(exponent.ToString(CultureInfo.InvariantCulture));
            }

            return builder.ToString();
        }

        if (exponent > 18)
        {
            mantissa *= BigInteger.Pow(10, exponent - 18);
            exponent = 18;
        }

        builder.Append(mantissa.ToString(CultureInfo.InvariantCulture));
        builder.Append(DecimalSuffixes[(exponent / 3) + 3]);
        return builder.ToString();
    }

    /// <summary>Splits quantity text the way apimachinery's parseQuantityString does.</summary>
    private static class QuantityText
    {
        private const string SuffixCharacters = "eEinumkKMGTP";

        public static bool TrySplit(string text, out bool positive, out string whole, out string fraction, out string suffix)
        {
            positive = true;
            whole = "0";
            fraction = string.Empty;
            suffix = string.Empty;
            var position = 0;
            if (text[0] is '-' or '+')
            {
                positive = text[0] == '+';
                position++;
            }

            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position > start)
            {
                whole = text[start..position];
            }

            var sawDigits = position > start;
            if (position < text.Length && text[position] == '.')
            {
                position++;
                start = position;
                while (position < text.Length && char.IsAsciiDigit(text[position]))
                {
                    position++;
                }

                fraction = text[start..position];
                sawDigits |= position > start;
            }

            if (!sawDigits)
            {
                return false;
            }

            start = position;
            while (position < text.Length && SuffixCharacters.Contains(text[position], StringComparison.Ordinal))
            {
                position++;
            }

            if (position < text.Length && text[position] is '-' or '+')
            {
                position++;
            }

            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position != text.Length)
            {
                return false;
            }

            suffix = text[start..];
            return true;
        }
    }
}

/// <summary>Reads a quantity from a JSON string or number; writes the text it was read from.</summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString() ?? string.Empty,
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray()),
            _ => throw new JsonException($"a quantity must be a string or a number, not {reader.TokenType}"),
        };

        if (!Quantity.TryParse(text.Trim(), out var quantity, out var error))
        {
            throw new JsonException(error);
        }

        return quantity;
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.OriginalText);
}
