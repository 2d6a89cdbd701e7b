using System.Text.Encodings.Web;
using System.Text.Json;

namespace KubeCloud.ApiServer.Serialization;

/// <summary>How JSON trees are written on the wire: compact, with only the escaping JSON requires.</summary>
public static class JsonText
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
