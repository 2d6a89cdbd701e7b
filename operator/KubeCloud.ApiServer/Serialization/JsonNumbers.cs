using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Serialization;

/// <summary>Reads JSON numbers whatever backs the node (parsed text or a CLR value).</summary>
public static class JsonNumbers
{
    public static bool TryGetLong(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(Serialization.JsonText.Options), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
