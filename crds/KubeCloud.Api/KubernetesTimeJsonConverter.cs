using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Api;

/// <summary>
/// Reads and writes a time the way metav1.Time does: RFC 3339 in UTC with whole seconds
/// (<c>2026-01-02T03:04:05Z</c>), so objects written by the operator look like those written
/// by any other Kubernetes client.
/// </summary>
public sealed class KubernetesTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new JsonException($"'{text}' is not an RFC 3339 time");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}
