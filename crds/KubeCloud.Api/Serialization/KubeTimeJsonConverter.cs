using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Api.Serialization;

/// <summary>
/// <c>meta/v1 Time</c> on the API types' <see cref="DateTimeOffset"/> fields: RFC 3339 in UTC with second precision,
/// e.g. <c>2026-11-21T19:30:00Z</c>, as kube-apiserver writes it (KubernetesClient's own converter writes fractions).
/// Reads any RFC 3339 timestamp (with or without fractions or an offset).
/// </summary>
public sealed class KubeTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The write format.</summary>
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'";

    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
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

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
