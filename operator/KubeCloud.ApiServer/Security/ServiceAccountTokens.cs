using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Bound service-account tokens as kube-apiserver makes them for TokenRequest: JWTs signed with ES256 by a key
/// from an <see cref="IServiceAccountKeyStore"/> (never remembered one by one), with kube's claims (iss, sub, aud,
/// exp, iat, nbf, jti, and <c>kubernetes.io</c> naming the namespace, the service account and the bound object
/// with their uids). A token authenticates only while it has not expired, carries one of the API audiences, and
/// its service account (and bound object) still exist with the uids it names, so a deleted or re-created
/// account's tokens are refused.
/// </summary>
public sealed class ServiceAccountTokens : IDisposable
{
    /// <summary>kube-apiserver's default <c>--service-account-issuer</c>, which is also its default API audience.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    public const string CredentialIdExtra = "authentication.kubernetes.io/credential-id";

    private static readonly string[] BoundKinds = ["Pod", "Secret", "Node"];

    private readonly ECDsa _key;
    private readonly string _keyId;
    private readonly IClusterObjectSource _objects;
    private readonly TimeProvider _clock;

    public ServiceAccountTokens(IServiceAccountKeyStore keys, IClusterObjectSource objects, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _objects = objects;
        _clock = clock;
        _key = ECDsa.Create();
        if (keys.Load() is { } pem)
        {
            _key.ImportFromPem(pem);
        }
        else
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP256);
            keys.Save(_key.ExportPkcs8PrivateKeyPem());
        }

        _keyId = Base64Url.EncodeToString(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The audiences the API server itself accepts.</summary>
    public static IReadOnlyList<string> ApiAudiences { get; } = [Issuer];

    public TimeProvider Clock => _clock;

    /// <summary>
    /// Signs a token for a stored service account, optionally bound to a stored Pod, Secret or Node. A token bound to a
    /// Pod also names the pod's node (<paramref name="podNode"/>, kube's ServiceAccountTokenPodNodeInfo), which
    /// authentication puts into the user's extra as <c>authentication.kubernetes.io/node-name</c> and <c>node-uid</c>.
    /// </summary>
    public string Issue(JsonObject serviceAccount, IReadOnlyList<string> audiences, DateTimeOffset issuedAt, long expirationSeconds, string? boundKind = null, JsonObject? boundObject = null, JsonObject? podNode = null)
    {
        ArgumentNullException.ThrowIfNull(serviceAccount);
        var (ns, name, uid) = Identity(serviceAccount);
        var kubernetes = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid },
        };
        if (boundKind is not null && boundObject is not null)
        {
            var (_, boundName, boundUid) = Identity(boundObject);
            kubernetes[boundKind.ToLowerInvariant()] = new JsonObject { ["name"] = boundName, ["uid"] = boundUid };
            if (boundKind == "Pod" && podNode is not null)
            {
                var (_, nodeName, nodeUid) = Identity(podNode);
                kubernetes["node"] = new JsonObject { ["name"] = nodeName, ["uid"] = nodeUid };
            }
        }

        var seconds = issuedAt.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["exp"] = seconds + expirationSeconds,
            ["iat"] = seconds,
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = seconds,
            ["sub"] = ServiceAccountUser.UserName(ns, name),
        };
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = _keyId };
        var signed = $"{Encode(header)}.{Encode(claims)}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>
    /// The user of a token this server signed, and the audiences it was accepted for (those of <paramref name="audiences"/>,
    /// the API audiences when null, that the token carries), or null with the reason it is refused.
    /// </summary>
    public (UserInfo? User, IReadOnlyList<string> Audiences, string Error) Authenticate(string token, IReadOnlyList<string>? audiences = null)
    {
        var claims = VerifiedClaims(token);
        if (claims is null)
        {
            return (null, [], "invalid bearer token");
        }

        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        if ((string?)claims["iss"] != Issuer)
        {
            return (null, [], "invalid bearer token, token issuer is not trusted");
        }

        if (Seconds(claims["exp"]) is not { } exp || exp <= now)
        {
            return (null, [], "invalid bearer token, service account token has expired");
        }

        if (Seconds(claims["nbf"]) is { } nbf && nbf > now)
        {
            return (null, [], "invalid bearer token, service account token is not valid yet");
        }

        var wanted = audiences ?? ApiAudiences;
        var carried = claims["aud"] is JsonArray list ? list.Select(a => (string?)a ?? "").ToList() : [(string?)claims["aud"] ?? ""];
        var accepted = wanted.Intersect(carried, StringComparer.Ordinal).ToList();
        if (accepted.Count == 0)
        {
            return (null, [], "invalid bearer token, token audiences don't match");
        }

        if (claims["kubernetes.io"] is not JsonObject kubernetes || (string?)kubernetes["namespace"] is not { Length: > 0 } ns
            || (string?)kubernetes["serviceaccount"]?["name"] is not { Length: > 0 } name || (string?)kubernetes["serviceaccount"]?["uid"] is not { } uid)
        {
            return (null, [], "invalid bearer token, token lacks the kubernetes.io claims");
        }

        if (Live(_objects.Get("", "serviceaccounts", ns, name), uid) is not { } account)
        {
            return (null, [], $"invalid bearer token, service account {ns}/{name} (uid {uid}) no longer exists");
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if ((string?)claims["jti"] is { Length: > 0 } jti)
        {
            extra[CredentialIdExtra] = [$"JTI={jti}"];
        }

        foreach (var kind in BoundKinds)
        {
            var key = kind.ToLowerInvariant();
            if (kubernetes[key] is not JsonObject bound)
            {
                continue;
            }

            var boundName = (string?)bound["name"] ?? "";
            var boundUid = (string?)bound["uid"] ?? "";
            // A pod-bound token's node claim is information, not a binding: kube checks the pod, not the node.
            var information = kind == "Node" && kubernetes["pod"] is not null;
            if (!information && Live(_objects.Get("", key + "s", kind == "Node" ? null : ns, boundName), boundUid) is null)
            {
                return (null, [], $"invalid bearer token, the token is bound to {key} {boundName} (uid {boundUid}), which no longer exists");
            }

            if (kind != "Secret")
            {
                extra[$"authentication.kubernetes.io/{key}-name"] = [boundName];
                extra[$"authentication.kubernetes.io/{key}-uid"] = [boundUid];
            }
        }

        var user = ServiceAccountUser.For(ns, name, (string?)account["metadata"]?["uid"]) with { Extra = extra };
        return (user, accepted, "");
    }

    public void Dispose() => _key.Dispose();

    /// <summary>The claims of a well-formed ES256 JWT whose signature this server's key made, or null.</summary>
    private JsonObject? VerifiedClaims(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            if ((string?)header?["alg"] != "ES256")
            {
                return null;
            }

            var signature = Base64Url.DecodeFromChars(parts[2]);
            var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
            return _key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                ? JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The object when it exists with that uid and is not being deleted.</summary>
    private static JsonObject? Live(JsonObject? stored, string uid) =>
        stored?["metadata"] is JsonObject metadata && (string?)metadata["uid"] == uid && metadata["deletionTimestamp"] is null ? stored : null;

    private static (string Namespace, string Name, string Uid) Identity(JsonObject obj) =>
        ((string?)obj["metadata"]?["namespace"] ?? "", (string?)obj["metadata"]?["name"] ?? "", (string?)obj["metadata"]?["uid"] ?? "");

    private static long? Seconds(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var seconds) ? seconds : null;

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
