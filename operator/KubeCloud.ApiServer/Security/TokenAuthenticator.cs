using System.Collections.Concurrent;
using System.Security.Cryptography;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Bearer-token authentication as kube-apiserver's <c>--token-auth-file</c>: a CSV of
/// <c>token,user,uid,"group1,group2"</c>. Every authenticated user is also in system:authenticated.
/// Tokens not in the table are tried as service-account tokens (TokenRequest) when the server issues them.
/// </summary>
public sealed class TokenAuthenticator
{
    private readonly ConcurrentDictionary<string, UserInfo> _users = new(StringComparer.Ordinal);
    private readonly ServiceAccountTokens? _serviceAccountTokens;

    public TokenAuthenticator(ServiceAccountTokens? serviceAccountTokens = null)
    {
        _serviceAccountTokens = serviceAccountTokens;
    }

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public void LoadFile(string path)
    {
        foreach (var line in File.ReadAllLines(path))
        {
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var fields = ParseCsvLine(line);
            if (fields.Count < 3)
            {
                throw new FormatException($"{path}: a token line needs token,user,uid[,\"groups\"]: {line}");
            }

            var groups = fields.Count > 3 ? fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            Add(fields[0], fields[1], fields[2], groups);
        }
    }

    public void Add(string token, string user, string? uid, IEnumerable<string> groups)
    {
        var all = groups.Append(UserInfo.AuthenticatedGroup).Distinct(StringComparer.Ordinal).ToList();
        _users[token] = new UserInfo(user, string.IsNullOrEmpty(uid) ? null : uid, all);
    }

    /// <summary>The user of an Authorization header, or null (401).</summary>
    public UserInfo? Authenticate(string? authorization)
    {
        const string prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return AuthenticateToken(authorization[prefix.Length..].Trim()).User;
    }

    /// <summary>
    /// The user of a bearer token and the audiences it is good for (as TokenReview reports them), or null with the
    /// reason. Table tokens are good for any of the API audiences asked for (kube's audience-agnostic authenticators);
    /// service-account tokens for those they carry.
    /// </summary>
    public (UserInfo? User, IReadOnlyList<string> Audiences, string Error) AuthenticateToken(string token, IReadOnlyList<string>? audiences = null)
    {
        if (_users.TryGetValue(token, out var user))
        {
            var accepted = audiences is null ? ServiceAccountTokens.ApiAudiences : audiences.Intersect(ServiceAccountTokens.ApiAudiences, StringComparer.Ordinal).ToList();
            return accepted.Count > 0 ? (user, accepted, "") : (null, [], "token audiences don't match");
        }

        return _serviceAccountTokens?.Authenticate(token, audiences) ?? (null, [], "invalid bearer token");
    }

    internal static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString().Trim());
        return fields;
    }
}
