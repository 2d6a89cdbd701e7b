using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using KubeCloud.Kube.Models.Serialization;

namespace KubeCloud.Kube.Models;

/// <summary>
/// The JSON settings every KubeCloud component uses for Kubernetes objects: nulls omitted on write,
/// case-sensitive property names, enums as strings, <c>Time</c> as <c>2026-11-21T19:30:00Z</c>
/// (<c>MicroTime</c> properties carry their own six-digit converter), quantities and int-or-strings in their wire form.
/// </summary>
public static class KubeJson
{
    /// <summary>The shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = CreateReadOnlyOptions();

    /// <summary>Builds a fresh, mutable copy of the options (for callers that must add converters).</summary>
    public static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = false,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new KubeTimeJsonConverter());
        options.Converters.Add(new ResourceQuantityJsonConverter());
        options.Converters.Add(new IntOrStringJsonConverter());
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    private static JsonSerializerOptions CreateReadOnlyOptions()
    {
        var options = CreateOptions();
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Serializes <paramref name="value"/> to compact JSON.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Serializes <paramref name="value"/> to UTF-8 JSON bytes.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Serializes <paramref name="value"/> to a JSON tree.</summary>
    public static JsonNode? SerializeToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    /// <summary>Deserializes JSON text.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>Deserializes UTF-8 JSON.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize<T>(utf8Json, Options);

    /// <summary>Deserializes a JSON tree.</summary>
    public static T? Deserialize<T>(JsonNode? node) => node is null ? default : node.Deserialize<T>(Options);

    /// <summary>Deserializes JSON from a stream.</summary>
    public static ValueTask<T?> DeserializeAsync<T>(Stream utf8Json, CancellationToken cancellationToken = default) =>
        JsonSerializer.DeserializeAsync<T>(utf8Json, Options, cancellationToken);

    /// <summary>Serializes <paramref name="value"/> to a stream.</summary>
    public static Task SerializeAsync<T>(Stream utf8Json, T value, CancellationToken cancellationToken = default) =>
        JsonSerializer.SerializeAsync(utf8Json, value, Options, cancellationToken);
}
