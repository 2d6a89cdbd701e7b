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

        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted);

        if (string.IsNullOrWhiteSpace(text))
        {
            throw ApiException.BadRequest("the request body is empty");
        }

        try
        {
            if (mediaType.Contains("yaml", StringComparison.Ordinal) && !text.TrimStart().StartsWith('{'))
            {
                var documents = global::KubeCloud.Crds.Yaml.YamlJsonReader.ReadAll(text);
                return documents.Count == 1 ? documents[0] : throw ApiException.BadRequest("the body must hold exactly one YAML document");
            }

            return JsonNode.Parse(text) ?? throw ApiException.BadRequest("the request body is null");
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
}
