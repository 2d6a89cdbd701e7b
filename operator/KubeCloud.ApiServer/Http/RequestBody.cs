using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Serialization;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Http;

/// <summary>Reads a request body (JSON or YAML) into a JSON tree.</summary>
public static class RequestBody
{
    public static string MediaType(HttpContext http)
    {
        var contentType = http.Request.ContentType ?? "application/json";
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    public static async Task<JsonNode> ReadNodeAsync(HttpContext http)
    {
        var mediaType = MediaType(http);
        if (mediaType == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return ProtobufBodies.Decode(buffer.ToArray());
        }

        if (mediaType.Contains("protobuf", StringComparison.Ordinal) || mediaType.Contains("cbor", StringComparison.Ordinal))
        {
            throw ApiException.UnsupportedMediaType(mediaType);
        }

        // The body's bytes parsed as UTF-8 JSON where they lie (a string first was a UTF-16 copy that the parser turned
        // back into UTF-8: most of the 12 % of the API server's CPU this method took in a burst of writes).
        var body = await ReadBytesAsync(http);
        var json = TrimStart(body.Span);
        if (json.IsEmpty)
        {
            throw ApiException.BadRequest("the request body is empty");
        }

        try
        {
            if (mediaType.Contains("yaml", StringComparison.Ordinal) && json[0] != (byte)'{')
            {
                var documents = global::KubeCloud.Crds.Yaml.YamlJsonReader.ReadAll(Encoding.UTF8.GetString(json));
                return documents.Count == 1 ? documents[0] : throw ApiException.BadRequest("the body must hold exactly one YAML document");
            }

            return JsonNode.Parse(json) ?? throw ApiException.BadRequest("the request body is null");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: {e.Message}");
        }
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpContext http) =>
        await ReadNodeAsync(http) as JsonObject ?? throw ApiException.BadRequest("Object 'Kind' is missing in the request body");

    /// <summary>The whole body, sized by Content-Length when the client sent one.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpContext http)
    {
        var length = http.Request.ContentLength;
        var buffer = new byte[length is > 0 and < 16 * 1024 * 1024 ? (int)length.Value : 4096];
        var used = 0;
        var stream = http.Request.Body;
        while (true)
        {
            if (used == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await stream.ReadAsync(buffer.AsMemory(used), http.RequestAborted);
            if (read == 0)
            {
                return buffer.AsMemory(0, used);
            }

            used += read;
        }
    }

    /// <summary>The bytes from the first that is not white space or a UTF-8 byte order mark.</summary>
    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        var i = 0;
        while (i < bytes.Length && bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return bytes[i..];
    }
}
