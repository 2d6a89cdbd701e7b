using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Http;

/// <summary>
/// The query parameters and request headers this server implements, per kind of request. Anything else that
/// means something to kube-apiserver, or that a client could expect to change the answer, is refused with a 400
/// Status naming it rather than silently ignored (kube-apiserver itself ignores unknown query parameters; a
/// server that emulates it cannot tell a misspelling from a feature it lacks). The lists cover what kubectl 1.32
/// and 1.33 and helm v4 send.
/// </summary>
public static partial class RequestParameters
{
    /// <summary>Accepted on every request: kube's request deadline (a Go duration) and indented JSON.</summary>
    private static readonly string[] Common = ["timeout", "pretty"];

    private static readonly string[] Write = ["dryRun", "fieldManager", "fieldValidation"];
    private static readonly string[] Selection = ["labelSelector", "fieldSelector", "resourceVersion", "resourceVersionMatch", "timeoutSeconds"];
    private static readonly string[] Delete = ["dryRun", "gracePeriodSeconds", "propagationPolicy", "orphanDependents"];

    private static readonly Dictionary<string, HashSet<string>> ByVerb = new(StringComparer.Ordinal)
    {
        ["get"] = Set("resourceVersion", "includeObject"),
        ["list"] = Set([.. Selection, "limit", "continue", "watch", "allowWatchBookmarks", "sendInitialEvents", "includeObject"]),
        ["watch"] = Set([.. Selection, "watch", "allowWatchBookmarks", "sendInitialEvents", "includeObject"]),
        ["create"] = Set(Write),
        ["update"] = Set(Write),
        ["patch"] = Set([.. Write, "force"]),
        ["delete"] = Set(Delete),
        ["deletecollection"] = Set([.. Delete, .. Selection, "limit", "continue"]),
    };

    /// <summary>Headers with a meaning in kube-apiserver that this server does not implement, and why.</summary>
    private static readonly (string Prefix, string Reason)[] RefusedHeaders =
    [
        ("X-Remote-User", "request-header (front proxy) authentication is not implemented; use a bearer token"),
        ("X-Remote-Group", "request-header (front proxy) authentication is not implemented; use a bearer token"),
        ("X-Remote-Extra-", "request-header (front proxy) authentication is not implemented; use a bearer token"),
        ("If-Match", "conditional requests are not implemented; use metadata.resourceVersion for optimistic concurrency"),
        ("If-None-Match", "conditional requests are not implemented"),
        ("If-Modified-Since", "conditional requests are not implemented"),
        ("If-Unmodified-Since", "conditional requests are not implemented"),
        ("If-Range", "range requests are not implemented"),
        ("Range", "range requests are not implemented"),
    ];

    /// <summary>The query parameters a non-resource path accepts besides <see cref="Common"/> (discovery, /version: none).</summary>
    private static HashSet<string> NonResource(string path) =>
        path.StartsWith("/openapi/v3/", StringComparison.Ordinal) ? Set("hash") : Set();

    /// <summary>Refuses (400, 415) what the request asks for that the server does not implement; returns the request deadline (<c>timeout</c>), if any.</summary>
    /// <exception cref="ApiException">400 naming the first unimplemented query parameter or header, or an invalid value; 415 for a compressed body.</exception>
    public static TimeSpan? Check(HttpRequest request, RequestInfo info)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(info);
        CheckHeaders(request.Headers);
        var accepted = info.IsResourceRequest ? ByVerb.GetValueOrDefault(info.Verb) ?? Set() : NonResource(info.Path);
        var kind = info.IsResourceRequest ? $"{info.Verb} requests" : $"{info.Path}";
        foreach (var name in request.Query.Keys)
        {
            if (!accepted.Contains(name) && !Common.Contains(name))
            {
                var known = string.Join(", ", accepted.Concat(Common).Order(StringComparer.Ordinal));
                throw ApiException.BadRequest($"query parameter \"{name}\" is not implemented by this server for {kind} (accepted: {known})");
            }
        }

        if (request.Query["resourceVersionMatch"].ToString() is { Length: > 0 } match)
        {
            CheckResourceVersionMatch(match, request.Query["resourceVersion"].ToString(), info.Verb);
        }

        if (info.Verb == "list" && request.Query.ContainsKey("sendInitialEvents"))
        {
            throw ApiException.BadRequest("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
        }

        return request.Query["timeout"].ToString() is { Length: > 0 } timeout ? Duration(timeout) : null;
    }

    /// <summary>Whether <c>pretty=true</c> asks for indented JSON.</summary>
    public static bool Pretty(HttpRequest request) => request.Query["pretty"].ToString() is "true" or "1";

    private static void CheckHeaders(IHeaderDictionary headers)
    {
        foreach (var (prefix, reason) in RefusedHeaders)
        {
            if (headers.Keys.FirstOrDefault(h => h.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (prefix.EndsWith('-') || h.Length == prefix.Length)) is { } header)
            {
                throw ApiException.BadRequest($"header \"{header}\" is not implemented by this server: {reason}");
            }
        }

        if (headers.ContentEncoding.ToString() is { Length: > 0 } encoding && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ApiException.Failure(415, "UnsupportedMediaType", $"Content-Encoding \"{encoding}\" is not implemented by this server: send the body uncompressed"));
        }
    }

    /// <summary>NotOlderThan is served from the current state (which is never older); Exact would need past snapshots, which the store does not keep.</summary>
    private static void CheckResourceVersionMatch(string match, string resourceVersion, string verb)
    {
        if (verb == "watch")
        {
            throw ApiException.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch");
        }

        if (resourceVersion.Length == 0)
        {
            throw ApiException.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
        }

        switch (match)
        {
            case "NotOlderThan":
                return;
            case "Exact":
                throw ApiException.BadRequest("resourceVersionMatch=Exact is not implemented by this server (it keeps no past snapshots to list from); use NotOlderThan or no resourceVersionMatch");
            default:
                throw ApiException.BadRequest($"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
        }
    }

    /// <summary>A Go duration as kube's <c>timeout</c> parameter takes it ("32s", "1m30s", "500ms").</summary>
    private static TimeSpan Duration(string text)
    {
        var parts = GoDuration().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text)
        {
            throw ApiException.BadRequest($"invalid timeout specified in the request URL: time: invalid duration \"{text}\"");
        }

        var total = TimeSpan.Zero;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "us" or "µs" => TimeSpan.FromMicroseconds(value),
                _ => TimeSpan.FromTicks((long)(value / 100)),
            };
        }

        return total;
    }

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]*)?)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex GoDuration();
}
