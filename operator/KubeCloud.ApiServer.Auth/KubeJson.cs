using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// JSON for k8s.Models on the server side of the local control plane. KubernetesClient's own
/// <see cref="KubernetesJson"/> options cannot write a <c>V1Status</c> (their status converter only reads), and a
/// server writes Status on every error, so these options keep the package's time converters and add nothing else:
/// nulls omitted, property names from the models' attributes, enums as strings, no HTML escaping. The package's
/// <c>V1Status.HasObject</c> (a helper for reading a Status that carries an object) is not a field of the API and is
/// left out.
/// </summary>
public static class KubeJson
{
    /// <summary>The shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitStatusHelpers } },
        };
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    private static void OmitStatusHelpers(JsonTypeInfo info)
    {
        if (info.Type != typeof(k8s.Models.V1Status))
        {
            return;
        }

        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i].Name == nameof(k8s.Models.V1Status.HasObject))
            {
                info.Properties.RemoveAt(i);
            }
        }
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
