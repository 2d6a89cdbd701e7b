using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Security;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// <c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>: an authentication.k8s.io/v1 TokenRequest,
/// answered as kube-apiserver's TokenREST does (<c>kubectl create token</c>): audiences default to the API
/// audiences, expirationSeconds to one hour (at least 10 minutes, at most 2^32 s), an optional boundObjectRef to a
/// Pod, Secret or Node of the account's namespace whose uid must match; status carries the signed token.
/// </summary>
public sealed class TokenRequestHandler
{
    private const string Group = "authentication.k8s.io";
    private const long DefaultExpirationSeconds = 3600;
    private const long MinimumExpirationSeconds = 600;
    private static readonly GroupResource ServiceAccounts = new("", "serviceaccounts");

    private readonly ObjectStore _store;
    private readonly ServiceAccountTokens _tokens;

    public TokenRequestHandler(ObjectStore store, ServiceAccountTokens tokens)
    {
        _store = store;
        _tokens = tokens;
    }

    public static bool Handles(ResourceType type, RequestInfo info) =>
        type.GroupResource == ServiceAccounts && info.Subresource == "token";

    public async Task CreateAsync(ApiContext context)
    {
        var (ns, name) = (context.Info.Namespace, context.Info.Name);
        if (context.Info.Verb != "create" || name.Length == 0)
        {
            throw ApiException.MethodNotSupported(new GroupResource("", "serviceaccounts/token"), context.Info.Verb);
        }

        var request = await RequestBody.ReadObjectAsync(context.Http);
        var metadata = request["metadata"] as JsonObject ?? [];
        if ((string?)metadata["name"] is { Length: > 0 } bodyName && bodyName != name)
        {
            throw ApiException.Invalid("TokenRequest", Group, name, [FieldError.InvalidValue("metadata.name", bodyName, "must match the service account name if specified")]);
        }

        if ((string?)metadata["namespace"] is { Length: > 0 } bodyNamespace && bodyNamespace != ns)
        {
            throw ApiException.Invalid("TokenRequest", Group, name, [FieldError.InvalidValue("metadata.namespace", bodyNamespace, "must match the service account namespace if specified")]);
        }

        var account = _store.Get(ServiceAccounts, ns, name)?.Object ?? throw ApiException.NotFound(ServiceAccounts, name);
        var spec = request["spec"] as JsonObject ?? [];
        var audiences = spec["audiences"] is JsonArray { Count: > 0 } given ? given.Select(a => (string?)a ?? "").ToList() : [.. ServiceAccountTokens.ApiAudiences];
        var expirationSeconds = spec["expirationSeconds"] is JsonValue seconds && seconds.TryGetValue<long>(out var value) ? value : DefaultExpirationSeconds;
        var errors = new List<FieldError>();
        if (expirationSeconds < MinimumExpirationSeconds)
        {
            errors.Add(FieldError.InvalidValue("spec.expirationSeconds", expirationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "may not specify a duration less than 10 minutes"));
        }

        if (expirationSeconds > 1L << 32)
        {
            errors.Add(FieldError.InvalidValue("spec.expirationSeconds", expirationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "may not specify a duration larger than 2^32 seconds"));
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("TokenRequest", Group, "", errors);
        }

        var (boundKind, bound) = BoundObject(spec["boundObjectRef"] as JsonObject, ns, name);
        var now = _tokens.Clock.GetUtcNow();
        var node = boundKind == "Pod" && (string?)bound?["spec"]?["nodeName"] is { Length: > 0 } nodeName
            ? _store.Get(new GroupResource("", "nodes"), "", nodeName)?.Object
            : null;
        var token = _tokens.Issue(account, audiences, now, expirationSeconds, boundKind, bound, node);
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = $"{Group}/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = ObjectMetadata.Timestamp(now) },
            ["spec"] = new JsonObject
            {
                ["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)JsonValue.Create(a))]),
                ["expirationSeconds"] = expirationSeconds,
            },
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = ObjectMetadata.Timestamp(now.AddSeconds(expirationSeconds)) },
        };
        if (spec["boundObjectRef"] is JsonObject reference)
        {
            response["spec"]!["boundObjectRef"] = reference.DeepClone();
        }

        await ResponseWriter.WriteNodeAsync(context.Http, 201, response);
    }

    /// <summary>The Pod, Secret or Node a token is bound to, looked up as kube's TokenREST does.</summary>
    private (string? Kind, JsonObject? Object) BoundObject(JsonObject? reference, string ns, string account)
    {
        if (reference is null)
        {
            return (null, null);
        }

        var kind = (string?)reference["kind"] ?? "";
        var apiVersion = (string?)reference["apiVersion"] ?? "";
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        if (group.Length > 0 || kind is not ("Pod" or "Secret" or "Node"))
        {
            throw ApiException.BadRequest($"cannot bind token to object of type {group}/{version}, Kind={kind}");
        }

        var name = (string?)reference["name"] ?? "";
        var resource = new GroupResource("", kind.ToLowerInvariant() + "s");
        var stored = _store.Get(resource, kind == "Node" ? "" : ns, name)?.Object ?? throw ApiException.NotFound(resource, name);
        if (kind == "Pod" && (string?)stored["spec"]?["serviceAccountName"] is var podAccount && podAccount != account)
        {
            throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{account}\" to pod running with different serviceaccount name.");
        }

        var uid = (string?)stored["metadata"]?["uid"];
        if ((string?)reference["uid"] is { Length: > 0 } expected && expected != uid)
        {
            throw ApiException.Conflict(new GroupResource("", kind), name, $"the UID in the bound object reference ({expected}) does not match the UID in record. The object might have been deleted and then recreated");
        }

        return (kind, stored);
    }
}
