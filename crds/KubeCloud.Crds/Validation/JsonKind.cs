using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeCloud.Crds.Validation;

/// <summary>The OpenAPI type names of JSON values, and Go-style printing of values for messages.</summary>
public static class JsonKind
{
    public const string Object = "object";
    public const string Array = "array";
    public const string String = "string";
    public const string Integer = "integer";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Null = "null";

    /// <summary>The OpenAPI type of a value; numbers with a fraction or exponent that are not whole are "number".</summary>
    public static string Of(JsonNode? node) => node switch
    {
        null => Null,
        JsonObject => Object,
        JsonArray => Array,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => String,
            JsonValueKind.Number => IsWholeNumber(value) ? Integer : Number,
            JsonValueKind.True or JsonValueKind.False => Boolean,
            _ => Null,
        },
        _ => Null,
    };

    /// <summary>True for a JSON number whose value is a whole number (1, 1.0, 1e3).</summary>
    public static bool IsWholeNumber(JsonValue value)
    {
        if (value.TryGetValue<long>(out _) || value.TryGetValue<int>(out _))
        {
            return true;
        }

        var number = ToDouble(value);
        return double.IsFinite(number) && Math.Floor(number) == number;
    }

    /// <summary>The numeric value of a JSON number.</summary>
    public static double ToDouble(JsonNode node)
    {
        var value = node.AsValue();
        if (value.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (value.TryGetValue<decimal>(out var m))
        {
            return (double)m;
        }

        if (value.TryGetValue<float>(out var f))
        {
            return f;
        }

        return double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
    }

    /// <summary>The value as Go's %v (numbers, booleans) or %q (strings) prints it in a field error.</summary>
    public static string GoValue(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => GoQuote(value.GetValue<string>()),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => GoNumber(value),
        JsonValue value => value.ToJsonString(),
        _ => GoQuote(Of(node)),
    };

    private static string GoNumber(JsonValue value)
    {
        if (value.TryGetValue<long>(out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        var number = ToDouble(value);
        return number.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A string quoted as Go's %q quotes it.</summary>
    public static string GoQuote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    }
                    else
                    {
                        builder.Append(rune.ToString());
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
