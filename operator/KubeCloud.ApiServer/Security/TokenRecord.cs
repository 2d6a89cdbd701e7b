using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Security;

/// <summary>One issued bearer token and the user it authenticates (groups without system:authenticated, which is always added).</summary>
public sealed record TokenRecord(string Token, string User, string? Uid, IReadOnlyList<string> Groups, DateTimeOffset? ExpiresAt = null)
{
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["token"] = Token,
            ["user"] = User,
            ["uid"] = Uid,
            ["groups"] = new JsonArray(Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
        };
        if (ExpiresAt is { } expires)
        {
            json["expiresAt"] = expires.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return json.ToJsonString();
    }

    /// <summary>The record of one line, or null when the line is not a whole record.</summary>
    public static TokenRecord? TryParse(string line)
    {
        try
        {
            if (JsonNode.Parse(line) is not JsonObject json || (string?)json["token"] is not { Length: > 0 } token || (string?)json["user"] is not { Length: > 0 } user)
            {
                return null;
            }

            var groups = (json["groups"] as JsonArray ?? []).Select(g => (string?)g).OfType<string>().ToList();
            var expires = (string?)json["expiresAt"] is { } text ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            return new TokenRecord(token, user, (string?)json["uid"], groups, expires);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
