using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;

namespace KubeCloud.ApiServer.Storage;

/// <summary>
/// The continue token of a paginated list, in kube-apiserver's form: base64url of
/// <c>{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}</c>, where start is the next key to read.
/// </summary>
public readonly record struct ContinueToken(long Revision, string StartKey)
{
    public string Encode()
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = Revision, ["start"] = StartKey };
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString(Serialization.JsonText.Options)));
    }

    public static ContinueToken Decode(string token)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(token.TrimEnd('=')))!.AsObject();
            if ((string?)json["v"] != "meta.k8s.io/v1")
            {
                throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }

            return new ContinueToken((long?)json["rv"] ?? 0, (string?)json["start"] ?? "");
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw ApiException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }
}
