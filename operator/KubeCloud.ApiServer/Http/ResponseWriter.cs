using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.ApiServer.Auth;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Http;

/// <summary>Writes JSON bodies, Status objects and Warning headers.</summary>
public static class ResponseWriter
{
    public const string Json = "application/json";

    private static readonly JsonSerializerOptions Indented = new(Serialization.JsonText.Options) { WriteIndented = true };

    public static Task WriteBytesAsync(HttpContext http, int code, byte[] body, string contentType = Json)
    {
        if (contentType.Contains("json", StringComparison.Ordinal) && RequestParameters.Pretty(http.Request))
        {
            body = JsonSerializer.SerializeToUtf8Bytes(JsonNode.Parse(body), Indented);
        }

        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = body.Length;
        return http.Response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }

    public static Task WriteNodeAsync(HttpContext http, int code, JsonNode node, string contentType = Json) =>
        WriteBytesAsync(http, code, Encoding.UTF8.GetBytes(node.ToJsonString(Serialization.JsonText.Options)), contentType);

    public static Task WriteModelAsync<T>(HttpContext http, int code, T model, string contentType = Json) =>
        WriteBytesAsync(http, code, KubeJson.SerializeToUtf8Bytes(model), contentType);

    public static Task WriteStatusAsync(HttpContext http, V1Status status) =>
        WriteModelAsync(http, status.Code ?? 500, status);

    public static V1Status Success(string? name, string? group, string kind, string? uid) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Success",
        Details = new V1StatusDetails { Name = name, Group = string.IsNullOrEmpty(group) ? null : group, Kind = kind, Uid = uid },
    };

    /// <summary>Adds <c>Warning: 299 - "text"</c> headers, as kube-apiserver does.</summary>
    public static void AddWarnings(HttpContext http, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings.Distinct())
        {
            http.Response.Headers.Append("Warning", $"299 - {JsonSerializer.Serialize(warning, Serialization.JsonText.Options)}");
        }
    }
}
