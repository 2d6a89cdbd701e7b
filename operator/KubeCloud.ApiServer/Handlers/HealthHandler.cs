using KubeCloud.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// <c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> (and <c>/&lt;endpoint&gt;/ping</c>) for anyone, as kube-apiserver's
/// <c>system:public-info-viewer</c> allows: "ok", or with <c>?verbose</c> one line per check and
/// "&lt;endpoint&gt; check passed"; <c>?exclude=&lt;check&gt;</c> skips a check. The server has one check, ping.
/// </summary>
public static class HealthHandler
{
    private static readonly string[] Endpoints = ["healthz", "livez", "readyz"];
    private static readonly string[] Checks = ["ping"];

    public static bool Handles(string path)
    {
        var segments = path.Trim('/').Split('/');
        return Endpoints.Contains(segments[0]) && (segments.Length == 1 || (segments.Length == 2 && Checks.Contains(segments[1])));
    }

    public static async Task ServeAsync(HttpContext http)
    {
        var query = http.Request.Query;
        if (query.Keys.FirstOrDefault(k => k is not ("verbose" or "exclude" or "timeout")) is { } unknown)
        {
            await ResponseWriter.WriteStatusAsync(http, ApiException.Failure(400, "BadRequest", $"query parameter \"{unknown}\" is not implemented by this server for health checks (accepted: exclude, timeout, verbose)"));
            return;
        }

        var endpoint = http.Request.Path.Value!.Trim('/').Split('/')[0];
        var excluded = query["exclude"].Select(e => e ?? "").ToHashSet(StringComparer.Ordinal);
        var lines = Checks.Select(c => excluded.Contains(c) ? $"[+]{c} excluded: ok" : $"[+]{c} ok").ToList();
        if (excluded.Except(Checks).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } unmatched)
        {
            lines.Add($"warn: some health checks cannot be excluded: no matches for {string.Join(",", unmatched.Select(u => $"\"{u}\""))}");
        }

        lines.Add($"{endpoint} check passed");
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        await http.Response.WriteAsync(query.ContainsKey("verbose") ? string.Join('\n', lines) + "\n" : "ok", http.RequestAborted);
    }
}
