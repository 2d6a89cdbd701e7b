using System.Globalization;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Authorization;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Mapping;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Node.Agent.SerialConsole;

/// <summary>
/// The node's half of <c>servers/console</c>: <c>GET /namespaces/NS/servers/NAME/console</c> on the listener named
/// <see cref="Listener"/> answers the last lines of the serial log of a Server bound to this node, as text
/// (<c>tailLines=N</c>, default 100); with <c>follow=true</c> it then streams what the guest prints until the server leaves this node or the caller goes
/// away, as <c>kubectl logs -f</c>; <c>limitBytes=N</c> ends the answer after N bytes. Like the kubelet's <c>/logs</c>
/// it trusts no network: the caller's bearer token is reviewed (TokenReview) and the caller must be allowed <c>get</c>
/// on <c>servers/console</c> in group <c>subresources.kubecloud.io</c> for that server (SubjectAccessReview). The caller
/// is the operator with its own service account (its aggregated API has authorized the user already), so users'
/// tokens never reach a node.
/// </summary>
public static class ConsoleEndpoint
{
    public const string Listener = "console";

    public const int DefaultTailLines = 100;

    public const int MaxTailLines = 5000;

    /// <summary>How often a followed log is looked at for new output.</summary>
    public static readonly TimeSpan FollowPollInterval = TimeSpan.FromMilliseconds(250);

    public static string PathOf(string @namespace, string name) => $"/namespaces/{@namespace}/servers/{name}/console";

    public static IEndpointRouteBuilder MapConsoleEndpoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/namespaces/{namespace}/servers/{name}/console", (HttpContext context, string @namespace, string name) => ServeAsync(context, @namespace, name))
            .OnListener(Listener);
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext context, string @namespace, string name)
    {
        var services = context.RequestServices;
        if (!TryTailLines(context.Request.Query["tailLines"], out var lines))
        {
            await WriteAsync(context, 400, $"tailLines: must be a whole number from 1 to {MaxTailLines.ToString(CultureInfo.InvariantCulture)}");
            return;
        }

        if (!TryFollow(context.Request.Query["follow"], out var follow))
        {
            await WriteAsync(context, 400, "follow: must be true or false");
            return;
        }

        if (!TryLimitBytes(context.Request.Query["limitBytes"], out var limitBytes))
        {
            await WriteAsync(context, 400, "limitBytes: must be a whole number of at least 1");
            return;
        }

        var client = services.GetRequiredService<IKubeClient>();
        var decision = await new BearerTokenAccessReview(client).ReviewAsync(context.Request.Headers.Authorization, ServerConsoleAccess.Attributes(@namespace, name), context.RequestAborted);
        if (!decision.Allowed)
        {
            await WriteAsync(context, decision.StatusCode, decision.Message);
            return;
        }

        var server = services.GetRequiredService<NodeInformers>().Servers.Store.Get(@namespace, name);
        if (server is null)
        {
            await WriteAsync(context, 404, $"servers \"{name}\" not found on node {services.GetRequiredService<NodeAgentOptions>().NodeName} (namespace {@namespace})");
            return;
        }

        var path = services.GetRequiredService<NodeLayout>().ConsoleLogPath(server);
        var output = new ConsoleOutput(context.Response, limitBytes);
        if (!follow)
        {
            await output.WriteAsync(ConsoleTail.Read(path, lines) ?? string.Empty, context.RequestAborted);
            return;
        }

        var tail = ConsoleTail.ReadForFollow(path, lines);
        try
        {
            if (!await output.WriteAsync(tail?.Text ?? string.Empty, context.RequestAborted))
            {
                return;
            }

            // Followed until the caller goes away or the server leaves this node (deleted, or moved by a resize or an evacuation).
            var servers = services.GetRequiredService<NodeInformers>().Servers.Store;
            var uid = server.Metadata.Uid;
            bool StillHere() => servers.Get(@namespace, name)?.Metadata.Uid == uid;
            await foreach (var piece in ConsoleFollow.FollowAsync(path, tail?.End ?? 0, FollowPollInterval, keepFollowing: StillHere, cancellationToken: context.RequestAborted))
            {
                if (!await output.WriteAsync(piece, context.RequestAborted))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away: a followed console ends there.
        }
    }

    public static bool TryTailLines(string? value, out int lines)
    {
        lines = DefaultTailLines;
        return string.IsNullOrEmpty(value)
            || (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out lines) && lines is >= 1 and <= MaxTailLines);
    }

    public static bool TryFollow(string? value, out bool follow)
    {
        follow = false;
        return string.IsNullOrEmpty(value) || bool.TryParse(value, out follow);
    }

    /// <summary>limitBytes: absent is no limit (null).</summary>
    public static bool TryLimitBytes(string? value, out long? limitBytes)
    {
        limitBytes = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        var ok = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1;
        limitBytes = ok ? parsed : null;
        return ok;
    }

    private static async Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
