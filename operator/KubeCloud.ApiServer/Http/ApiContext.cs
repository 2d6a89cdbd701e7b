using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Http;

/// <summary>One API request: who asks, what it addresses, its query options.</summary>
public sealed class ApiContext
{
    public ApiContext(HttpContext http, UserInfo user, RequestInfo info)
    {
        Http = http;
        User = user;
        Info = info;
    }

    public HttpContext Http { get; }

    public UserInfo User { get; }

    public RequestInfo Info { get; }

    /// <summary>The addressed resource (null for non-resource requests).</summary>
    public ResourceType? Type { get; set; }

    /// <summary>The namespace, empty for cluster-scoped resources.</summary>
    public string Namespace => Type is { Namespaced: false } ? "" : Info.Namespace;

    public CancellationToken Aborted => Http.RequestAborted;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    public bool QueryFlag(string name) => Query(name) is { } value && (value.Length == 0 || value == "true" || value == "1");

    public long? QueryLong(string name)
    {
        var value = Query(name);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return long.TryParse(value, out var parsed) ? parsed : throw ApiException.BadRequest($"invalid value for {name}: {value}");
    }

    public bool DryRun => Http.Request.Query.TryGetValue("dryRun", out var values) && values.Any(v => v == "All")
        ? true
        : Http.Request.Query.ContainsKey("dryRun") && Query("dryRun") is { Length: > 0 } other
            ? throw ApiException.BadRequest($"Invalid dryRun value: {other}")
            : false;

    public WriteOptions WriteOptions(string defaultManager, bool tracksManagedFields = true, string? managedFieldsSubresource = null)
    {
        var validation = Query("fieldValidation") is { Length: > 0 } v ? v : "Warn";
        if (validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{validation}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }

        return new WriteOptions
        {
            DryRun = DryRun,
            FieldValidation = validation,
            FieldManager = Query("fieldManager") is { Length: > 0 } manager ? manager : defaultManager,
            User = User,
            TracksManagedFields = tracksManagedFields,
            ManagedFieldsSubresource = managedFieldsSubresource,
        };
    }

    /// <summary>The field manager kube-apiserver derives from the user agent when none is given ("kubectl-client-side-apply", "helm").</summary>
    public string UserAgentManager
    {
        get
        {
            var agent = Http.Request.Headers.UserAgent.ToString();
            var slash = agent.IndexOf('/', StringComparison.Ordinal);
            var name = slash > 0 ? agent[..slash] : agent;
            return name.Length == 0 ? "unknown" : name;
        }
    }

    /// <summary>The client asked for a meta.k8s.io Table (kubectl get).</summary>
    public bool WantsTable => Http.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    /// <summary>The client asked for PartialObjectMetadata (metadata-only informers).</summary>
    public bool WantsPartialMetadata => Http.Request.Headers.Accept.ToString().Contains("as=PartialObjectMetadata", StringComparison.Ordinal);

    public JsonObject? ParsedBody { get; set; }
}
