using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Kube.Models.Serialization;

/// <summary>
/// <c>meta/v1 Time</c>: RFC 3339 in UTC with second precision, e.g. <c>2026-11-21T19:30:00Z</c>.
/// Reads any RFC 3339 timestamp (with or without fractions or an offset).
/// </summary>
public sealed class KubeTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The write format.</summary>
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'";

    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339.Read(ref reader);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}

/// <summary>
/// <c>meta/v1 MicroTime</c>: RFC 3339 in UTC with six fractional digits, e.g. <c>2026-11-21T19:30:00.123456Z</c>.
/// </summary>
public sealed class KubeMicroTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The write format.</summary>
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339.Read(ref reader);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}

internal static class Rfc3339
{
    public static DateTimeOffset Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"A timestamp must be a JSON string, not {reader.TokenType}.");
        }

        var text = reader.GetString()!;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 timestamp.");
        }

        return value;
    }
}
