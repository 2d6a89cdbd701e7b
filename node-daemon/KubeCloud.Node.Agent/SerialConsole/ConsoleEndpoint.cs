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
/// The node's half of <c>servers/console</c>: <c>GET /namespaces/NS/servers/NAME/console?tailLines=N</c> on the
/// listener named <see cref="Listener"/> answers the last lines of the serial log of a Server bound to this node, as
/// text. Like the kubelet's <c>/logs</c> it trusts no network: the caller's bearer token is reviewed (TokenReview) and
/// the user must be allowed <c>get</c> on <c>servers/console</c> for that server (SubjectAccessReview). The operator's
/// endpoint forwards the user's own token here, so a node only ever answers what the user may read.
/// </summary>
public static class ConsoleEndpoint
{
    public const string Listener = "console";

    public const int DefaultTailLines = 100;

    public const int MaxTailLines = 5000;

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

        var client = services.GetRequiredService<IKubeClient>() as KubeClient
            ?? throw new InvalidOperationException("the console endpoint needs the runtime's KubeClient for its access reviews");
        var decision = await new BearerTokenAccessReview(client.Kubernetes).ReviewAsync(context.Request.Headers.Authorization, Attributes(@namespace, name), context.RequestAborted);
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

        var text = ConsoleTail.Read(services.GetRequiredService<NodeLayout>().ConsoleLogPath(server), lines) ?? string.Empty;
        await WriteAsync(context, 200, text);
    }

    /// <summary>What a caller must be allowed: get on servers/console in the server's namespace (group kubecloud.io).</summary>
    public static V1ResourceAttributes Attributes(string @namespace, string name) => new()
    {
        Group = ApiGroup.Name,
        Resource = "servers",
        Subresource = "console",
        Verb = "get",
        NamespaceProperty = @namespace,
        Name = name,
    };

    public static bool TryTailLines(string? value, out int lines)
    {
        lines = DefaultTailLines;
        return string.IsNullOrEmpty(value)
            || (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out lines) && lines is >= 1 and <= MaxTailLines);
    }

    private static async Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(status == 200 ? text : text + "\n", context.RequestAborted);
    }
}
