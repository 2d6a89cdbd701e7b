using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Kube.Models.Serialization;

/// <summary>Reads a quantity from a JSON string (or a bare number, as Kubernetes accepts) and writes it as a string.</summary>
public sealed class ResourceQuantityJsonConverter : JsonConverter<ResourceQuantity>
{
    /// <inheritdoc/>
    public override ResourceQuantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => new ResourceQuantity(reader.GetString()!),
            JsonTokenType.Number => new ResourceQuantity(System.Text.Encoding.UTF8.GetString(reader.ValueSpan)),
            _ => throw new JsonException($"A quantity must be a string or a number, not {reader.TokenType}."),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ResourceQuantity value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
